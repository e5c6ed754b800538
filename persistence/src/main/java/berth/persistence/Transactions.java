package berth.persistence;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import javax.sql.DataSource;

/**
 * One unit of JDBC work in one transaction, committed when it returns and rolled back when it
 * throws: what every JDBC adapter of a port shares. Blocking; {@link #async} runs it on an executor.
 */
final class Transactions {
  private Transactions() {}

  interface Work<T> {
    T in(Connection c) throws SQLException;
  }

  static <T> T run(DataSource dataSource, Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      boolean auto = c.getAutoCommit();
      c.setAutoCommit(false);
      try {
        T result = work.in(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(auto);
      }
    } catch (SQLException e) {
      throw new CompletionException(e);
    }
  }

  /** One statement with its parameters in order ({@link java.time.Instant}s as timestamps); the rows it changed. */
  static int update(Connection c, String sql, Object... params) throws SQLException {
    try (java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        Object v = params[i];
        ps.setObject(i + 1, v instanceof java.time.Instant at ? java.sql.Timestamp.from(at) : v);
      }
      return ps.executeUpdate();
    }
  }

  static <T> CompletionStage<T> async(DataSource dataSource, Executor executor, Work<T> work) {
    return CompletableFuture.supplyAsync(() -> run(dataSource, work), executor);
  }
}
