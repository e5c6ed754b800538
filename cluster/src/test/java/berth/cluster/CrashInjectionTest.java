package berth.cluster;

import static berth.cluster.TestNodes.awaitPhase;
import static berth.cluster.TestNodes.call;
import static berth.cluster.TestNodes.tenant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import berth.tenant.ContainerInfo;
import berth.tenant.ContainerSpec;
import berth.tenant.Endpoint;
import berth.tenant.Labels;
import berth.tenant.TenantDriver;
import berth.tenant.TenantGuest;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash-injection matrix. A first node dies at one point of each lifecycle step — intent
 * journaled but nothing done; container created; container started; init payload delivered; container
 * and volume removed during teardown — each time after the side effect and before its outcome is
 * journaled. A second node on the same database and Docker engine must converge every tenant to what
 * its journal intends, with zero containers no tenant owns and no tenant with two containers.
 *
 * <p>The first node "dies" by a hard stop of its actor system while the side effects' answers are
 * withheld. For the journal this is what {@code kill -9} does: the intent is written, the outcome never
 * is, and nothing the dead node still held in memory survives (attempt counters, in-flight markers).
 * NodeLifecycleTest and DatabaseTest cover a real SIGKILL of a separate JVM for the node and its
 * embedded database.
 */
class CrashInjectionTest {
  static final Duration WITHIN = Duration.ofSeconds(90);

  @TempDir Path dir;

  /** Which side effects the first node performed (tenant → step), so the test knows it got that far. */
  final Set<String> performed = ConcurrentHashMap.newKeySet();

  final class DiesMidStep extends ForwardingDriver {
    DiesMidStep(TenantDriver real) {
      super(real);
    }

    @Override
    public CompletionStage<Created> create(ContainerSpec spec) {
      if (spec.tenantId().startsWith("intent-")) {
        performed.add(spec.tenantId() + ":intent");
        return new CompletableFuture<>(); // dies before Docker is even asked
      }
      if (spec.tenantId().startsWith("created-")) {
        return real.create(spec).thenCompose(done -> hang(spec.tenantId() + ":created"));
      }
      return real.create(spec);
    }

    @Override
    public CompletionStage<ContainerInfo> start(String name, String credential) {
      return name.contains("started-") ? real.start(name, credential).thenCompose(done -> hang(name + ":started"))
          : real.start(name, credential);
    }

    @Override
    public CompletionStage<Void> removeContainer(String name) {
      return name.contains("teardown-") ? real.removeContainer(name).thenCompose(done -> hang(name + ":removed"))
          : real.removeContainer(name);
    }

    @Override
    public CompletionStage<Void> remove(String name, String volume) {
      return name.contains("teardown-") ? real.remove(name, volume).thenCompose(done -> hang(name + ":removed"))
          : real.remove(name, volume);
    }
  }

  final class DiesMidInit implements TenantGuest {
    private final TenantGuest real;

    DiesMidInit(TenantGuest real) {
      this.real = real;
    }

    @Override
    public String credentialFor(String tenantId, int incarnation) {
      return real.credentialFor(tenantId, incarnation);
    }

    @Override
    public CompletionStage<Void> checkHealth(Endpoint endpoint, String credential) {
      return real.checkHealth(endpoint, credential);
    }

    @Override
    public CompletionStage<Void> deliverInit(Endpoint endpoint, InitPayload payload, String credential) {
      return payload.tenantId().startsWith("init-")
          ? real.deliverInit(endpoint, payload, credential).thenCompose(done -> hang(payload.tenantId() + ":initialized"))
          : real.deliverInit(endpoint, payload, credential);
    }
  }

  <T> CompletionStage<T> hang(String what) {
    performed.add(what);
    return new CompletableFuture<>();
  }

  static void await(String what, BooleanSupplier condition) throws Exception {
    TestNodes.await(what, WITHIN, condition::getAsBoolean);
  }

  boolean performedFor(String prefix) {
    return performed.stream().anyMatch(p -> p.contains(prefix));
  }

  @Test
  void aNodeDyingAtAnyStepLeavesNothingASecondNodeCannotConverge() throws Exception {
    TestNodes nodes = new TestNodes(dir);
    DockerClient docker = nodes.docker();
    List<String> provisioned = List.of("intent-a", "created-a", "started-a", "init-a");
    try {
      // five steps hang on purpose until the node dies: each holds a slot, so the node must have five
      // (admission control would otherwise queue the fifth until another's deadline failed it)
      com.typesafe.config.Config firstConfig = nodes.config()
          .withValue("berth.tenant.concurrent-steps", com.typesafe.config.ConfigValueFactory.fromAnyRef(8));
      try (BerthNode first = BerthNode.start(firstConfig, BerthNode.Hooks.wrapDriver(DiesMidStep::new).wrapGuest(DiesMidInit::new))) {
        assertEquals(202, call(first, "POST", "/api/tenants", "{\"slug\":\"teardown-a\"}").statusCode());
        awaitPhase(first, "teardown-a", "READY", WITHIN);
        assertEquals(202, call(first, "DELETE", "/api/tenants/teardown-a", null).statusCode());
        for (String slug : provisioned) {
          assertEquals(202, call(first, "POST", "/api/tenants", "{\"slug\":\"" + slug + "\"}").statusCode());
        }
        for (String slug : List.of("intent-a", "created-a", "started-a", "init-a", "teardown-a")) {
          await(slug + "'s side effect", () -> performedFor(slug));
        }
        for (String slug : provisioned) {
          String phase = tenant(first, slug).path("phase").asText();
          assertTrue(phase.equals("PROVISIONING") || phase.equals("INITIALIZING"), slug + " is " + phase);
        }
        assertEquals("TEARING_DOWN", tenant(first, "teardown-a").path("phase").asText());
      } // the first node dies here, every withheld outcome unjournaled

      try (BerthNode second = BerthNode.start(nodes.config(), BerthNode.Hooks.NONE)) {
        // no request: the reconcile loop wakes every tenant mid-operation
        for (String slug : provisioned) {
          awaitPhase(second, slug, "READY", WITHIN);
        }
        awaitPhase(second, "teardown-a", "RETIRED", WITHIN);

        List<Container> fleet = docker.listContainersCmd().withShowAll(true)
            .withLabelFilter(Map.of(Labels.FLEET, nodes.fleet())).exec();
        List<String> owners = new ArrayList<>();
        fleet.forEach(c -> owners.add(c.getLabels().get(Labels.TENANT)));
        assertEquals(provisioned.size(), fleet.size(), "one container per live tenant, no orphans: " + owners);
        assertTrue(owners.containsAll(provisioned), owners.toString());
        for (String slug : provisioned) {
          JsonNode t = tenant(second, slug);
          Container c = fleet.stream().filter(x -> slug.equals(x.getLabels().get(Labels.TENANT))).findFirst().orElseThrow();
          assertEquals(c.getId(), t.path("containerId").asText(), slug + " runs the container it journaled");
          assertTrue(TestNodes.get("http://" + t.path("endpoint").asText() + "/").contains("Initialized as"), slug);
        }
        assertTrue(docker.listVolumesCmd().exec().getVolumes().stream()
            .anyMatch(v -> v.getName().equals(nodes.containerName("teardown-a") + "-data")), "teardown kept the data");
        assertTrue(tenant(second, "teardown-a").hasNonNull("dataRetainedUntil"), "for the retention window");
        JsonNode createdEvents = TestNodes.JSON.readTree(
            call(second, "GET", "/api/tenants/created-a/events", null).body()).path("events");
        assertTrue(createdEvents.get(1).path("data").path("adopted").asBoolean(), "created-a's container adopted");
      }
    } finally {
      nodes.removeContainers();
    }
  }
}
