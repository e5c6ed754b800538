package berth.cluster;

import static berth.cluster.TestNodes.awaitPhase;
import static berth.cluster.TestNodes.call;
import static berth.cluster.TestNodes.tenant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash-looping tenant image on real dockerd: a container that dies by itself shortly after every
 * initialization. Berth restarts it a bounded number of times, then gives up: FAILED with the reason,
 * left stopped. The image is built here, FROM the locally built reference image (no registry), with
 * the reference jar's {@code CrashLoopTenant} as entry point.
 */
class CrashLoopTest {
  static final Duration WITHIN = Duration.ofSeconds(120);
  static final String IMAGE = "berth-tenant-crashloop:test";

  @TempDir Path dir;

  static long reconcilePasses(String metrics) {
    return metrics.lines().filter(l -> l.startsWith("berth_reconcile_passes_total "))
        .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(' ') + 1).strip())).findFirst().orElse(0);
  }

  @Test
  void aCrashLoopingImageIsRestartedABoundedNumberOfTimesThenFailedWithTheReason() throws Exception {
    TestNodes nodes = new TestNodes(dir);
    DockerClient docker = nodes.docker();
    var config = ConfigFactory.parseString("""
        berth.tenant.image = "%s"
        berth.tenant.recovery { max-losses = 2, window = 10m }
        """.formatted(IMAGE)).withFallback(nodes.config());
    try (BerthNode node = BerthNode.start(config, BerthNode.Hooks.NONE)) { // builds the reference image if needed
      TestNodes.buildEntryPointImage(docker, config.getString("berth.docker.reference-image.tag"), IMAGE,
          "berth.tenantimage.CrashLoopTenant");
      assertEquals(202, call(node, "POST", "/api/tenants", "{\"slug\":\"flaky\"}").statusCode());
      JsonNode failed = awaitPhase(node, "flaky", "FAILED", WITHIN);

      String reason = failed.path("failure").path("reason").asText();
      assertTrue(reason.startsWith("crash loop: container lost 3 times"), reason);
      List<String> types = TestNodes.eventTypes(node, "flaky");
      assertEquals(3, types.stream().filter("ContainerLost"::equals).count(), types.toString());
      assertEquals(2, types.stream().filter("ContainerRecovered"::equals).count(), "restarted twice: " + types);
      assertEquals("StepFailed", types.get(types.size() - 1));
      // two full passes of the reconcile loop (which wakes and checks tenants) later, nothing changed
      String metrics = node.managementUri() + "/metrics";
      long passes = reconcilePasses(TestNodes.get(metrics));
      TestNodes.await("two more reconcile passes", WITHIN, () -> reconcilePasses(TestNodes.get(metrics)) >= passes + 2);
      assertEquals("FAILED", tenant(node, "flaky").path("phase").asText(), "no restart after giving up");
      assertEquals(types, TestNodes.eventTypes(node, "flaky"), "nothing journaled after giving up");
      assertFalse(docker.inspectContainerCmd(nodes.containerName("flaky")).exec().getState().getRunning());
      assertTrue(TestNodes.get(node.managementUri() + "/metrics")
          .contains("berth_healing_actions_total{action=\"crash_loop\"} 1"));
    } finally {
      nodes.removeContainers();
      try {
        docker.removeImageCmd(IMAGE).withForce(true).exec();
      } catch (RuntimeException alreadyGone) {
        // nothing to clean
      }
    }
  }
}
