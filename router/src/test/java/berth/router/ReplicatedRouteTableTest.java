package berth.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import berth.tenant.Endpoint;
import berth.tenant.Phase;
import berth.tenant.RouteTable.Route;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The route table's start-up seed on a real (one-node) cluster: a stand-in until the entity speaks, never after. */
class ReplicatedRouteTableTest {
  static final ActorTestKit testKit = ActorTestKit.create("routes", ConfigFactory.parseString("""
      pekko.actor.provider = cluster
      pekko.remote.artery.canonical { hostname = "127.0.0.1", port = 0 }
      """).withFallback(ConfigFactory.load()));

  static {
    Cluster cluster = Cluster.get(testKit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
  }

  static final ReplicatedRouteTable table = new ReplicatedRouteTable(testKit.system(), Duration.ofSeconds(3));

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  static <T> T eventually(Supplier<T> value, java.util.function.Predicate<T> ok) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    T v = value.get();
    while (!ok.test(v) && System.nanoTime() < deadline) {
      Thread.sleep(20);
      v = value.get();
    }
    return v;
  }

  @Test
  void aSeededRouteServesUntilTheReplicatedTableHasTheSlugAndNeverComesBackAfterARemoval() throws Exception {
    Route stale = new Route(Phase.READY, new Endpoint("127.0.0.1", 1111), 1);
    Route fresh = new Route(Phase.READY, new Endpoint("127.0.0.1", 2222), 1);
    table.seed(Map.of("acme", stale, "beta", stale));
    assertEquals(Optional.of(stale), table.lookup("acme"), "known from the read model at start");
    assertEquals(2, table.all().size());

    table.publish("acme", fresh);
    assertEquals(Optional.of(fresh), eventually(() -> table.lookup("acme"), r -> r.equals(Optional.of(fresh))));
    table.remove("acme");
    assertEquals(Optional.empty(), eventually(() -> table.lookup("acme"), Optional::isEmpty),
        "a removed tenant does not fall back to its stale seed");
    assertTrue(table.lookup("beta").isPresent(), "a slug the table never had keeps its seed");
  }

  @Test
  void thisNodesOwnWriteIsServedAtOnceAndStaysOnceReplicated() throws Exception {
    Route ready = new Route(Phase.READY, new Endpoint("127.0.0.1", 3333), 2);
    table.publish("gamma", ready);
    assertEquals(Optional.of(ready), table.lookup("gamma"), "no wait for the replicator's next notification");
    Thread.sleep(1000); // several notifications later, the replicated table agrees
    assertEquals(Optional.of(ready), table.lookup("gamma"));
    table.remove("gamma");
    assertEquals(Optional.empty(), table.lookup("gamma"), "a removal too");
    Thread.sleep(1000);
    assertEquals(Optional.empty(), table.lookup("gamma"));
  }
}
