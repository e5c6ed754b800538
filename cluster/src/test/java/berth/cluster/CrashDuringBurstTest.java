package berth.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node as `./berth run` starts it (its own embedded PostgreSQL, writing durably), in a JVM of its
 * own, killed with SIGKILL in the middle of a burst of creates: after a restart on the same data,
 * every tenant whose create was acknowledged (202) is there, with its intent in its journal.
 */
class CrashDuringBurstTest {
  @TempDir Path dir;
  TestNodes nodes;
  Process node;

  @BeforeEach
  void setUp() {
    nodes = new TestNodes(dir);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (node != null) {
      node.destroy();
      node.waitFor(30, TimeUnit.SECONDS);
    }
    nodes.removeContainers();
  }

  Process start(int api) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx384m",
        "-Dberth.tenant.name-prefix=berth-it" + nodes.run + "-",
        // no such image: every create fails at once, after its intent is journaled; no container to clean up
        "-Dberth.tenant.image=berth-it-no-such-image:" + nodes.run,
        "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
        "berth.cluster.Main")
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("node.log").toFile()));
    Map<String, String> env = pb.environment();
    env.put("BERTH_REMOTE_PORT", String.valueOf(TestNodes.freePort()));
    env.put("BERTH_API_PORT", String.valueOf(api));
    env.put("BERTH_ROUTER_PORT", String.valueOf(TestNodes.freePort()));
    env.put("BERTH_MANAGEMENT_PORT", String.valueOf(TestNodes.freePort()));
    env.put("BERTH_ADMIN_TOKEN", TestNodes.TOKEN);
    env.put("BERTH_SSO_SECRET", TestNodes.SSO_SECRET);
    env.put("BERTH_GUEST_SECRET", TestNodes.GUEST_SECRET);
    env.put("BERTH_FLEET", nodes.fleet());
    return pb.start();
  }


  void awaitServing(int api) throws Exception {
    TestNodes.await("the node serving its API", Duration.ofSeconds(120), () -> {
      try {
        return TestNodes.callProcess(api, "GET", "/api/tenants", null).statusCode() == 200;
      } catch (java.io.IOException notYet) {
        return false;
      }
    });
  }

  @Test
  void everyAcknowledgedCreateSurvivesAKillNineOfTheNodeMidBurst() throws Exception {
    int api = TestNodes.freePort();
    node = start(api);
    awaitServing(api);

    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicBoolean killed = new AtomicBoolean();
    ExecutorService clients = Executors.newFixedThreadPool(8);
    for (int i = 0; i < 200; i++) {
      String slug = "burst-" + i;
      clients.submit(() -> {
        if (killed.get()) return null;
        try {
          HttpResponse<String> r = TestNodes.callProcess(api, "POST", "/api/tenants", "{\"slug\":\"" + slug + "\"}");
          if (r.statusCode() == 202) acknowledged.add(slug);
        } catch (java.io.IOException refusedOrCut) {
          // the node died under this request: not acknowledged
        }
        return null;
      });
    }
    TestNodes.await("a good part of the burst acknowledged", Duration.ofSeconds(60), () -> acknowledged.size() >= 20);
    node.destroyForcibly(); // SIGKILL, mid-burst: requests are still being sent
    killed.set(true);
    assertTrue(node.waitFor(30, TimeUnit.SECONDS));
    clients.shutdown();
    assertTrue(clients.awaitTermination(60, TimeUnit.SECONDS));
    List<String> acked = new ArrayList<>(acknowledged);
    assertTrue(acked.size() < 200, "the kill came mid-burst (" + acked.size() + " acknowledged)");

    System.out.println("crash during burst: " + acked.size() + " of 200 creates acknowledged before the SIGKILL");
    node = start(api); // the same data directory: its embedded PostgreSQL, left running by the kill, is taken over
    awaitServing(api);
    List<String> lost = new ArrayList<>();
    for (String slug : acked) {
      HttpResponse<String> r = TestNodes.callProcess(api, "GET", "/api/tenants/" + slug + "/events", null);
      JsonNode events = r.statusCode() == 200 ? TestNodes.JSON.readTree(r.body()).get("events") : null;
      if (events == null || events.isEmpty() || !events.get(0).get("type").asText().equals("ProvisioningRequested")) {
        lost.add(slug + " (" + r.statusCode() + ")");
      }
    }
    assertEquals(List.of(), lost, "of " + acked.size() + " acknowledged creates; node log in " + dir.resolve("node.log")
        + (Files.exists(dir.resolve("node.log")) ? "" : " (missing)"));
  }
}
