package berth.cluster;

import static berth.cluster.TestNodes.awaitPhase;
import static berth.cluster.TestNodes.call;
import static berth.cluster.TestNodes.tenant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A READY tenant's container killed or removed behind Berth's back, on a real node and real dockerd:
 * the tenant comes back by itself, on the same data volume, and its history says what happened.
 * The measured detection-to-READY times are printed (docs/benchmarks.md), not asserted.
 */
class SelfHealingTest {
  static final Duration CONVERGES_WITHIN = Duration.ofSeconds(60);

  @TempDir static Path dir;
  static TestNodes nodes;
  static BerthNode node;
  static DockerClient docker;

  @BeforeAll
  static void start() throws Exception {
    nodes = new TestNodes(dir);
    docker = nodes.docker();
    node = BerthNode.start(nodes.config(), BerthNode.Hooks.wrapDriver(CreateThenHangForSlowTenants::new));
  }

  @AfterAll
  static void stop() {
    if (node != null) node.close();
    nodes.removeContainers();
  }

  /** Creates the container of tenants named slow-* for real, then never reports it: forever mid-create. */
  static final class CreateThenHangForSlowTenants extends ForwardingDriver {
    CreateThenHangForSlowTenants(berth.tenant.TenantDriver real) {
      super(real);
    }

    @Override
    public java.util.concurrent.CompletionStage<Created> create(berth.tenant.ContainerSpec spec) {
      return spec.tenantId().startsWith("slow-")
          ? real.create(spec).thenCompose(done -> new java.util.concurrent.CompletableFuture<>())
          : real.create(spec);
    }
  }

  static JsonNode readyTenant(String slug) throws Exception {
    assertEquals(202, call(node, "POST", "/api/tenants", "{\"slug\":\"" + slug + "\"}").statusCode());
    return awaitPhase(node, slug, "READY", CONVERGES_WITHIN);
  }

  /** Waits until the tenant is READY on a container other than / the same as {@code containerId}. */
  static JsonNode awaitReadyAgain(String slug, String containerId, boolean sameContainer) throws Exception {
    long deadline = System.nanoTime() + CONVERGES_WITHIN.toNanos();
    JsonNode t = tenant(node, slug);
    // first the loss must have been noticed (a READY answer right after the kill is stale)
    while (!(t.path("phase").asText().equals("READY") && eventTypes(slug).contains("ContainerRecovered")
        && (sameContainer == t.path("containerId").asText().equals(containerId)))) {
      if (System.nanoTime() > deadline) throw new AssertionError(slug + " did not recover: " + t);
      Thread.sleep(100);
      t = tenant(node, slug);
    }
    return t;
  }

  static List<String> eventTypes(String slug) throws Exception {
    return TestNodes.eventTypes(node, slug);
  }

  static String metrics() throws Exception {
    return TestNodes.get(node.managementUri() + "/metrics");
  }

  static JsonNode lastEvent(String slug, String type) throws Exception {
    JsonNode found = null;
    for (JsonNode e : TestNodes.JSON.readTree(call(node, "GET", "/api/tenants/" + slug + "/events", null).body())
        .path("events")) {
      if (e.path("type").asText().equals(type)) found = e;
    }
    return found;
  }

  static void writeToData(String containerId, String file, String content) throws Exception {
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
      TarArchiveEntry e = new TarArchiveEntry(file);
      e.setSize(bytes.length);
      e.setIds(10001, 10001);
      out.putArchiveEntry(e);
      out.write(bytes);
      out.closeArchiveEntry();
    }
    docker.copyArchiveToContainerCmd(containerId).withRemotePath("/data")
        .withTarInputStream(new ByteArrayInputStream(tar.toByteArray())).exec();
  }

  static String readFromData(String containerId, String file) throws Exception {
    try (InputStream in = docker.copyArchiveFromContainerCmd(containerId, "/data/" + file).exec();
         TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      tar.getNextEntry();
      return new String(tar.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void aRemovedContainerIsRecreatedOnItsVolumeAndTheTenantIsReadyAgain() throws Exception {
    String id = readyTenant("removed").path("containerId").asText();
    writeToData(id, "marker.txt", "written before the removal");

    long t0 = System.nanoTime();
    docker.removeContainerCmd(id).withForce(true).exec(); // docker rm -f: the named volume stays
    JsonNode back = awaitReadyAgain("removed", id, false);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("self-healing: docker rm -f -> READY again in " + ms + " ms");

    String newId = back.path("containerId").asText();
    assertNotEquals(id, newId);
    assertEquals("written before the removal", readFromData(newId, "marker.txt"), "same data volume");
    assertEquals(1, docker.listContainersCmd().withShowAll(true)
        .withLabelFilter(java.util.Map.of("berth.tenant", "removed", "berth.fleet", nodes.fleet())).exec().size());
    JsonNode lost = lastEvent("removed", "ContainerLost");
    assertEquals("removed", lost.path("data").path("observed").asText());
    assertEquals("system", lost.path("principal").asText());
    assertTrue(TestNodes.get("http://" + back.path("endpoint").asText() + "/").contains("Tenant removed"));
    String m = metrics();
    assertTrue(m.contains("berth_healing_actions_total{action=\"container_lost\"}"), m);
    assertTrue(m.contains("berth_healing_actions_total{action=\"container_recovered\"}"), m);
  }

  @Test
  void aKilledContainerIsRestartedAndTheTenantIsReadyAgain() throws Exception {
    String id = readyTenant("killed").path("containerId").asText();

    long t0 = System.nanoTime();
    docker.killContainerCmd(id).exec();
    awaitReadyAgain("killed", id, true);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("self-healing: docker kill -> READY again in " + ms + " ms");

    List<String> types = eventTypes("killed");
    assertEquals(List.of("ContainerLost", "ContainerStarted", "ContainerRecovered"),
        types.subList(types.indexOf("ContainerLost"), types.size()));
    assertEquals("exited", lastEvent("killed", "ContainerLost").path("data").path("observed").asText());
  }

  static String handMade(String name, String fleet, String tenant) {
    return docker.createContainerCmd(node.config().getString("berth.tenant.image"))
        .withName(name)
        .withLabels(java.util.Map.of("berth.managed", "true", "berth.fleet", fleet, "berth.tenant", tenant))
        .exec().getId();
  }

  static boolean exists(String nameOrId) {
    try {
      docker.inspectContainerCmd(nameOrId).exec();
      return true;
    } catch (com.github.dockerjava.api.exception.NotFoundException e) {
      return false;
    }
  }

  @Test
  void orphansAreRemovedAfterTheGracePeriodButNeverAContainerBeingCreated() throws Exception {
    assertEquals(202, call(node, "POST", "/api/tenants", "{\"slug\":\"slow-one\"}").statusCode());
    String creating = nodes.containerName("slow-one");
    long deadline = System.nanoTime() + CONVERGES_WITHIN.toNanos();
    while (!exists(creating)) {
      if (System.nanoTime() > deadline) throw new AssertionError("slow-one's container was never created");
      Thread.sleep(100);
    }
    String ghost = handMade(nodes.containerName("ghost"), nodes.fleet(), "ghost");
    String strangers = handMade("berth-it" + nodes.run + "-strangers", "another-fleet-" + nodes.run, "ghost");
    try {
      long t0 = System.nanoTime();
      while (exists(ghost)) {
        if (System.nanoTime() > deadline) throw new AssertionError("the orphan was never removed");
        Thread.sleep(200);
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      Duration grace = node.config().getDuration("berth.reconcile.orphan-grace");
      assertTrue(ms >= grace.toMillis(), "removed after " + ms + " ms, before the grace period of " + grace);
      assertTrue(exists(creating), "a container being created is never reaped");
      assertTrue(exists(strangers), "another fleet's containers are not ours to remove");
      assertEquals("PROVISIONING", tenant(node, "slow-one").path("phase").asText());
      assertTrue(metrics().contains("berth_reconcile_actions_total{action=\"orphan_removed\"} "), metrics());
    } finally {
      docker.removeContainerCmd(strangers).withForce(true).exec();
    }
  }
}
