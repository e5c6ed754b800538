package berth.cluster;

import static berth.cluster.TestNodes.awaitPhase;
import static berth.cluster.TestNodes.call;
import static berth.cluster.TestNodes.tenant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Docker daemon itself restarts while tenants are READY (its containers stop with it; Berth sets
 * no restart policy, so they stay stopped): Berth notices through the reconcile pass and its event
 * stream reconnecting, and brings every tenant back to READY on its own volume — restarting its
 * container, or re-creating it when the daemon left a stale task behind that makes it unstartable.
 *
 * <p>The test restarts the local dockerd with the command line it was started with (detached with
 * setsid, so it outlives the test JVM). Because that stops every container on the engine, it runs
 * only in CI ({@code CI=true}) or when asked ({@code BERTH_TEST_RESTART_DOCKER=1}), as root, with a
 * dockerd process on this machine.
 */
class DockerRestartTest {
  static final Duration WITHIN = Duration.ofSeconds(120);

  @TempDir Path dir;

  static Optional<ProcessHandle> dockerd() {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().command().map(c -> c.endsWith("/dockerd")).orElse(false))
        .findFirst();
  }

  static void awaitEngine(DockerClient docker) throws Exception {
    long deadline = System.nanoTime() + WITHIN.toNanos();
    while (true) {
      try {
        docker.pingCmd().exec();
        return;
      } catch (RuntimeException notYet) {
        if (System.nanoTime() > deadline) throw new AssertionError("dockerd did not come back", notYet);
        Thread.sleep(250);
      }
    }
  }

  @Test
  void readyTenantsAreReadyAgainAfterTheDockerDaemonRestarts() throws Exception {
    // It stops every container on the engine, not only Berth's: never by surprise on a workstation.
    Assumptions.assumeTrue("true".equals(System.getenv("CI")) || "1".equals(System.getenv("BERTH_TEST_RESTART_DOCKER")),
        "restarts the Docker daemon: runs in CI (CI=true) or with BERTH_TEST_RESTART_DOCKER=1");
    Optional<ProcessHandle> daemon = dockerd();
    Assumptions.assumeTrue(daemon.isPresent() && "root".equals(System.getProperty("user.name")),
        "needs a local dockerd this test may restart, and root");
    List<String> commandLine = new ArrayList<>();
    commandLine.add("setsid");
    commandLine.add(daemon.get().info().command().orElseThrow());
    daemon.get().info().arguments().ifPresent(a -> commandLine.addAll(List.of(a)));

    TestNodes nodes = new TestNodes(dir);
    DockerClient docker = nodes.docker();
    try (BerthNode node = BerthNode.start(nodes.config(), BerthNode.Hooks.NONE)) {
      for (String slug : List.of("steady-a", "steady-b")) {
        assertEquals(202, call(node, "POST", "/api/tenants", "{\"slug\":\"" + slug + "\"}").statusCode());
      }
      String idA = awaitPhase(node, "steady-a", "READY", WITHIN).path("containerId").asText();
      String idB = awaitPhase(node, "steady-b", "READY", WITHIN).path("containerId").asText();

      long t0 = System.nanoTime();
      daemon.get().destroy(); // SIGTERM: dockerd stops its containers and exits
      daemon.get().onExit().get(60, TimeUnit.SECONDS);
      new ProcessBuilder(commandLine)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(new File("/tmp/berth-test-dockerd.log")))
          .start();
      awaitEngine(docker);
      System.out.println("docker restart: engine back after " + (System.nanoTime() - t0) / 1_000_000 + " ms");

      for (String[] t : List.of(new String[] {"steady-a", idA}, new String[] {"steady-b", idB})) {
        long deadline = System.nanoTime() + WITHIN.toNanos();
        while (!(tenant(node, t[0]).path("phase").asText().equals("READY")
            && TestNodes.JSON.readTree(call(node, "GET", "/api/tenants/" + t[0] + "/events", null).body())
                .path("events").toString().contains("ContainerRecovered"))) {
          assertTrue(System.nanoTime() < deadline, t[0] + " not READY again: " + tenant(node, t[0]));
          Thread.sleep(200);
        }
        // restarted — or, when the daemon left a stale task behind, re-created on the same volume
        String now = tenant(node, t[0]).path("containerId").asText();
        var running = docker.inspectContainerCmd(now).exec();
        assertTrue(running.getState().getRunning());
        assertTrue(running.getMounts().stream().anyMatch(m -> m.getName() != null
            && m.getName().equals(nodes.containerName(t[0]) + "-data")), "on its own volume");
        assertEquals(1, docker.listContainersCmd().withShowAll(true)
            .withLabelFilter(java.util.Map.of("berth.tenant", t[0], "berth.fleet", nodes.fleet())).exec().size());
        System.out.println("docker restart: " + t[0] + (now.equals(t[1]) ? " restarted" : " re-created on its volume"));
      }
      System.out.println("docker restart: all tenants READY again after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    } finally {
      awaitEngine(docker);
      nodes.removeContainers();
    }
  }
}
