package berth.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import berth.tenant.TenantDirectory;
import berth.tenant.TenantEntity;
import berth.tenant.TenantSettings;
import berth.tenant.testing.FakeTenantDriver;
import berth.tenant.testing.FakeTenantGuest;
import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin API over real HTTP: authentication, the validation matrix, status codes and the events
 * history. Tenants run on a fake driver and Pekko's in-memory journal; the same API on Postgres and
 * Docker is covered by the cluster module's integration tests.
 */
class AdminRoutesTest {
  static final String TOKEN = "test-admin-token-0123456789-abcdefghij";
  static final Config CONFIG = ConfigFactory.parseString("""
      pekko.actor.provider = cluster
      pekko.remote.artery.canonical { hostname = "127.0.0.1", port = 0 }
      berth.api.read-journal = "pekko.persistence.testkit.query"
      berth.api.port = 0
      berth.api.token = "test-admin-token-0123456789-abcdefghij"
      berth.tenant.retry { min-backoff = 5ms, max-backoff = 20ms }
      """)
      .withFallback(PersistenceTestKitPlugin.getInstance().config())
      .withFallback(PersistenceTestKitSnapshotPlugin.config())
      .withFallback(ConfigFactory.load());

  static final SsoKeys SSO_KEYS = SsoKeys.hs256("an SSO secret that is long enough!!".getBytes());

  static ActorTestKit testKit;
  static final berth.tenant.testing.InMemoryRouteTable ROUTES = new berth.tenant.testing.InMemoryRouteTable();
  static volatile boolean databaseUp = true;
  static String base;
  static String metricsBase;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    testKit = ActorTestKit.create("admin-api", CONFIG);
    Cluster cluster = Cluster.get(testKit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    TenantEntity.init(testKit.system(), new berth.tenant.TenantPorts(new FakeTenantDriver(), new FakeTenantGuest(),
        ROUTES, berth.tenant.LogArchive.NONE, berth.tenant.SecretStore.NONE), TenantSettings.fromConfig(CONFIG), Clock.systemUTC());
    TenantDirectory directory = new TenantDirectory() {
      @Override
      public CompletionStage<List<TenantSummary>> list() {
        return CompletableFuture.completedFuture(List.of());
      }

      @Override
      public CompletionStage<Optional<TenantSummary>> find(String slug) {
        return CompletableFuture.completedFuture(Optional.empty());
      }
    };
    ApiSettings settings = ApiSettings.fromConfig(CONFIG);
    SsoIssuer sso = new SsoIssuer(SSO_KEYS, Duration.ofSeconds(60), slug -> "http://" + slug + ".tenants.test:8080",
        Clock.systemUTC());
    var routes = new AdminRoutes(testKit.system(), new AdminPorts(directory, berth.tenant.LogArchive.NONE,
        berth.tenant.SecretStore.NONE, new berth.tenant.testing.InMemoryAccountCredentials(), new FakeTenantDriver(),
        null), // no audit trail here: AuditTest covers it on PostgreSQL
        settings, sso, () -> databaseUp,
        Clock.systemUTC()).routes();
    var binding = AdminServer.start(testKit.system(), routes, settings).toCompletableFuture().get();
    base = "http://127.0.0.1:" + binding.localAddress().getPort();
    // /metrics lives on the management port in a node; here it is bound on a port of its own
    var metricsBinding = org.apache.pekko.http.javadsl.Http.get(testKit.system()).newServerAt("127.0.0.1", 0)
        .bind(new MetricsRoutes(testKit.system(), () -> ROUTES).route()).toCompletableFuture().get();
    metricsBase = "http://127.0.0.1:" + metricsBinding.localAddress().getPort();
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  static HttpResponse<String> call(String method, String path, String body, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json");
    if (token != null) b.header("Authorization", "Bearer " + token);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> metrics() throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(metricsBase + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> call(String method, String path, String body) throws Exception {
    return call(method, path, body, TOKEN);
  }

  static JsonNode json(HttpResponse<String> r) throws Exception {
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
        "JSON response expected: " + r.headers().map());
    return Json.MAPPER.readTree(r.body());
  }

  static void assertError(int status, HttpResponse<String> r) throws Exception {
    assertEquals(status, r.statusCode(), r.body());
    JsonNode body = json(r);
    assertTrue(body.hasNonNull("error") && body.hasNonNull("message"), r.body());
  }

  static JsonNode awaitPhase(String slug, String phase) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      JsonNode t = json(call("GET", "/api/tenants/" + slug, null));
      if (phase.equals(t.path("phase").asText())) return t;
      if (System.nanoTime() > deadline) throw new AssertionError(slug + " never reached " + phase + ": " + t);
      Thread.sleep(20);
    }
  }

  @Test
  void everyEndpointRequiresTheBearerToken() throws Exception {
    for (String[] req : List.of(new String[] {"GET", "/api/tenants"}, new String[] {"POST", "/api/tenants"},
        new String[] {"GET", "/api/tenants/acme"}, new String[] {"DELETE", "/api/tenants/acme"},
        new String[] {"GET", "/api/tenants/acme/events"}, new String[] {"GET", "/api/nothing-here"},
        new String[] {"POST", "/api/tenants/acme/sso"}, new String[] {"GET", "/api/tenants/acme/sso"})) {
      HttpResponse<String> none = call(req[0], req[1], "{\"slug\":\"acme\"}", null);
      assertError(401, none);
      assertTrue(none.headers().firstValue("WWW-Authenticate").isPresent());
      assertError(401, call(req[0], req[1], "{\"slug\":\"acme\"}", "wrong-token"));
    }
  }

  @Test
  void createAcceptsAValidTenantAndPointsAtIt() throws Exception {
    HttpResponse<String> r = call("POST", "/api/tenants", "{\"slug\":\"create-ok\",\"displayName\":\"Create OK\"}");
    assertEquals(202, r.statusCode(), r.body());
    assertEquals("/api/tenants/create-ok", r.headers().firstValue("Location").orElseThrow());
    JsonNode body = json(r);
    assertEquals("create-ok", body.get("slug").asText());
    assertEquals("PROVISIONING", body.get("phase").asText());
    assertTrue(r.headers().firstValue("X-Correlation-Id").isPresent());
    awaitPhase("create-ok", "READY");
  }

  @Test
  void anActiveDuplicateIsAConflict() throws Exception {
    assertEquals(202, call("POST", "/api/tenants", "{\"slug\":\"dup\",\"displayName\":\"Dup\"}").statusCode());
    assertError(409, call("POST", "/api/tenants", "{\"slug\":\"dup\",\"displayName\":\"Dup again\"}"));
  }

  @Test
  void malformedOrUnexpectedBodiesAreBadRequests() throws Exception {
    assertError(400, call("POST", "/api/tenants", "{\"slug\":"));
    assertError(400, call("POST", "/api/tenants", "not json"));
    assertError(400, call("POST", "/api/tenants", "[1,2]"));
    assertError(400, call("POST", "/api/tenants", "{\"slug\":\"ok-slug\"} trailing"));
    assertError(400, call("POST", "/api/tenants", ""));
    assertError(400, call("POST", "/api/tenants", "{\"displayName\":\"no slug\"}"));
    HttpResponse<String> unknown = call("POST", "/api/tenants", "{\"slug\":\"acme\",\"plan\":\"gold\"}");
    assertError(400, unknown);
    assertTrue(json(unknown).get("message").asText().contains("plan"));
    for (String wrong : List.of("{\"slug\":123}", "{\"slug\":\"acme\",\"displayName\":123}",
        "{\"slug\":true}", "{\"slug\":\"acme\",\"reason\":1.5}", "{\"slug\":[\"acme\"]}")) {
      HttpResponse<String> typed = call("POST", "/api/tenants", wrong);
      assertError(400, typed);
      assertTrue(json(typed).get("message").asText().contains("has the wrong type"), wrong + ": " + typed.body());
    }
    assertError(400, call("POST", "/api/tenants", "{\"slug\":\"acme\",\"displayName\":\"bad\\u0007name\"}"));
    assertError(400, call("POST", "/api/tenants", "{\"slug\":\"acme\",\"displayName\":\"" + "x".repeat(101) + "\"}"));
    String huge = "{\"slug\":\"acme\",\"displayName\":\"" + "x".repeat(20_000) + "\"}";
    HttpResponse<String> oversized = call("POST", "/api/tenants", huge);
    assertError(400, oversized);
    assertTrue(json(oversized).get("message").asText().contains("exceeds"), oversized.body());
  }

  @Test
  void slugsMustBeDnsLabels() throws Exception {
    for (String bad : List.of("A", "a", "Acme", "-acme", "acme-", "ac_me", "ac.me", "acmé", "x".repeat(41), "1 2")) {
      String body = Json.MAPPER.writeValueAsString(java.util.Map.of("slug", bad));
      HttpResponse<String> r = call("POST", "/api/tenants", body);
      assertError(400, r);
      assertTrue(json(r).get("message").asText().contains("DNS label"), r.body());
    }
    assertError(400, call("GET", "/api/tenants/Not_A_Label", null));
    assertError(400, call("DELETE", "/api/tenants/x", null));
    for (String good : List.of("ab", "a1", "my-tenant-2", "x".repeat(40))) {
      assertEquals(202, call("POST", "/api/tenants", "{\"slug\":\"" + good + "\"}").statusCode(), good);
    }
  }

  @Test
  void unknownTenantsAreNotFound() throws Exception {
    assertError(404, call("GET", "/api/tenants/nobody", null));
    assertError(404, call("DELETE", "/api/tenants/nobody", null));
    assertError(404, call("GET", "/api/tenants/nobody/events", null));
    assertError(404, call("POST", "/api/tenants/nobody/retry", null));
    assertError(404, call("POST", "/api/tenants/nobody/sso", null));
  }

  @Test
  void ssoRedirectsToTheTenantWithASingleTenantShortLivedToken() throws Exception {
    call("POST", "/api/tenants", "{\"slug\":\"sso-ok\"}");
    awaitPhase("sso-ok", "READY");
    HttpResponse<String> r = call("POST", "/api/tenants/sso-ok/sso", null);
    assertEquals(303, r.statusCode(), r.body());
    String location = r.headers().firstValue("Location").orElseThrow();
    assertTrue(location.startsWith("http://sso-ok.tenants.test:8080/.berth/sso?token="), location);
    assertEquals(location, json(r).get("url").asText());
    assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(""));

    String token = URLDecoder.decode(location.substring(location.indexOf("token=") + 6), "US-ASCII");
    byte[] tenantKey = Base64.getUrlDecoder().decode(SSO_KEYS.verificationKeyFor("sso-ok").get("key"));
    var jwt = JWT.require(Algorithm.HMAC256(tenantKey))
        .withIssuer("berth").withAudience("sso-ok").withSubject("admin").build().verify(token);
    assertEquals(60, jwt.getExpiresAtAsInstant().getEpochSecond() - jwt.getIssuedAtAsInstant().getEpochSecond());
    assertEquals(json(r).get("tokenId").asText(), jwt.getId());
    // another tenant's key does not verify it: keys are per tenant
    byte[] otherKey = Base64.getUrlDecoder().decode(SSO_KEYS.verificationKeyFor("other").get("key"));
    assertThrows(SignatureVerificationException.class,
        () -> JWT.require(Algorithm.HMAC256(otherKey)).build().verify(token));

    HttpResponse<String> again = call("GET", "/api/tenants/sso-ok/sso", null);
    assertEquals(303, again.statusCode());
    assertNotEquals(location, again.headers().firstValue("Location").orElseThrow(), "every link is new");

    call("DELETE", "/api/tenants/sso-ok", null);
    awaitPhase("sso-ok", "RETIRED");
    HttpResponse<String> retired = call("POST", "/api/tenants/sso-ok/sso", null);
    assertError(409, retired);
    assertTrue(json(retired).get("message").asText().contains("READY"), retired.body());
  }

  @Test
  void unknownEndpointsAndMethodsAnswerInJson() throws Exception {
    assertError(404, call("GET", "/api/tenants/acme/nothing", null));
    assertError(405, call("PUT", "/api/tenants", "{}"));
  }

  @Test
  void teardownRetiresAndTheHistoryShowsWhoDidWhatAndWhy() throws Exception {
    call("POST", "/api/tenants", "{\"slug\":\"gone\",\"displayName\":\"Gone\",\"reason\":\"trial signup\"}");
    awaitPhase("gone", "READY");
    HttpResponse<String> del = call("DELETE", "/api/tenants/gone", "{\"reason\":\"customer churned\"}");
    assertEquals(202, del.statusCode(), del.body());
    awaitPhase("gone", "RETIRED");
    assertError(409, call("DELETE", "/api/tenants/gone", null));
    assertError(409, call("POST", "/api/tenants/gone/retry", null));

    JsonNode events = json(call("GET", "/api/tenants/gone/events", null)).get("events");
    List<String> types = new java.util.ArrayList<>();
    events.forEach(e -> types.add(e.get("type").asText()));
    assertEquals(List.of("ProvisioningRequested", "ContainerCreated", "ContainerStarted", "TenantInitialized",
        "TeardownRequested", "TenantRetired"), types);
    assertEquals("admin", events.get(0).get("principal").asText());
    assertEquals("trial signup", events.get(0).get("reason").asText());
    assertEquals("system", events.get(1).get("principal").asText());
    assertEquals("customer churned", events.get(4).get("reason").asText());
    assertEquals("admin", events.get(4).get("principal").asText());
    assertEquals(1, events.get(0).get("sequenceNr").asLong());
    assertTrue(events.get(0).get("data").get("spec").has("image"));
    assertTrue(events.get(0).hasNonNull("at"));
  }

  @Test
  void correlationIdsAreCarriedIntoTheJournal() throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/api/tenants"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"slug\":\"corr\"}"))
        .header("Authorization", "Bearer " + TOKEN).header("X-Correlation-Id", "ticket-4711").build();
    assertEquals("ticket-4711", http.send(req, HttpResponse.BodyHandlers.ofString()).headers().firstValue("X-Correlation-Id").orElseThrow());
    awaitPhase("corr", "READY");
    JsonNode events = json(call("GET", "/api/tenants/corr/events", null)).get("events");
    events.forEach(e -> assertEquals("ticket-4711", e.get("correlationId").asText()));
  }

  @Test
  void metricsAreServedWithoutCredentialsInPrometheusTextFormat() throws Exception {
    call("POST", "/api/tenants", "{\"slug\":\"counted\"}");
    awaitPhase("counted", "READY");
    HttpResponse<String> r = metrics();
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
    assertTrue(r.body().contains("# TYPE berth_tenants gauge"), r.body());
    long ready = ROUTES.all().values().stream().filter(x -> x.phase() == berth.tenant.Phase.READY).count();
    assertTrue(ready >= 1);
    assertTrue(r.body().contains("berth_tenants{phase=\"ready\"} " + ready + "\n"), "counted from memory: " + r.body());
    assertTrue(r.body().contains("# TYPE berth_healing_actions_total counter"), r.body());
    // the admin port serves no /metrics, and every other path still needs the token
    assertError(404, call("GET", "/metrics", null, TOKEN));
    assertError(401, call("GET", "/api/tenants", null, null));
  }

  @Test
  void whileTheDatabaseIsDownWritesAreRefusedAtOnceAndNothingChanges() throws Exception {
    call("POST", "/api/tenants", "{\"slug\":\"db-down\"}");
    awaitPhase("db-down", "READY");
    databaseUp = false;
    try {
      long t0 = System.nanoTime();
      HttpResponse<String> create = call("POST", "/api/tenants", "{\"slug\":\"db-new\"}");
      assertError(503, create);
      assertTrue(json(create).get("message").asText().contains("nothing was changed"), create.body());
      assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(2).toNanos(), "refused at once");
      assertError(503, call("DELETE", "/api/tenants/db-down", null));
      assertError(503, call("POST", "/api/tenants/db-down/retry", null));
      assertError(503, call("GET", "/api/tenants", null));
      assertError(503, call("GET", "/api/tenants/db-down/events", null));
      assertEquals(200, call("GET", "/api/tenants/db-down", null).statusCode(), "the entity still answers reads");
      assertEquals(200, metrics().statusCode(), "metrics come from memory");
      assertEquals(503, call("GET", "/api/tenants/db-down/secrets", null).statusCode());
    } finally {
      databaseUp = true;
    }
    assertError(404, call("GET", "/api/tenants/db-new", null));
    assertEquals("READY", json(call("GET", "/api/tenants/db-down", null)).get("phase").asText());
  }

  @Test
  void theClusterViewListsMembersWithTheirShardsAndTenants() throws Exception {
    call("POST", "/api/tenants", "{\"slug\":\"counted\"}");
    awaitPhase("counted", "READY");
    HttpResponse<String> r = call("GET", "/api/cluster", null);
    assertEquals(200, r.statusCode(), r.body());
    JsonNode view = json(r);
    assertEquals(1, view.get("members").size());
    JsonNode self = view.get("members").get(0);
    assertEquals("Up", self.get("status").asText());
    assertTrue(self.get("self").asBoolean() && self.get("reachable").asBoolean());
    assertTrue(self.get("tenants").asInt() >= 1 && self.get("shards").asInt() >= 1, view.toString());
    assertEquals(view.get("self").asText(), self.get("address").asText());
    JsonNode tenant = json(call("GET", "/api/tenants/counted", null));
    assertEquals(self.get("address").asText(), tenant.get("node").asText(), "the tenant says where it lives");
    assertError(401, call("GET", "/api/cluster", null, null));
  }

  @Test
  void listingAnswersFromTheDirectory() throws Exception {
    HttpResponse<String> r = call("GET", "/api/tenants", null);
    assertEquals(200, r.statusCode());
    assertTrue(json(r).get("tenants").isArray());
  }
}
