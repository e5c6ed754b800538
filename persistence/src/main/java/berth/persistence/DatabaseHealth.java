package berth.persistence;

import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the database answers, probed on a thread of its own every {@code berth.db.health-interval}.
 * The admin API consults it to refuse writes at once with 503 while the journal cannot be written,
 * instead of letting each request wait out its ask timeout. Nothing is cached beyond the flag: when the
 * database returns, the next probe says so, and the pools reconnect by themselves.
 */
public final class DatabaseHealth implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DatabaseHealth.class);

  private final DataSource dataSource;
  private final int validationSeconds;
  private final ScheduledExecutorService probe;
  private volatile boolean available = true;

  public DatabaseHealth(DataSource dataSource, Duration interval) {
    this.dataSource = dataSource;
    this.validationSeconds = (int) Math.max(1, interval.toSeconds());
    this.probe = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "berth-db-health");
      t.setDaemon(true);
      return t;
    });
    probe.scheduleWithFixedDelay(this::check, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  public boolean available() {
    return available;
  }

  private void check() {
    boolean ok;
    String problem = null;
    try (Connection c = dataSource.getConnection()) {
      ok = c.isValid(validationSeconds);
    } catch (Exception e) {
      ok = false;
      problem = e.getClass().getSimpleName() + ": " + e.getMessage();
    }
    if (ok != available) {
      if (ok) {
        log.info("The database answers again; accepting writes");
      } else {
        log.warn("The database does not answer ({}); refusing writes with 503 until it does", problem);
      }
    }
    available = ok;
  }

  @Override
  public void close() {
    probe.shutdownNow();
  }
}
