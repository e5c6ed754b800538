package berth.tenant;

import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the driver's container events on this node: a tenant container that dies, stops or
 * disappears is checked by its entity at once, wherever in the cluster that entity lives. Every node
 * follows its own engine; the reconcile loop is the backstop for events missed meanwhile.
 */
public final class ContainerWatch {
  private static final Logger log = LoggerFactory.getLogger(ContainerWatch.class);

  private ContainerWatch() {}

  /** Starts following; the subscription closes when the actor system shuts down. */
  public static void start(ActorSystem<?> system, TenantDriver driver) {
    ClusterSharding sharding = ClusterSharding.get(system);
    AutoCloseable watch = driver.watch(e -> sharding.entityRefFor(TenantEntity.TYPE_KEY, e.tenantId())
        .tell(new TenantCommand.CheckContainer("container event: " + e.action())));
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceStop(), "berth-container-watch", () -> {
      try {
        watch.close();
      } catch (Exception e) {
        log.debug("Closing the container event stream: {}", e.toString());
      }
      return java.util.concurrent.CompletableFuture.completedFuture(Done.getInstance());
    });
  }
}
