package berth.persistence;

import berth.audit.AuditChain;
import berth.audit.AuditEntry;
import berth.audit.AuditLog;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import javax.sql.DataSource;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Reads the {@code audit_log} (V8): keyset pages by {@code seq} (stable while entries are appended),
 * a page-by-page stream for exports of any size, and the walk of the hash chain. Never writes.
 */
public final class JdbcAuditLog implements AuditLog {
  static final int STREAM_PAGE = 1000;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String COLUMNS = "seq, position, at, actor, action, resource_type, resource_id, sequence_nr, "
      + "reason, correlation_id, outcome, source_address, user_agent, details::text, prev_hash, hash";

  private final DataSource dataSource;
  private final Executor executor;

  public JdbcAuditLog(DataSource dataSource, Executor executor) {
    this.dataSource = dataSource;
    this.executor = executor;
  }

  @Override
  public CompletionStage<Page> page(Filter filter, long after, int limit) {
    return CompletableFuture.supplyAsync(() -> {
      List<Stored> rows = read(filter, after, limit + 1);
      boolean more = rows.size() > limit;
      List<Stored> shown = more ? rows.subList(0, limit) : rows;
      return new Page(List.copyOf(shown), more ? shown.get(shown.size() - 1).seq() : null);
    }, executor);
  }

  @Override
  public Source<Stored, NotUsed> stream(Filter filter, long after) {
    return Source.unfoldAsync(after, cursor -> CompletableFuture.supplyAsync(() -> {
      if (cursor == Long.MAX_VALUE) return Optional.<Pair<Long, List<Stored>>>empty();
      List<Stored> rows = read(filter, cursor, STREAM_PAGE);
      if (rows.isEmpty()) return Optional.<Pair<Long, List<Stored>>>empty();
      long next = rows.size() < STREAM_PAGE ? Long.MAX_VALUE : rows.get(rows.size() - 1).seq();
      return Optional.of(Pair.create(next, rows));
    }, executor)).mapConcat(rows -> rows);
  }

  @Override
  public CompletionStage<Verification> verify() {
    return CompletableFuture.supplyAsync(() -> {
      byte[] previous = AuditChain.GENESIS;
      long verified = 0;
      long cursor = 0;
      Long headSeq = null;
      String headHash = null;
      while (true) {
        List<Stored> rows = read(Filter.ALL, cursor, STREAM_PAGE);
        if (rows.isEmpty()) break;
        for (Stored r : rows) {
          byte[] stored = HexFormat.of().parseHex(r.hash());
          if (r.seq() != verified + 1 || !MessageDigest.isEqual(previous, HexFormat.of().parseHex(r.prevHash()))) {
            return new Verification(verified, false, r.seq(), r.position(),
                "the entry before it is not the one it was chained to (removed or changed)", headSeq, headHash);
          }
          AuditEntry entry = new AuditEntry(r.position(), r.at(), r.actor(), r.action(), r.resourceType(),
              r.resourceId(), r.sequenceNr(), r.reason(), r.correlationId(), r.outcome(), r.sourceAddress(),
              r.userAgent(), null);
          byte[] expected = AuditChain.hash(previous, AuditChain.canonical(r.seq(), entry, r.details()));
          if (!MessageDigest.isEqual(expected, stored)) {
            return new Verification(verified, false, r.seq(), r.position(),
                "its content does not match its hash (changed after it was written)", headSeq, headHash);
          }
          previous = stored;
          verified++;
          headSeq = r.seq();
          headHash = r.hash();
        }
        cursor = rows.get(rows.size() - 1).seq();
      }
      return new Verification(verified, true, null, null, null, headSeq, headHash);
    }, executor);
  }

  private List<Stored> read(Filter f, long after, int limit) {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM audit_log WHERE seq > ?");
    List<Object> params = new ArrayList<>(List.of(after));
    where(sql, params, "resource_type = 'tenant' AND resource_id = ?", f.tenant());
    where(sql, params, "resource_type = 'account' AND resource_id = ?", f.account());
    where(sql, params, "actor = ?", f.actor());
    where(sql, params, "action = ?", f.action());
    where(sql, params, "correlation_id = ?", f.correlationId());
    where(sql, params, "at >= ?", f.from() == null ? null : Timestamp.from(f.from()));
    where(sql, params, "at < ?", f.to() == null ? null : Timestamp.from(f.to()));
    sql.append(" ORDER BY seq LIMIT ?");
    params.add(limit);
    return Transactions.run(dataSource, c -> {
      try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
        for (int i = 0; i < params.size(); i++) ps.setObject(i + 1, params.get(i));
        List<Stored> rows = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) rows.add(row(rs));
        }
        return rows;
      }
    });
  }

  /** Adds {@code AND condition} with its one parameter, when the filter has a value for it. */
  private static void where(StringBuilder sql, List<Object> params, String condition, Object value) {
    if (value == null) return;
    sql.append(" AND ").append(condition);
    params.add(value);
  }

  private static Stored row(ResultSet rs) throws SQLException {
    JsonNode details;
    try {
      details = JSON.readTree(rs.getString(14));
    } catch (java.io.IOException e) {
      throw new SQLException("audit details are not JSON at entry " + rs.getLong(1), e);
    }
    return new Stored(rs.getLong(1), rs.getLong(2), rs.getTimestamp(3).toInstant(), rs.getString(4), rs.getString(5),
        rs.getString(6), rs.getString(7), rs.getLong(8), rs.getString(9), rs.getString(10), rs.getString(11),
        rs.getString(12), rs.getString(13), details, HexFormat.of().formatHex(rs.getBytes(15)),
        HexFormat.of().formatHex(rs.getBytes(16)));
  }

  /**
   * Empties the audit log and rewinds its projection, so that the next node to start rebuilds it from
   * the journal (the same entries, the same chain). Run with every node stopped.
   */
  public static int dropForRebuild(DataSource dataSource) {
    try (Connection c = dataSource.getConnection()) {
      int rows;
      try (var st = c.createStatement()) {
        rows = st.executeUpdate("DELETE FROM audit_log");
      }
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM pekko_projection_offset_store WHERE projection_name = ?")) {
        ps.setString(1, AuditProjection.ID.name());
        ps.executeUpdate();
      }
      c.commit();
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException("the audit log could not be emptied: " + e.getMessage(), e);
    }
  }
}
