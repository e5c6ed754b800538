package berth.tenant;

import berth.tenant.TenantDirectory.TenantSummary;
import com.typesafe.config.Config;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * The reconcile loop: compares what the journal (through the read model) says with what the driver
 * reports, and converges. One instance runs in the cluster (a cluster singleton). Each pass:
 *
 * <ul>
 *   <li>asks every RETIRED tenant whose kept data is due (retention expired, or a purge under way) to
 *       purge it; the entity decides and journals it;
 *   <li>wakes every tenant mid-operation (PROVISIONING, INITIALIZING, TEARING_DOWN), so interrupted
 *       operations and teardowns resume with no request; the first pass after start wakes every active
 *       tenant, which republishes its route (the route table is rebuilt after a full restart);
 *   <li>asks every READY tenant whose container is missing, stopped or replaced to check it (the
 *       backstop for container events that were missed);
 *   <li>removes orphans: containers with this fleet's labels that no tenant wants, once they have been
 *       seen orphaned for the grace period and the tenant's own entity (not the lagging read model)
 *       confirms it has no intent for that name. A container being created right now belongs to a
 *       PROVISIONING tenant under that very name, so it is never reaped.
 * </ul>
 *
 * Every action is logged with its reason. Waking or checking a tenant that needs nothing is harmless.
 */
public final class Reconciler extends AbstractBehavior<Reconciler.Command> {
  interface Command {}

  private enum Tick implements Command { INSTANCE }

  private record Listed(List<TenantSummary> tenants, Throwable failure) implements Command {}

  private record Observed(List<TenantSummary> tenants, List<ContainerInfo> containers, Throwable failure)
      implements Command {}

  private record Confirmed(ContainerInfo container, TenantView tenant, boolean unknownTenant, Throwable failure)
      implements Command {}

  private record Reaped(ContainerInfo container, String why, Throwable failure) implements Command {}

  /** Settings of the loop: the {@code berth.reconcile} namespace (defaults in this module's reference.conf). */
  public record Settings(Duration initialDelay, Duration interval, Duration orphanGrace, Duration askTimeout) {
    public static Settings fromConfig(Config root) {
      Config c = root.getConfig("berth.reconcile");
      return new Settings(c.getDuration("initial-delay"), c.getDuration("interval"), c.getDuration("orphan-grace"),
          c.getDuration("ask-timeout"));
    }
  }

  private final TenantDirectory directory;
  private final TenantDriver driver;
  private final Settings settings;
  private final Clock clock;
  private final ClusterSharding sharding;
  private final FleetMetrics metrics;
  /** Orphan candidates by container id, with when this instance first saw them orphaned. */
  private final Map<String, Instant> orphanedSince = new HashMap<>();
  private boolean firstPass = true;
  /** A pass is under way (its directory or container listing not answered yet): the next tick skips. */
  private boolean passing;
  private Instant passStarted;

  public static void init(ActorSystem<?> system, TenantDirectory directory, TenantDriver driver, Settings settings,
      Clock clock) {
    if (settings.interval().isZero()) {
      return;
    }
    ClusterSingleton.get(system).init(SingletonActor.of(
        Behaviors.<Command>setup(ctx -> Behaviors.withTimers(timers ->
            new Reconciler(ctx, timers, directory, driver, settings, clock))), "tenant-reconciler"));
  }

  private Reconciler(ActorContext<Command> ctx, TimerScheduler<Command> timers, TenantDirectory directory,
      TenantDriver driver, Settings settings, Clock clock) {
    super(ctx);
    this.directory = directory;
    this.driver = driver;
    this.settings = settings;
    this.clock = clock;
    this.sharding = ClusterSharding.get(ctx.getSystem());
    this.metrics = FleetMetrics.get(ctx.getSystem());
    timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.initialDelay(), settings.interval());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessageEquals(Tick.INSTANCE, () -> {
          if (passing) {
            // a slow database or engine: a pass does not start while the previous one waits for its
            // listings, unless those never came (a hung query): then it is given up on
            Duration waited = Duration.between(passStarted, clock.instant());
            if (waited.compareTo(settings.interval().multipliedBy(4).plusMinutes(1)) < 0) {
              getContext().getLog().debug("Reconcile: the previous pass is still running; skipping this tick");
              return this;
            }
            getContext().getLog().warn("Reconcile: the previous pass got no listing in {}; starting another", waited);
          }
          passing = true;
          passStarted = clock.instant();
          getContext().pipeToSelf(directory.list(), Listed::new);
          return this;
        })
        .onMessage(Listed.class, this::wake)
        .onMessage(Observed.class, this::compare)
        .onMessage(Confirmed.class, this::reapIfStillOrphaned)
        .onMessage(Reaped.class, this::reaped)
        .build();
  }

  private Behavior<Command> wake(Listed listed) {
    if (listed.failure() != null) {
      passing = false;
      getContext().getLog().warn("Reconcile: could not read the tenant directory: {}", listed.failure().toString());
      return this;
    }
    boolean wakeAllActive = firstPass;
    firstPass = false;
    Instant now = clock.instant();
    for (TenantSummary t : listed.tenants()) {
      if (t.phase().inTransition() || (wakeAllActive && t.phase().active())) {
        getContext().getLog().debug("Reconcile: waking tenant {} ({})", t.slug(), t.phase());
        sharding.entityRefFor(TenantEntity.TYPE_KEY, t.slug()).tell(new TenantCommand.Wake());
        metrics.increment(FleetMetrics.RECONCILE, "action", "wake");
      } else if (t.phase() == Phase.RETIRED && t.retainedUntil() != null && !t.retainedUntil().isAfter(now)) {
        // the entity decides (it knows the exact retention) and journals the purge
        getContext().getLog().info("Reconcile: tenant {}'s kept data is due for deletion", t.slug());
        sharding.entityRefFor(TenantEntity.TYPE_KEY, t.slug()).tell(new TenantCommand.PurgeExpired());
        metrics.increment(FleetMetrics.RECONCILE, "action", "purge_due");
      }
    }
    getContext().pipeToSelf(driver.listManaged(), (containers, error) -> new Observed(listed.tenants(), containers, error));
    return this;
  }

  private Behavior<Command> compare(Observed observed) {
    passing = false;
    if (observed.failure() != null) {
      getContext().getLog().warn("Reconcile: could not list tenant containers: {}", observed.failure().toString());
      return this;
    }
    Map<String, TenantSummary> tenants = observed.tenants().stream()
        .collect(Collectors.toMap(TenantSummary::slug, t -> t, (a, b) -> a));
    Map<String, ContainerInfo> byName = new HashMap<>();
    observed.containers().forEach(c -> byName.put(c.name(), c));

    for (TenantSummary t : observed.tenants()) {
      if (t.phase() != Phase.READY) continue;
      ContainerInfo c = byName.get(t.containerName());
      if (c == null || !c.running() || !c.id().equals(t.containerId())) {
        String why = c == null ? "container missing" : !c.running() ? "container not running" : "container replaced";
        getContext().getLog().info("Reconcile: tenant {}: {}; asking it to check", t.slug(), why);
        sharding.entityRefFor(TenantEntity.TYPE_KEY, t.slug()).tell(new TenantCommand.CheckContainer("reconcile: " + why));
        metrics.increment(FleetMetrics.RECONCILE, "action", "check");
      }
    }

    Instant now = clock.instant();
    Set<String> present = observed.containers().stream().map(ContainerInfo::id).collect(Collectors.toSet());
    orphanedSince.keySet().retainAll(present);
    for (ContainerInfo c : observed.containers()) {
      TenantSummary t = c.tenantId() == null ? null : tenants.get(c.tenantId());
      boolean wanted = t != null && t.phase() != Phase.RETIRED && c.name().equals(t.containerName());
      if (wanted) {
        orphanedSince.remove(c.id());
        continue;
      }
      Instant since = orphanedSince.computeIfAbsent(c.id(), id -> now);
      if (Duration.between(since, now).compareTo(settings.orphanGrace()) >= 0) {
        confirmWithEntity(c);
      }
    }
    metrics.increment(FleetMetrics.RECONCILE_PASSES);
    Duration took = Duration.between(passStarted, clock.instant());
    metrics.add(FleetMetrics.RECONCILE_PASS_MILLIS, took.toMillis());
    if (took.compareTo(settings.interval()) > 0) {
      getContext().getLog().info("Reconcile: a pass over {} tenants and {} containers took {} (interval {})",
          observed.tenants().size(), observed.containers().size(), took, settings.interval());
    }
    return this;
  }

  /** The read model lags; the tenant's entity knows for sure whether it is creating this container. */
  private void confirmWithEntity(ContainerInfo c) {
    if (c.tenantId() == null || c.tenantId().isBlank()) {
      getContext().getSelf().tell(new Confirmed(c, null, true, null));
      return;
    }
    var reply = sharding.entityRefFor(TenantEntity.TYPE_KEY, c.tenantId())
        .<TenantCommand.Reply>ask(TenantCommand.Get::new, settings.askTimeout());
    getContext().pipeToSelf(reply, (r, error) -> error != null ? new Confirmed(c, null, false, error)
        : r instanceof TenantCommand.Accepted a ? new Confirmed(c, a.tenant(), false, null)
        : new Confirmed(c, null, true, null));
  }

  private Behavior<Command> reapIfStillOrphaned(Confirmed confirmed) {
    ContainerInfo c = confirmed.container();
    if (confirmed.failure() != null) {
      getContext().getLog().warn("Reconcile: tenant {} did not answer about container {}; not removing it: {}",
          c.tenantId(), c.name(), confirmed.failure().toString());
      return this;
    }
    TenantView t = confirmed.tenant();
    String why;
    if (confirmed.unknownTenant() || t == null || t.phase() == Phase.EMPTY) {
      why = "no tenant '" + c.tenantId() + "' exists";
    } else if (t.phase() == Phase.RETIRED) {
      why = "tenant '" + c.tenantId() + "' is retired";
    } else if (!c.name().equals(t.containerName())) {
      why = "tenant '" + c.tenantId() + "' runs as " + t.containerName() + ", not " + c.name();
    } else {
      orphanedSince.remove(c.id()); // the entity wants it (it may be creating it right now)
      return this;
    }
    getContext().getLog().warn("Reconcile: removing orphan container {} ({}; labels {}): {}", c.name(), c.id(),
        c.labels().getOrDefault(Labels.TENANT, "-"), why);
    getContext().pipeToSelf(driver.removeContainer(c.id()), (done, error) -> new Reaped(c, why, error));
    return this;
  }

  private Behavior<Command> reaped(Reaped reaped) {
    if (reaped.failure() != null) {
      getContext().getLog().warn("Reconcile: could not remove orphan container {}: {}", reaped.container().name(),
          reaped.failure().toString());
    } else {
      orphanedSince.remove(reaped.container().id());
      metrics.increment(FleetMetrics.RECONCILE, "action", "orphan_removed");
      getContext().getLog().info("Reconcile: removed orphan container {} ({})", reaped.container().name(), reaped.why());
    }
    return this;
  }
}
