package berth.cluster;

import berth.docker.DockerEngine;
import berth.docker.DockerSettings;
import berth.docker.TestFleet;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Configuration and an admin API client for tests that run whole nodes on real Postgres and Docker. */
final class TestNodes {
  static final String TOKEN = "integration-admin-token-0123456789abcdef";
  static final String SSO_SECRET = "integration-sso-secret-of-32-bytes-or-more";
  static final String GUEST_SECRET = "integration-guest-secret-of-32-bytes-or-more";
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  final String run = UUID.randomUUID().toString().substring(0, 8);
  final Path dataDir;

  TestNodes(Path dataDir) {
    this.dataDir = dataDir;
  }

  String fleet() {
    return "it-" + run;
  }

  Config config() {
    return ConfigFactory.parseString("""
        berth.db.embedded.data-dir = "%s"
        berth.api { port = 0, token = "%s" }
        berth.router.port = 0
        pekko.management.http.port = 0
        berth.sso.secret = "%s"
        berth.guest.secret = "%s"
        berth.docker.fleet = "%s"
        berth.tenant.name-prefix = "berth-it%s-"
        berth.reconcile { initial-delay = 300ms, interval = 1s, orphan-grace = 3s }
        berth.read-model.poll-interval = 100ms
        pekko.remote.artery.canonical.port = 0
        pekko.coordinated-shutdown.exit-jvm = off
        pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
        """.formatted(dataDir.resolve("pg"), TOKEN, SSO_SECRET, GUEST_SECRET, fleet(), run)).withFallback(ConfigFactory.load());
  }

  /** The password of the embedded PostgreSQL the first node started, as it generated it beside its data. */
  String dbPassword() {
    try {
      return java.nio.file.Files.readString(berth.persistence.EmbeddedPostgresServer.passwordFile(dataDir.resolve("pg"))).strip();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** {@code berth.db} settings for a second node, or a test's own connection, on that database. */
  String dbSettings(String url) {
    return "berth.db { url = \"%s\", user = \"postgres\", password = \"%s\" }".formatted(url, dbPassword());
  }

  String containerName(String slug) {
    return "berth-it" + run + "-" + slug;
  }

  DockerClient docker() {
    return DockerEngine.connect(DockerSettings.fromConfig(config()));
  }

  void removeContainers() {
    TestFleet.removeAll(docker(), fleet());
  }

  /**
   * Builds {@code tag} FROM the locally built reference image, with one of the reference jar's classes
   * as the entry point (a crash-looping tenant, a connection probe): no registry, nothing downloaded.
   */
  static void buildEntryPointImage(DockerClient docker, String from, String tag, String mainClass) throws Exception {
    String dockerfile = "FROM " + from + "\n"
        + "ENTRYPOINT [\"/opt/jre/bin/java\", \"-XX:+UseSerialGC\", \"-XX:-UsePerfData\", \"-cp\", "
        + "\"/app/tenant-app.jar\", \"" + mainClass + "\"]\n";
    byte[] bytes = dockerfile.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream context = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(context)) {
      TarArchiveEntry e = new TarArchiveEntry("Dockerfile");
      e.setSize(bytes.length);
      tar.putArchiveEntry(e);
      tar.write(bytes);
      tar.closeArchiveEntry();
    }
    docker.buildImageCmd(new ByteArrayInputStream(context.toByteArray())).withTags(Set.of(tag))
        .withPull(false).exec(new BuildImageResultCallback()).awaitImageId();
  }

  /** A request with the break-glass token, and any further headers (name, value, ...). */
  static HttpResponse<String> call(BerthNode node, String method, String path, String body, String... headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminAddress().getPort() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Authorization", "Bearer " + TOKEN);
    if (headers.length > 0) b.headers(headers);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static final HttpClient PROCESS_HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /**
   * The admin API of a node running in a JVM of its own, at {@code port}, as the break-glass owner: a
   * JSON body, answered within 15 s or failed (the node may be dying or starting).
   */
  static HttpResponse<String> callProcess(int port, String method, String path, String body) throws Exception {
    return PROCESS_HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(15))
        .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The one number a {@code SELECT count(*) ...} answers, read-only. */
  static long count(berth.persistence.Database db, String sql, Object... params) throws Exception {
    try (java.sql.Connection c = db.dataSource().getConnection(); java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) ps.setObject(i + 1, params[i]);
      try (java.sql.ResultSet rs = ps.executeQuery()) {
        rs.next();
        long n = rs.getLong(1);
        c.rollback();
        return n;
      }
    }
  }

  /** Starts keeping every log event of this JVM; stop with {@link #releaseLog}. */
  static ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> captureLog() {
    var logged = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
    logged.start();
    rootLogger().addAppender(logged);
    return logged;
  }

  static void releaseLog(ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged) {
    rootLogger().detachAppender(logged);
  }

  private static ch.qos.logback.classic.Logger rootLogger() {
    return (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  static final java.util.regex.Pattern SETUP_CODE =
      java.util.regex.Pattern.compile("[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}");

  /** The setup code a starting node printed (as captured from its log). */
  static String setupCode(ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged) {
    // a copy first, under the appender's lock (AppenderBase.doAppend holds it while appending): the node's
    // threads append while this reads (iterating the list directly threw ConcurrentModificationException in CI)
    java.util.List<ch.qos.logback.classic.spi.ILoggingEvent> events;
    synchronized (logged) {
      events = new java.util.ArrayList<>(logged.list);
    }
    return events.stream().filter(e -> e.getLoggerName().equals(berth.api.SetupCode.class.getName()))
        .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).map(SETUP_CODE::matcher)
        .filter(java.util.regex.Matcher::find).map(java.util.regex.Matcher::group)
        .findFirst().orElseThrow(() -> new AssertionError("the node printed no setup code"));
  }

  static JsonNode tenant(BerthNode node, String slug) throws Exception {
    return JSON.readTree(call(node, "GET", "/api/tenants/" + slug, null).body());
  }

  static JsonNode awaitPhase(BerthNode node, String slug, String phase, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    JsonNode t = tenant(node, slug);
    while (!phase.equals(t.path("phase").asText())) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(slug + " did not reach " + phase + " within " + within + ": " + t);
      }
      Thread.sleep(100);
      t = tenant(node, slug);
    }
    return t;
  }

  /** The event types of a tenant's history, oldest first. */
  static java.util.List<String> eventTypes(BerthNode node, String slug) throws Exception {
    java.util.List<String> types = new java.util.ArrayList<>();
    JSON.readTree(call(node, "GET", "/api/tenants/" + slug + "/events", null).body()).path("events")
        .forEach(e -> types.add(e.path("type").asText()));
    return types;
  }

  static String get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  /** A TCP port free on this machine now (for nodes started with explicit ports). */
  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  interface Check {
    boolean ok() throws Exception;
  }

  /** Polls {@code check} until it holds; fails with "never: what" after {@code within}. */
  static void await(String what, Duration within, Check check) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (!check.ok()) {
      if (System.nanoTime() > deadline) throw new AssertionError("never: " + what);
      Thread.sleep(200);
    }
  }
}
