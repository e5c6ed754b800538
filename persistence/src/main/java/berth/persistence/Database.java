package berth.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's database: the configured PostgreSQL, or an embedded one when none is configured. Opening
 * it applies the versioned schema migrations (journal, snapshots, projection offsets, read model)
 * before anything else touches it.
 */
public final class Database implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Database.class);
  /** The slick database shared by the journal, the snapshot store and the read journal. */
  private static final String SHARED_DB = "pekko-persistence-jdbc.shared-databases.berth";

  private final DatabaseSettings settings;
  private final EmbeddedPostgresServer embedded;
  private final HikariDataSource dataSource;

  private Database(DatabaseSettings settings, EmbeddedPostgresServer embedded, HikariDataSource dataSource) {
    this.settings = settings;
    this.embedded = embedded;
    this.dataSource = dataSource;
  }

  public static Database open(DatabaseSettings configured) {
    EmbeddedPostgresServer embedded = null;
    DatabaseSettings effective = configured;
    if (configured.embedded()) {
      embedded = EmbeddedPostgresServer.start(configured.embeddedDataDir(), configured.embeddedPort());
      effective = configured.withUrl(embedded.jdbcUrl(), "postgres", embedded.password());
    }
    HikariDataSource ds = null;
    try {
      ds = pool(effective);
      migrate(ds);
      return new Database(effective, embedded, ds);
    } catch (RuntimeException e) {
      if (ds != null) ds.close();
      if (embedded != null) embedded.close();
      throw e;
    }
  }

  public static void migrate(DataSource ds) {
    var result = Flyway.configure()
        .dataSource(ds)
        .locations("classpath:db/berth")
        .table("berth_schema_history")
        .baselineOnMigrate(false)
        .load()
        .migrate();
    log.info("Database schema at version {} ({} migrations applied now)", result.targetSchemaVersion, result.migrationsExecuted);
  }

  private static HikariDataSource pool(DatabaseSettings s) {
    HikariConfig hc = new HikariConfig();
    hc.setPoolName("berth-readmodel");
    hc.setJdbcUrl(s.url());
    hc.setUsername(s.user());
    hc.setPassword(s.password());
    hc.setMaximumPoolSize(s.poolSize());
    hc.setAutoCommit(false);
    // fail fast at start when the database is unreachable, with the URL (never the password) in the error
    hc.setInitializationFailTimeout(10_000);
    hc.setConnectionTimeout(5_000);
    return new HikariDataSource(hc);
  }

  public DataSource dataSource() {
    return dataSource;
  }

  public DatabaseSettings settings() {
    return settings;
  }

  /**
   * Configuration that points the journal, snapshot store, read journal and projection plugins at
   * this database. Layer it over the node's configuration before creating the actor system.
   */
  public Config pekkoConfig(Config node) {
    Map<String, Object> m = new HashMap<>();
    m.put("jdbc-read-journal.refresh-interval", node.getDuration("berth.read-model.poll-interval").toMillis() + "ms");
    m.put("jdbc-read-journal.max-buffer-size", node.getInt("berth.read-model.query-batch-size"));
    m.put("jdbc-journal.bufferSize", node.getInt("berth.db.journal-queue-size"));
    m.put(SHARED_DB + ".db.url", settings.url());
    m.put(SHARED_DB + ".db.user", settings.user());
    m.put(SHARED_DB + ".db.password", settings.password());
    m.put(SHARED_DB + ".db.numThreads", settings.poolSize());
    m.put(SHARED_DB + ".db.maxConnections", settings.poolSize());
    m.put("pekko.projection.jdbc.blocking-jdbc-dispatcher.thread-pool-executor.fixed-pool-size", settings.poolSize());
    return ConfigFactory.parseMap(m, "berth database")
        .withFallback(ConfigFactory.parseResources(Database.class, "/berth-persistence.conf"));
  }

  @Override
  public void close() {
    dataSource.close();
    if (embedded != null) {
      embedded.close();
    }
  }
}
