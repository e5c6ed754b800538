package berth.persistence;

import berth.tenant.LogArchive;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import javax.sql.DataSource;

/** The {@link LogArchive} in PostgreSQL ({@code tenant_logs}); blocking JDBC runs on the given executor. */
public final class JdbcLogArchive implements LogArchive {
  private final DataSource dataSource;
  private final Executor executor;

  public JdbcLogArchive(DataSource dataSource, Executor executor) {
    this.dataSource = dataSource;
    this.executor = executor;
  }

  @Override
  public CompletionStage<Void> keep(String slug, KeptLog log) {
    return write("""
        INSERT INTO tenant_logs (slug, container_id, incarnation, kept_at, reason, truncated, output)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (slug, container_id) DO UPDATE SET incarnation = EXCLUDED.incarnation, kept_at = EXCLUDED.kept_at,
          reason = EXCLUDED.reason, truncated = EXCLUDED.truncated, output = EXCLUDED.output
        """, ps -> {
      ps.setString(1, slug);
      ps.setString(2, log.containerId());
      ps.setInt(3, log.incarnation());
      ps.setTimestamp(4, Timestamp.from(log.keptAt()));
      ps.setString(5, log.reason());
      ps.setBoolean(6, log.truncated());
      // PostgreSQL text holds no NUL; a container may write one
      ps.setString(7, log.text().replace('\u0000', '\uFFFD'));
    });
  }

  @Override
  public CompletionStage<List<KeptLog>> list(String slug) {
    return CompletableFuture.supplyAsync(() -> {
      try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
          "SELECT incarnation, container_id, kept_at, reason, truncated, output FROM tenant_logs WHERE slug = ? "
              + "ORDER BY kept_at")) {
        ps.setString(1, slug);
        List<KeptLog> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(new KeptLog(rs.getInt(1), rs.getString(2), rs.getTimestamp(3).toInstant(), rs.getString(4),
                rs.getBoolean(5), rs.getString(6)));
          }
        }
        c.rollback(); // read-only; end the transaction the pool opened
        return out;
      } catch (SQLException e) {
        throw new CompletionException(e);
      }
    }, executor);
  }

  @Override
  public CompletionStage<Void> purge(String slug) {
    return write("DELETE FROM tenant_logs WHERE slug = ?", ps -> ps.setString(1, slug));
  }

  private interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  private CompletionStage<Void> write(String sql, Binder binder) {
    return CompletableFuture.runAsync(() -> {
      try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
        binder.bind(ps);
        ps.executeUpdate();
        if (!c.getAutoCommit()) c.commit();
      } catch (SQLException e) {
        throw new CompletionException(e);
      }
    }, executor);
  }
}
