package berth.cluster;

import static berth.cluster.TestNodes.awaitPhase;
import static berth.cluster.TestNodes.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recoverable teardown on a real node and dockerd: a torn-down tenant's data stays on its volume for
 * the retention window, a restore brings the tenant back on it, a purge deletes it at once, and the
 * reconcile loop deletes it when the window has passed — never before, whatever its orphan sweep does.
 */
class RetentionTest {
  static final Duration WITHIN = Duration.ofSeconds(120);
  static final HttpClient HTTP = HttpClient.newHttpClient();

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

  String volume(String slug) {
    return nodes.containerName(slug) + "-data";
  }

  boolean volumeExists(String slug) {
    try {
      docker.inspectVolumeCmd(volume(slug)).exec();
      return true;
    } catch (NotFoundException gone) {
      return false;
    }
  }

  static int putNotes(JsonNode tenant, String text) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + tenant.get("endpoint").asText() + "/notes"))
        .PUT(HttpRequest.BodyPublishers.ofString(text)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  static JsonNode lastEvent(BerthNode node, String slug) throws Exception {
    JsonNode events = TestNodes.JSON.readTree(call(node, "GET", "/api/tenants/" + slug + "/events", null).body())
        .get("events");
    return events.get(events.size() - 1);
  }

  @Test
  void aTornDownTenantRestoredWithinTheWindowHasWhatItWroteAndAPurgeDeletesItAtOnce() throws Exception {
    try (BerthNode node = BerthNode.start(nodes.config(), BerthNode.Hooks.NONE)) {
      assertEquals(202, call(node, "POST", "/api/tenants", "{\"slug\":\"keep\"}").statusCode());
      JsonNode first = awaitPhase(node, "keep", "READY", WITHIN);
      assertEquals(204, putNotes(first, "written before the teardown"));

      assertEquals(202, call(node, "DELETE", "/api/tenants/keep", "{\"reason\":\"customer cancelled\"}").statusCode());
      JsonNode retired = awaitPhase(node, "keep", "RETIRED", WITHIN);
      assertTrue(retired.hasNonNull("dataRetainedUntil"), retired.toString());
      assertTrue(volumeExists("keep"), "the data is kept");
      assertEquals(0, docker.listContainersCmd().withShowAll(true)
          .withNameFilter(java.util.List.of(nodes.containerName("keep"))).exec().size(), "the container is gone");
      assertEquals(409, call(node, "POST", "/api/tenants", "{\"slug\":\"keep\"}").statusCode(),
          "a fresh tenant does not get someone's kept data");
      JsonNode kept = TestNodes.JSON.readTree(call(node, "GET", "/api/tenants/keep/logs", null).body()).get("logs");
      assertEquals(1, kept.size(), kept.toString());
      assertEquals(first.get("containerId").asText(), kept.get(0).get("containerId").asText());
      assertTrue(kept.get(0).get("text").asText().contains("tenant keep listening"), "its own output: " + kept);

      var restore = call(node, "POST", "/api/tenants/keep/restore", "{\"reason\":\"customer came back\"}");
      assertEquals(202, restore.statusCode(), restore.body());
      JsonNode back = awaitPhase(node, "keep", "READY", WITHIN);
      assertEquals(2, back.get("incarnation").asInt());
      assertEquals("written before the teardown", TestNodes.get("http://" + back.get("endpoint").asText() + "/notes"));
      JsonNode events = TestNodes.JSON.readTree(call(node, "GET", "/api/tenants/keep/events", null).body()).get("events");
      JsonNode restored = null;
      for (JsonNode e : events) if (e.get("data").path("restored").asBoolean()) restored = e;
      assertEquals("customer came back", restored.get("reason").asText());

      call(node, "DELETE", "/api/tenants/keep", null);
      awaitPhase(node, "keep", "RETIRED", WITHIN);
      var purge = call(node, "POST", "/api/tenants/keep/purge", "{\"reason\":\"erasure request\"}");
      assertEquals(202, purge.statusCode(), purge.body());
      TestNodes.await("the volume is deleted", WITHIN, () -> !volumeExists("keep"));
      TestNodes.await("the purge is journaled", WITHIN,
          () -> lastEvent(node, "keep").get("type").asText().equals("VolumePurged"));
      assertEquals(409, call(node, "POST", "/api/tenants/keep/restore", null).statusCode(), "nothing left to restore");
      assertEquals(0, TestNodes.JSON.readTree(call(node, "GET", "/api/tenants/keep/logs", null).body()).get("logs").size(),
          "the kept output went with the data");
    }
  }

  @Test
  void theReconcileLoopDeletesKeptDataOnlyOnceItsRetentionHasExpired() throws Exception {
    var config = ConfigFactory.parseString("berth.tenant.retention = 20s").withFallback(nodes.config());
    try (BerthNode node = BerthNode.start(config, BerthNode.Hooks.NONE)) {
      call(node, "POST", "/api/tenants", "{\"slug\":\"brief\"}");
      awaitPhase(node, "brief", "READY", WITHIN);
      call(node, "DELETE", "/api/tenants/brief", null);
      awaitPhase(node, "brief", "RETIRED", WITHIN);
      // several passes, longer than the orphan grace (3 s): the sweep removes containers, never kept data
      String metrics = node.managementUri() + "/metrics";
      long passes = CrashLoopTest.reconcilePasses(TestNodes.get(metrics));
      TestNodes.await("four reconcile passes", WITHIN, () -> CrashLoopTest.reconcilePasses(TestNodes.get(metrics)) >= passes + 4);
      java.time.Instant until = java.time.Instant.parse(TestNodes.tenant(node, "brief").get("dataRetainedUntil").asText());
      assertTrue(java.time.Instant.now().isBefore(until), "still within the retention after the passes");
      assertTrue(volumeExists("brief"), "kept data survives the reconcile loop within its retention");
      TestNodes.await("the volume is deleted after the retention", WITHIN, () -> !volumeExists("brief"));
      TestNodes.await("the purge is journaled", WITHIN,
          () -> lastEvent(node, "brief").get("type").asText().equals("VolumePurged"));
      JsonNode events = TestNodes.JSON.readTree(call(node, "GET", "/api/tenants/brief/events", null).body()).get("events");
      JsonNode asked = events.get(events.size() - 2);
      assertEquals("PurgeRequested", asked.get("type").asText());
      assertEquals("system", asked.get("principal").asText());
      assertTrue(asked.get("reason").asText().startsWith("retention of the data expired"), asked.toString());
      assertThrows(NotFoundException.class, () -> docker.inspectVolumeCmd(volume("brief")).exec());
    }
  }
}
