package berth.cluster;

import static berth.cluster.TestNodes.awaitPhase;
import static berth.cluster.TestNodes.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import berth.tenant.ContainerSpec;
import berth.tenant.Labels;
import berth.tenant.TenantDriver;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole nodes on a real (embedded) PostgreSQL and the real Docker engine, restarted on the same database. */
class NodeLifecycleTest {
  static final Duration READY_WITHIN = Duration.ofSeconds(60);

  @TempDir Path dir;
  TestNodes nodes;
  DockerClient docker;

  @BeforeEach
  void setUp() {
    nodes = new TestNodes(dir);
    docker = nodes.docker();
  }

  @AfterEach
  void tearDown() {
    nodes.removeContainers();
  }

  List<com.github.dockerjava.api.model.Container> containersOf(String slug) {
    return docker.listContainersCmd().withShowAll(true)
        .withLabelFilter(Map.of(Labels.TENANT, slug, Labels.FLEET, nodes.fleet())).exec();
  }

  @Test
  void apiCreateRunsARealContainerAndTeardownRemovesIt() throws Exception {
    try (BerthNode node = BerthNode.start(nodes.config(), BerthNode.Hooks.NONE)) {
      var created = call(node, "POST", "/api/tenants", "{\"slug\":\"acme\",\"displayName\":\"Acme Inc\"}");
      assertEquals(202, created.statusCode(), created.body());
      JsonNode ready = awaitPhase(node, "acme", "READY", READY_WITHIN);

      var containers = containersOf("acme");
      assertEquals(1, containers.size());
      var inspect = docker.inspectContainerCmd(containers.get(0).getId()).exec();
      assertEquals(nodes.containerName("acme"), inspect.getName().substring(1));
      assertEquals("true", inspect.getConfig().getLabels().get(Labels.MANAGED));
      assertEquals(268435456L, inspect.getHostConfig().getMemory());
      inspect.getNetworkSettings().getPorts().getBindings().values()
          .forEach(bs -> java.util.Arrays.stream(bs).forEach(b -> assertEquals("127.0.0.1", b.getHostIp())));
      String volume = nodes.containerName("acme") + "-data";
      assertTrue(inspect.getMounts().stream().anyMatch(m -> volume.equals(m.getName())));

      String page = TestNodes.get("http://" + ready.get("endpoint").asText() + "/");
      assertTrue(page.contains("Tenant acme"), page);
      assertTrue(page.contains("Initialized as <b>Acme Inc</b>"), page);

      assertEquals(202, call(node, "DELETE", "/api/tenants/acme", "{\"reason\":\"test over\"}").statusCode());
      awaitPhase(node, "acme", "RETIRED", READY_WITHIN);
      assertTrue(containersOf("acme").isEmpty());
      assertEquals(volume, docker.inspectVolumeCmd(volume).exec().getName(), "the data is kept (RetentionTest)");

      JsonNode events = TestNodes.JSON.readTree(call(node, "GET", "/api/tenants/acme/events", null).body()).get("events");
      List<String> types = new ArrayList<>();
      events.forEach(e -> types.add(e.get("type").asText()));
      assertEquals(List.of("ProvisioningRequested", "ContainerCreated", "ContainerStarted", "TenantInitialized",
          "TeardownRequested", "TenantRetired"), types);
      assertEquals("test over", events.get(4).get("reason").asText());

      // the read model follows the journal
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      JsonNode listed;
      do {
        listed = TestNodes.JSON.readTree(call(node, "GET", "/api/tenants", null).body()).get("tenants");
        Thread.sleep(100);
      } while (!(listed.size() == 1 && "RETIRED".equals(listed.get(0).get("phase").asText())) && System.nanoTime() < deadline);
      assertEquals("RETIRED", listed.get(0).get("phase").asText(), listed.toString());
    }
  }

  @Test
  void statesSurviveANodeRestartOnTheSameDatabase() throws Exception {
    String firstContainer;
    try (BerthNode node = BerthNode.start(nodes.config(), BerthNode.Hooks.NONE)) {
      call(node, "POST", "/api/tenants", "{\"slug\":\"one\"}");
      call(node, "POST", "/api/tenants", "{\"slug\":\"two\"}");
      awaitPhase(node, "one", "READY", READY_WITHIN);
      awaitPhase(node, "two", "READY", READY_WITHIN);
      call(node, "DELETE", "/api/tenants/two", null);
      awaitPhase(node, "two", "RETIRED", READY_WITHIN);
      firstContainer = TestNodes.tenant(node, "one").get("containerId").asText();
    }
    try (BerthNode node = BerthNode.start(nodes.config(), BerthNode.Hooks.NONE)) {
      // at once, before anything woke the tenant: the router knows it from the read model
      java.net.http.HttpResponse<String> routed = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
              java.net.URI.create("http://127.0.0.1:" + node.routerAddress().getPort() + "/"))
          .header("Host", "one.localhost:" + node.routerAddress().getPort()).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      assertTrue(routed.statusCode() == 200 || routed.statusCode() == 503, "a known tenant is never 404: " + routed.statusCode());
      JsonNode one = TestNodes.tenant(node, "one");
      assertEquals("READY", one.get("phase").asText());
      assertEquals(firstContainer, one.get("containerId").asText(), "the same container, not a new one");
      assertEquals("RETIRED", TestNodes.tenant(node, "two").get("phase").asText());
      assertEquals(1, containersOf("one").size());
      assertTrue(TestNodes.get("http://" + one.get("endpoint").asText() + "/").contains("Tenant one"));
    }
  }

  @Test
  void aTenantCaughtBetweenContainerCreationAndItsEventResumesOnRestartAndAdoptsTheContainer() throws Exception {
    // The first node's driver really creates the container but never reports back: as if the node
    // died after Docker acted and before ContainerCreated was journaled.
    try (BerthNode node = BerthNode.start(nodes.config(), BerthNode.Hooks.wrapDriver(CreateThenHang::new))) {
      assertEquals(202, call(node, "POST", "/api/tenants", "{\"slug\":\"limbo\"}").statusCode());
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (containersOf("limbo").isEmpty() && System.nanoTime() < deadline) Thread.sleep(100);
      assertEquals(1, containersOf("limbo").size());
      assertEquals("PROVISIONING", TestNodes.tenant(node, "limbo").get("phase").asText());
      // the next node's reconcile loop finds the tenant through the read model: wait until it is there
      TestNodes.await("limbo PROVISIONING in the read model", Duration.ofSeconds(30), () -> {
        JsonNode listed = TestNodes.JSON.readTree(call(node, "GET", "/api/tenants", null).body()).get("tenants");
        for (JsonNode t : listed) {
          if (t.get("slug").asText().equals("limbo")) return t.get("phase").asText().equals("PROVISIONING");
        }
        return false;
      });
    }
    String createdByFirstNode = containersOf("limbo").get(0).getId();
    try (BerthNode node = BerthNode.start(nodes.config(), BerthNode.Hooks.NONE)) {
      // no request: the resumer wakes the tenant
      JsonNode ready = awaitPhase(node, "limbo", "READY", READY_WITHIN);
      assertEquals(createdByFirstNode, ready.get("containerId").asText());
      assertEquals(1, containersOf("limbo").size(), "adopted, not duplicated");
      JsonNode events = TestNodes.JSON.readTree(call(node, "GET", "/api/tenants/limbo/events", null).body()).get("events");
      assertTrue(events.get(1).get("data").get("adopted").asBoolean(), events.toString());
    }
  }

  @Test
  void aFailingImageLeavesTheTenantFailedWithTheReasonAndTeardownStillWorks() throws Exception {
    var config = com.typesafe.config.ConfigFactory.parseString("berth.tenant.image = \"berth-no-such-image:1\"")
        .withFallback(nodes.config());
    try (BerthNode node = BerthNode.start(config, BerthNode.Hooks.NONE)) {
      call(node, "POST", "/api/tenants", "{\"slug\":\"broken\"}");
      JsonNode failed = awaitPhase(node, "broken", "FAILED", READY_WITHIN);
      assertTrue(failed.get("failure").get("reason").asText().contains("berth-no-such-image"), failed.toString());
      assertEquals("CREATE", failed.get("failure").get("step").asText());
      call(node, "DELETE", "/api/tenants/broken", null);
      awaitPhase(node, "broken", "RETIRED", READY_WITHIN);
      assertFalse(containersOf("broken").iterator().hasNext());
    }
  }

  /** Passes every call through, except that create's answer never arrives. */
  static final class CreateThenHang extends ForwardingDriver {
    CreateThenHang(TenantDriver real) {
      super(real);
    }

    @Override
    public CompletionStage<Created> create(ContainerSpec spec) {
      return real.create(spec).thenCompose(done -> new CompletableFuture<>());
    }
  }

  /**
   * Admission control on a real engine: with one slot, three tenants asked for at once are created one
   * after another; while one runs the others show their place in line, and every one ends READY
   * (its step deadline started when it left the line, not when it joined it).
   */
  @Test
  void aBurstBeyondTheNodesSlotsWaitsInLineAndEveryTenantEndsReady() throws Exception {
    Config config = com.typesafe.config.ConfigFactory.parseString("berth.tenant.concurrent-steps = 1")
        .withFallback(nodes.config());
    try (BerthNode node = BerthNode.start(config, BerthNode.Hooks.NONE)) {
      List<String> slugs = List.of("burst-a", "burst-b", "burst-c");
      for (String slug : slugs) {
        assertEquals(202, call(node, "POST", "/api/tenants", "{\"slug\":\"" + slug + "\"}").statusCode());
      }
      // the line is visible: someone waits while another runs
      java.util.Set<Integer> places = new java.util.TreeSet<>();
      TestNodes.await("a tenant waiting for a slot", READY_WITHIN, () -> {
        for (String slug : slugs) {
          int place = TestNodes.tenant(node, slug).get("waitingForSlot").asInt();
          if (place > 0) places.add(place);
        }
        return !places.isEmpty();
      });
      for (String slug : slugs) awaitPhase(node, slug, "READY", READY_WITHIN.multipliedBy(2));
      for (String slug : slugs) assertEquals(0, TestNodes.tenant(node, slug).get("waitingForSlot").asInt());
      // one at a time: each later tenant's container was created after the one before it was READY
      List<java.time.Instant> created = new ArrayList<>();
      List<java.time.Instant> ready = new ArrayList<>();
      for (String slug : slugs) {
        JsonNode events = TestNodes.JSON.readTree(call(node, "GET", "/api/tenants/" + slug + "/events", null).body())
            .get("events");
        for (JsonNode e : events) {
          if (e.get("type").asText().equals("ContainerCreated")) created.add(java.time.Instant.parse(e.get("at").asText()));
          if (e.get("type").asText().equals("TenantInitialized")) ready.add(java.time.Instant.parse(e.get("at").asText()));
        }
      }
      created.sort(null);
      ready.sort(null);
      assertEquals(3, created.size());
      assertTrue(!created.get(1).isBefore(ready.get(0)) && !created.get(2).isBefore(ready.get(1)),
          "created " + created + ", ready " + ready);
      for (String slug : slugs) call(node, "DELETE", "/api/tenants/" + slug, null);
      for (String slug : slugs) awaitPhase(node, slug, "RETIRED", READY_WITHIN);
    }
  }
}
