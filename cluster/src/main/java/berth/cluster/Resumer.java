package berth.cluster;

import berth.tenant.ContainerInfo;
import berth.tenant.Phase;
import berth.tenant.TenantCommand;
import berth.tenant.TenantDirectory;
import berth.tenant.TenantDriver;
import berth.tenant.TenantDirectory.TenantSummary;
import berth.tenant.TenantEntity;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * Wakes tenants so that nothing waits for a request. Shortly after it starts it wakes every active
 * tenant (each recovers and publishes its route, which repopulates the in-memory route table after a
 * full cluster restart); then, periodically, every tenant the read model shows mid-operation
 * (PROVISIONING, INITIALIZING, TEARING_DOWN), so interrupted tenants resume. Waking a tenant whose step
 * is already running is harmless. On the same pass it compares READY tenants with the containers the
 * driver lists and asks those whose container is missing, stopped or replaced to check it: the
 * backstop for container events the node missed. One instance runs in the cluster (a cluster singleton).
 */
public final class Resumer {
  interface Command {}

  private enum Tick implements Command { INSTANCE }

  private record Listed(List<TenantSummary> tenants, Throwable failure) implements Command {}

  private record Observed(List<TenantSummary> tenants, List<ContainerInfo> containers, Throwable failure)
      implements Command {}

  private Resumer() {}

  public static void init(ActorSystem<?> system, TenantDirectory directory, TenantDriver driver, Duration initialDelay,
      Duration interval) {
    if (interval.isZero()) {
      return;
    }
    ClusterSingleton.get(system).init(SingletonActor.of(create(directory, driver, initialDelay, interval), "tenant-resumer"));
  }

  static Behavior<Command> create(TenantDirectory directory, TenantDriver driver, Duration initialDelay, Duration interval) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, initialDelay, interval);
      ClusterSharding sharding = ClusterSharding.get(ctx.getSystem());
      boolean[] firstPass = {true};
      return Behaviors.receive(Command.class)
          .onMessage(Tick.class, t -> {
            ctx.pipeToSelf(directory.list(), Listed::new);
            return Behaviors.same();
          })
          .onMessage(Listed.class, listed -> {
            if (listed.failure() != null) {
              ctx.getLog().warn("Could not read the tenant directory to resume tenants: {}", listed.failure().toString());
              return Behaviors.same();
            }
            boolean wakeAllActive = firstPass[0];
            firstPass[0] = false;
            for (TenantSummary t : listed.tenants()) {
              if (t.phase().inTransition() || (wakeAllActive && t.phase().active())) {
                ctx.getLog().debug("Waking tenant {} ({})", t.slug(), t.phase());
                sharding.entityRefFor(TenantEntity.TYPE_KEY, t.slug()).tell(new TenantCommand.Wake());
              }
            }
            if (listed.tenants().stream().anyMatch(t -> t.phase() == Phase.READY)) {
              ctx.pipeToSelf(driver.listManaged(), (containers, error) -> new Observed(listed.tenants(), containers, error));
            }
            return Behaviors.same();
          })
          .onMessage(Observed.class, observed -> {
            if (observed.failure() != null) {
              ctx.getLog().warn("Could not list tenant containers to check READY tenants: {}", observed.failure().toString());
              return Behaviors.same();
            }
            // the backstop for missed container events: a READY tenant whose container is not
            // running under the id the read model knows is asked to check (it inspects, then heals)
            Map<String, ContainerInfo> byName = new HashMap<>();
            observed.containers().forEach(c -> byName.put(c.name(), c));
            for (TenantSummary t : observed.tenants()) {
              if (t.phase() != Phase.READY) continue;
              ContainerInfo c = byName.get(t.containerName());
              if (c == null || !c.running() || !c.id().equals(t.containerId())) {
                String why = c == null ? "reconcile: container missing" : !c.running() ? "reconcile: container not running"
                    : "reconcile: container replaced";
                ctx.getLog().info("Tenant {}: {}", t.slug(), why);
                sharding.entityRefFor(TenantEntity.TYPE_KEY, t.slug()).tell(new TenantCommand.CheckContainer(why));
              }
            }
            return Behaviors.same();
          })
          .build();
    }));
  }
}
