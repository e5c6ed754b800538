package berth.cluster;

import static berth.cluster.TestNodes.awaitPhase;
import static berth.cluster.TestNodes.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import berth.api.SsoIssuer;
import berth.api.SsoKeys;
import berth.tenant.ContainerSpec;
import berth.tenant.TenantDriver;
import com.github.dockerjava.api.DockerClient;
import com.typesafe.config.ConfigFactory;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.headers.Host;
import org.apache.pekko.http.javadsl.model.ws.BinaryMessage;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.http.javadsl.model.ws.WebSocketRequest;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tenant traffic through the router of a real node, to real tenant containers. */
class RouterTest {
  static final Duration READY_WITHIN = Duration.ofSeconds(60);
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir static Path dir;
  static TestNodes nodes;
  static BerthNode node;
  static DockerClient docker;

  @BeforeAll
  static void start() throws Exception {
    nodes = new TestNodes(dir);
    docker = nodes.docker();
    node = BerthNode.start(nodes.config(), BerthNode.Hooks.wrapDriver(HoldCreatesOfStuckTenants::new));
    assertEquals(202, call(node, "POST", "/api/tenants", "{\"slug\":\"acme\",\"displayName\":\"Acme\"}").statusCode());
    awaitPhase(node, "acme", "READY", READY_WITHIN);
    awaitRouted(node, "acme");
  }

  @AfterAll
  static void stop() {
    if (node != null) node.close();
    nodes.removeContainers();
  }

  static HttpRequest.Builder to(BerthNode via, String host, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + via.routerAddress().getPort() + path))
        .header("Host", host + ":" + via.routerAddress().getPort());
  }

  static HttpResponse<String> get(BerthNode via, String host, String path) throws Exception {
    return HTTP.send(to(via, host, path).build(), HttpResponse.BodyHandlers.ofString());
  }

  static void awaitRouted(BerthNode via, String slug) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (get(via, slug + ".localhost", "/").statusCode() != 200) {
      if (System.nanoTime() > deadline) throw new AssertionError(slug + " not routable through " + via.routerAddress());
      Thread.sleep(100);
    }
  }

  @Test
  void pagesAndBodiesPassThroughToTheRightTenant() throws Exception {
    HttpResponse<String> page = get(node, "acme.localhost", "/");
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("Tenant acme"), page.body());

    HttpResponse<String> echoed = HTTP.send(to(node, "acme.localhost", "/echo")
        .POST(HttpRequest.BodyPublishers.ofString("hello through the router")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, echoed.statusCode());
    assertEquals("hello through the router", echoed.body());

    HttpResponse<byte[]> chunked = HTTP.send(to(node, "acme.localhost", "/bytes?n=300000").build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(300000, chunked.body().length);
    assertEquals("chunked", chunked.headers().firstValue("Transfer-Encoding").orElse(""));
  }

  @Test
  void serverSentEventsFlowAsTheyAreProduced() throws Exception {
    HttpResponse<InputStream> sse = HTTP.send(to(node, "acme.localhost", "/sse?n=20").build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertTrue(sse.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
    long start = System.nanoTime();
    try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(sse.body()))) {
      String first = lines.readLine();
      long firstAfter = System.nanoTime() - start;
      assertEquals("data:tick 1", first);
      // 20 events are produced over two seconds; the first must arrive long before the last is made
      assertTrue(firstAfter < Duration.ofMillis(1500).toNanos(), "first event after " + firstAfter / 1_000_000 + " ms");
      int events = 1;
      for (String l = lines.readLine(); l != null; l = lines.readLine()) if (l.startsWith("data:")) events++;
      assertEquals(20, events);
    }
  }

  @Test
  void hostAndForwardingHeadersReachTheTenantAndSyntheticOnesDoNot() throws Exception {
    HttpResponse<String> r = HTTP.send(to(node, "acme.localhost", "/headers")
        .header("X-Forwarded-For", "6.6.6.6").header("X-Custom", "kept").build(), HttpResponse.BodyHandlers.ofString());
    String h = r.body().toLowerCase();
    int port = node.routerAddress().getPort();
    assertTrue(h.contains("host: acme.localhost:" + port), h);
    assertTrue(h.contains("x-forwarded-for: 127.0.0.1"), h);
    assertFalse(h.contains("6.6.6.6"), "a client cannot forge its address: " + h);
    assertTrue(h.contains("x-forwarded-proto: http"), h);
    assertTrue(h.contains("x-forwarded-host: acme.localhost:" + port), h);
    assertTrue(h.contains("x-custom: kept"), h);
    assertFalse(h.contains("timeout-access"), h);
    assertFalse(h.contains("remote-address"), h);
  }

  @Test
  void unknownHostsAndTenantsAre404AndTheAdminApiIsNotReachable() throws Exception {
    HttpResponse<String> nope = get(node, "nope.localhost", "/");
    assertEquals(404, nope.statusCode());
    assertTrue(nope.body().contains("<html"), "browsers get HTML");
    HttpResponse<String> json = HTTP.send(to(node, "nope.localhost", "/").header("Accept", "application/json").build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(404, json.statusCode());
    assertTrue(json.body().startsWith("{\"error\":\"not_found\""), json.body());
    assertEquals(404, get(node, "localhost", "/api/tenants").statusCode());
    assertEquals(404, get(node, "127.0.0.1", "/").statusCode());
    assertEquals(404, get(node, "a.acme.localhost", "/").statusCode());
    // The admin API lives on another port; through a tenant host, /api is the tenant's own path.
    HttpResponse<String> api = HTTP.send(to(node, "acme.localhost", "/api/tenants")
        .header("Authorization", "Bearer " + TestNodes.TOKEN).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(404, api.statusCode(), "the tenant's own answer for a path it does not serve");
    assertEquals("The requested resource could not be found.", api.body(), "from the tenant, not the admin API");
    // only a slug is a tenant label: anything else is no tenant's address, whatever the table holds
    for (String host : List.of("a_b.localhost", "x.localhost", "-acme.localhost", "acme-.localhost")) {
      HttpResponse<String> r = HTTP.send(to(node, host, "/").header("Accept", "application/json").build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(404, r.statusCode(), host);
      assertTrue(r.body().contains("No tenant is served at this address."), host + ": " + r.body());
    }
  }

  @Test
  void aTenantThatIsNotReadyIs503WithRetryAfter() throws Exception {
    call(node, "POST", "/api/tenants", "{\"slug\":\"stuck-one\"}");
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    HttpResponse<String> r = get(node, "stuck-one.localhost", "/");
    while (r.statusCode() != 503 && System.nanoTime() < deadline) {
      Thread.sleep(100);
      r = get(node, "stuck-one.localhost", "/");
    }
    assertEquals(503, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Retry-After").isPresent());
  }

  @Test
  void aDeadContainerIs502AndATornDownTenantStopsBeingRoutable() throws Exception {
    call(node, "POST", "/api/tenants", "{\"slug\":\"crashy\"}");
    awaitPhase(node, "crashy", "READY", READY_WITHIN);
    awaitRouted(node, "crashy");
    docker.killContainerCmd(nodes.containerName("crashy")).exec();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    HttpResponse<String> r = get(node, "crashy.localhost", "/");
    while (r.statusCode() == 200 && System.nanoTime() < deadline) {
      r = get(node, "crashy.localhost", "/");
    }
    assertEquals(502, r.statusCode(), r.body());

    call(node, "DELETE", "/api/tenants/crashy", null);
    awaitPhase(node, "crashy", "RETIRED", READY_WITHIN);
    deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (get(node, "crashy.localhost", "/").statusCode() != 404 && System.nanoTime() < deadline) Thread.sleep(100);
    assertEquals(404, get(node, "crashy.localhost", "/").statusCode());
  }

  @Test
  void webSocketFramesAreEchoedBothWaysAndCloseFromTheClientPropagates() throws Exception {
    var http = Http.get(node.system());
    WebSocketRequest ws = WebSocketRequest.create("ws://127.0.0.1:" + node.routerAddress().getPort() + "/ws")
        .addHeader(Host.create("acme.localhost", node.routerAddress().getPort()));
    List<Message> out = List.of(TextMessage.create("hello"), BinaryMessage.create(ByteString.fromArray(new byte[] {1, 2, 3})),
        TextMessage.create("bye"));
    // the client sends three frames, then completes (a close frame); the echo must come back and the stream end
    var flow = Flow.fromSinkAndSourceMat(Sink.<Message>seq(), Source.from(out).concat(Source.<Message>empty().initialDelay(Duration.ofMillis(500))), Keep.left());
    var pair = http.singleWebSocketRequest(ws, flow, http.defaultClientHttpsContext(),
        org.apache.pekko.stream.Materializer.matFromSystem(node.system()));
    assertEquals(101, pair.first().toCompletableFuture().get(10, TimeUnit.SECONDS).response().status().intValue());
    var mat = org.apache.pekko.stream.Materializer.matFromSystem(node.system());
    List<Message> received = pair.second().toCompletableFuture().get(20, TimeUnit.SECONDS);
    List<String> seen = new ArrayList<>();
    for (Message m : received) {
      if (m.isText()) {
        seen.add(m.asTextMessage().toStrict(5000, mat).toCompletableFuture().get().getStrictText());
      } else {
        seen.add("bin" + m.asBinaryMessage().toStrict(5000, mat).toCompletableFuture().get().getStrictData().size());
      }
    }
    assertEquals(List.of("hello", "bin3", "bye"), seen);
  }

  @Test
  void aWebSocketCloseFromTheTenantReachesTheClient() throws Exception {
    var http = Http.get(node.system());
    var mat = org.apache.pekko.stream.Materializer.matFromSystem(node.system());
    WebSocketRequest ws = WebSocketRequest.create("ws://127.0.0.1:" + node.routerAddress().getPort() + "/ws")
        .addHeader(Host.create("acme.localhost", node.routerAddress().getPort()));
    // the client never closes its side; only the tenant's close can complete what it receives
    Source<Message, ?> neverEnding = Source.<Message>from(List.of(TextMessage.create("hello"), TextMessage.create("close")))
        .concat(Source.<Message>maybe());
    var flow = Flow.fromSinkAndSourceMat(Sink.<Message>seq(), neverEnding, Keep.left());
    var pair = http.singleWebSocketRequest(ws, flow, http.defaultClientHttpsContext(), mat);
    List<Message> received = pair.second().toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertEquals(1, received.size());
    assertEquals("hello", received.get(0).asTextMessage().toStrict(5000, mat).toCompletableFuture().get().getStrictText());
  }

  @Test
  void bodiesFarLargerThanTheHeapStreamThroughBothWays() throws Exception {
    long heap = Runtime.getRuntime().maxMemory();
    long size = 2 * heap; // the node (router included) runs in this JVM, under this heap
    HttpResponse<InputStream> download = HTTP.send(to(node, "acme.localhost", "/bytes?n=" + size).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, download.statusCode());
    assertEquals(size, drain(download.body()));

    // the tenant counts what arrives (a full-duplex echo would deadlock this client, which sends the
    // whole request before it reads the response)
    long upload = heap + heap / 2;
    HttpResponse<String> counted = HTTP.send(to(node, "acme.localhost", "/count")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new Zeros(upload))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, counted.statusCode(), counted.body());
    assertEquals("{\"bytes\":" + upload + "}", counted.body());
  }

  @Test
  void theGuestApiIsNotReachableThroughTheRouter() throws Exception {
    assertEquals(404, get(node, "acme.localhost", "/.berth/health").statusCode());
    HttpResponse<String> init = HTTP.send(to(node, "acme.localhost", "/.berth/init")
        .POST(HttpRequest.BodyPublishers.ofString("{\"tenantId\":\"acme\",\"displayName\":\"Hijacked\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(404, init.statusCode());
    assertFalse(get(node, "acme.localhost", "/").body().contains("Hijacked"));
  }

  // ---------------------------------------------------------------- SSO handoff, end to end

  /** Follows an SSO link through the router; returns the tenant's answer to the token. */
  static HttpResponse<String> redeem(String url) throws Exception {
    URI u = URI.create(url);
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + u.getPort() + u.getRawPath() + "?" + u.getRawQuery()))
        .header("Host", u.getHost() + ":" + u.getPort()).build(), HttpResponse.BodyHandlers.ofString());
  }

  static String ssoLink(String slug) throws Exception {
    HttpResponse<String> r = call(node, "POST", "/api/tenants/" + slug + "/sso", null);
    assertEquals(303, r.statusCode(), r.body());
    return r.headers().firstValue("Location").orElseThrow();
  }

  static String refusal(HttpResponse<String> r) {
    assertEquals(401, r.statusCode(), r.body());
    var m = java.util.regex.Pattern.compile("data-code=\"([a-z_]+)\"").matcher(r.body());
    assertTrue(m.find(), r.body());
    return m.group(1);
  }

  @Test
  void anSsoLinkSignsInOnceAndOnlyOnce() throws Exception {
    String link = ssoLink("acme");
    assertTrue(link.startsWith("http://acme.localhost:" + node.routerAddress().getPort() + "/.berth/sso?token="), link);

    HttpResponse<String> first = redeem(link);
    assertEquals(303, first.statusCode(), first.body());
    assertEquals("/", first.headers().firstValue("Location").orElseThrow());
    String setCookie = first.headers().firstValue("Set-Cookie").orElseThrow();
    assertTrue(setCookie.contains("HttpOnly") && !setCookie.toLowerCase().contains("domain="), "host-only cookie: " + setCookie);
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    HttpResponse<String> page = HTTP.send(to(node, "acme.localhost", "/").header("Cookie", cookie).build(),
        HttpResponse.BodyHandlers.ofString());
    assertTrue(page.body().contains("Signed in as <b>admin</b>"), page.body());
    assertTrue(get(node, "acme.localhost", "/").body().contains("Not signed in"), "no cookie, no session");

    assertEquals("replayed", refusal(redeem(link)));
  }

  @Test
  void expiredWrongTenantAndTamperedTokensAreRefused() throws Exception {
    // tokens minted with the node's configured secret, as any node of the cluster would mint them
    SsoKeys keys = SsoKeys.hs256(TestNodes.SSO_SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    String acmeUrl = "http://acme.localhost:" + node.routerAddress().getPort();
    SsoIssuer past = new SsoIssuer(keys, Duration.ofSeconds(60), slug -> acmeUrl,
        java.time.Clock.fixed(java.time.Instant.now().minusSeconds(300), java.time.ZoneOffset.UTC));
    assertEquals("expired", refusal(redeem(past.mint("admin", "acme").url())));

    SsoIssuer forOthers = new SsoIssuer(keys, Duration.ofSeconds(60), slug -> acmeUrl, java.time.Clock.systemUTC());
    assertEquals("bad_signature", refusal(redeem(forOthers.mint("admin", "globex").url())),
        "a token for another tenant is signed with that tenant's key");

    String link = ssoLink("acme");
    int dot = link.lastIndexOf('.');
    String tampered = link.substring(0, dot + 1) + (link.charAt(dot + 1) == 'A' ? 'B' : 'A') + link.substring(dot + 2);
    assertEquals("bad_signature", refusal(redeem(tampered)));
    // the untouched link still works once: a refused forgery does not burn it
    assertEquals(303, redeem(link).statusCode());
  }

  @Test
  void aSecondNodeRoutesTheSameTenants() throws Exception {
    String seed = org.apache.pekko.cluster.typed.Cluster.get(node.system()).selfMember().address().toString();
    var config = ConfigFactory.parseString(nodes.dbSettings(node.databaseUrl()) + """

        pekko.cluster.seed-nodes = ["%s"]
        berth.api.token-file = "%s"
        """.formatted(seed, dir.resolve("second-token"))).withFallback(nodes.config());
    try (BerthNode second = BerthNode.start(config, BerthNode.Hooks.NONE)) {
      awaitRouted(second, "acme");
      assertTrue(get(second, "acme.localhost", "/").body().contains("Tenant acme"));
    }
  }

  static long drain(InputStream in) throws Exception {
    byte[] buf = new byte[1 << 16];
    long total = 0;
    try (in) {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) total += n;
    }
    return total;
  }

  /** An input stream of {@code size} zero bytes, produced as read. */
  static final class Zeros extends InputStream {
    private long left;

    Zeros(long size) {
      this.left = size;
    }

    @Override
    public int read() {
      if (left == 0) return -1;
      left--;
      return 0;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (left == 0) return -1;
      int n = (int) Math.min(len, left);
      java.util.Arrays.fill(b, off, off + n, (byte) 0);
      left -= n;
      return n;
    }
  }

  /** Holds the container creation of tenants named stuck-* forever, so they stay PROVISIONING. */
  static final class HoldCreatesOfStuckTenants extends ForwardingDriver {
    HoldCreatesOfStuckTenants(TenantDriver real) {
      super(real);
    }

    @Override
    public CompletionStage<Created> create(ContainerSpec spec) {
      return spec.tenantId().startsWith("stuck-") ? new CompletableFuture<>() : real.create(spec);
    }
  }
}
