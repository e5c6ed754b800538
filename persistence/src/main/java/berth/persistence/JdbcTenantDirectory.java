package berth.persistence;

import berth.tenant.Endpoint;
import berth.tenant.Phase;
import berth.tenant.TenantDirectory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import javax.sql.DataSource;

/** Reads the {@code tenant_directory} table; blocking JDBC runs on the given executor. */
public final class JdbcTenantDirectory implements TenantDirectory {
  private static final String COLUMNS = "slug, display_name, phase, incarnation, container_name, container_id, "
      + "endpoint_host, endpoint_port, last_error, created_at, updated_at, retained_until";

  private final DataSource dataSource;
  private final Executor executor;

  public JdbcTenantDirectory(DataSource dataSource, Executor executor) {
    this.dataSource = dataSource;
    this.executor = executor;
  }

  @Override
  public CompletionStage<List<TenantSummary>> list() {
    return query("SELECT " + COLUMNS + " FROM tenant_directory ORDER BY slug", null);
  }

  /**
   * The rows and the projection's offset in one repeatable-read transaction: the projection stores its
   * offset in the same transaction as its row changes, so the two agree.
   */
  @Override
  public CompletionStage<Listing> snapshot() {
    return CompletableFuture.supplyAsync(() -> {
      try (Connection c = dataSource.getConnection()) {
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        try {
          long offset = 0;
          try (PreparedStatement ps = c.prepareStatement(
              "SELECT current_offset FROM pekko_projection_offset_store WHERE projection_name = ?")) {
            ps.setString(1, TenantDirectoryProjection.ID.name());
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) offset = Math.max(offset, Long.parseLong(rs.getString(1)));
            }
          }
          List<TenantSummary> rows = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM tenant_directory ORDER BY slug");
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) rows.add(row(rs));
          }
          return new Listing(rows, offset);
        } finally {
          c.rollback();
          c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
        }
      } catch (SQLException e) {
        throw new CompletionException(e);
      }
    }, executor);
  }

  @Override
  public CompletionStage<Optional<TenantSummary>> find(String slug) {
    return query("SELECT " + COLUMNS + " FROM tenant_directory WHERE slug = ?", slug)
        .thenApply(rows -> rows.stream().findFirst());
  }

  private CompletionStage<List<TenantSummary>> query(String sql, String param) {
    return CompletableFuture.supplyAsync(() -> {
      try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
        if (param != null) ps.setString(1, param);
        List<TenantSummary> rows = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) rows.add(row(rs));
        }
        c.rollback(); // read-only; end the transaction the pool opened
        return rows;
      } catch (SQLException e) {
        throw new CompletionException(e);
      }
    }, executor);
  }

  private static TenantSummary row(ResultSet rs) throws SQLException {
    String host = rs.getString("endpoint_host");
    int port = rs.getInt("endpoint_port");
    return new TenantSummary(
        rs.getString("slug"),
        rs.getString("display_name"),
        Phase.valueOf(rs.getString("phase")),
        rs.getInt("incarnation"),
        rs.getString("container_name"),
        rs.getString("container_id"),
        host == null ? null : new Endpoint(host, port),
        rs.getString("last_error"),
        rs.getTimestamp("created_at").toInstant(),
        rs.getTimestamp("updated_at").toInstant(),
        rs.getTimestamp("retained_until") == null ? null : rs.getTimestamp("retained_until").toInstant());
  }
}
