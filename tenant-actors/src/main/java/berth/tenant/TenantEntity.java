package berth.tenant;

import berth.tenant.StepRunner.ContainerMissing;
import berth.tenant.StepRunner.GaveUp;
import berth.tenant.StepRunner.Observed;
import berth.tenant.StepRunner.Outcome;
import berth.tenant.StepRunner.Succeeded;
import berth.tenant.TenantCommand.Accepted;
import berth.tenant.TenantCommand.CheckContainer;
import berth.tenant.TenantCommand.Get;
import berth.tenant.TenantCommand.Provision;
import berth.tenant.TenantCommand.RecordHandoff;
import berth.tenant.TenantCommand.RecordSecretsChange;
import berth.tenant.TenantCommand.Purge;
import berth.tenant.TenantCommand.PurgeExpired;
import berth.tenant.TenantCommand.Reason;
import berth.tenant.TenantCommand.Rejected;
import berth.tenant.TenantCommand.Reply;
import berth.tenant.TenantCommand.Restore;
import berth.tenant.TenantCommand.Retry;
import berth.tenant.TenantCommand.StepSignal;
import berth.tenant.TenantCommand.Teardown;
import berth.tenant.TenantCommand.Wake;
import berth.tenant.TenantEvent.ContainerCreated;
import berth.tenant.TenantEvent.ContainerStarted;
import berth.tenant.TenantEvent.ProvisioningRequested;
import berth.tenant.TenantEvent.PurgeRequested;
import berth.tenant.TenantEvent.RetryRequested;
import berth.tenant.TenantEvent.SecretsChanged;
import berth.tenant.TenantEvent.SecretsDelivered;
import berth.tenant.TenantEvent.SsoHandoffIssued;
import berth.tenant.TenantEvent.StepFailed;
import berth.tenant.TenantEvent.TeardownRequested;
import berth.tenant.TenantEvent.TenantInitialized;
import berth.tenant.TenantEvent.TenantRetired;
import berth.tenant.TenantEvent.VolumePurged;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReplyBuilderByState;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One tenant: the single writer of its lifecycle in the whole cluster (sharded by slug). It decides,
 * and only decides: a command or a step's outcome becomes events and a reply.
 *
 * <p>Side effects never happen in event handlers. A command persists the intent (for example
 * {@link ProvisioningRequested}, which fixes the container name and spec); after the write, the
 * {@link StepRunner} starts the phase's pending step through the {@link TenantDriver} or
 * {@link TenantGuest} port and reports what became of it, which the entity persists as the next fact.
 * Because every step is idempotent and derived from the persisted state ({@link TenantState#pendingStep()}),
 * a crash at any point is repaired by recovering and running the pending step again: the driver
 * adopts what exists.
 */
public final class TenantEntity
    extends EventSourcedBehaviorWithEnforcedReplies<TenantCommand, TenantEvent, TenantState> {

  public static final EntityTypeKey<TenantCommand> TYPE_KEY =
      EntityTypeKey.create(TenantCommand.class, "Tenant");

  /** Every event carries this tag; the read-model projection consumes it. */
  public static final String TAG = "tenant";

  private final String slug;
  private final ActorContext<TenantCommand> context;
  private final TenantSettings settings;
  private final Clock clock;
  private final StepRunner runner;
  private final PublishedRoute route;
  private final Healing healing;

  /** Registers the entity with cluster sharding on this node. */
  public static void init(ActorSystem<?> system, TenantPorts ports, TenantSettings settings, Clock clock) {
    ClusterSharding sharding = ClusterSharding.get(system);
    // a tenant waiting in line for a slot gets no messages; one sent to itself through the shard keeps
    // the shard from passivating it as idle (which would drop it from the line)
    sharding.init(Entity.of(TYPE_KEY, ctx -> create(ctx.getEntityId(), ports, settings, clock,
        () -> sharding.entityRefFor(TYPE_KEY, ctx.getEntityId()).tell(new TenantCommand.Wake()))));
  }

  public static Behavior<TenantCommand> create(String slug, TenantPorts ports, TenantSettings settings, Clock clock) {
    return create(slug, ports, settings, clock, () -> {});
  }

  static Behavior<TenantCommand> create(String slug, TenantPorts ports, TenantSettings settings, Clock clock,
      Runnable keepAlive) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new TenantEntity(slug, ctx, settings, clock,
        new StepRunner(slug, ctx, timers, ports, settings, clock, keepAlive), new PublishedRoute(slug, ports.routes()))));
  }

  public static PersistenceId persistenceId(String slug) {
    return PersistenceId.of(TYPE_KEY.name(), slug);
  }

  private TenantEntity(String slug, ActorContext<TenantCommand> context, TenantSettings settings, Clock clock,
      StepRunner runner, PublishedRoute route) {
    super(
        persistenceId(slug),
        SupervisorStrategy.restartWithBackoff(settings.minBackoff(), settings.maxBackoff(), settings.randomFactor()));
    this.slug = slug;
    this.context = context;
    this.settings = settings;
    this.clock = clock;
    this.runner = runner;
    this.route = route;
    this.healing = new Healing(slug, settings, clock, context.getLog(), FleetMetrics.get(context.getSystem()));
  }

  @Override
  public TenantState emptyState() {
    return TenantState.empty(slug);
  }

  @Override
  public Set<String> tagsFor(TenantEvent event) {
    return Set.of(TAG, Provenance.AUDIT_TAG);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), settings.snapshotsKept());
  }

  @Override
  public SignalHandler<TenantState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          if (state.pendingStep() != null) {
            context.getLog().info("Tenant {} recovered in {}; resuming {}", slug, state.phase(), state.pendingStep());
          }
          advance(state);
        })
        .onSignal(PostStop.instance(), state -> runner.stopped())
        .build();
  }

  // ---------------------------------------------------------------- commands, one handler per phase

  @Override
  public CommandHandlerWithReply<TenantCommand, TenantEvent, TenantState> commandHandler() {
    CommandHandlerWithReplyBuilder<TenantCommand, TenantEvent, TenantState> b = newCommandHandlerWithReplyBuilder();

    phases(b, Phase.EMPTY)
        .onCommand(Provision.class, this::provision)
        .onCommand(Teardown.class, (s, c) -> notFound(c.replyTo()))
        .onCommand(Retry.class, (s, c) -> notFound(c.replyTo()))
        .onCommand(Restore.class, (s, c) -> notFound(c.replyTo()))
        .onCommand(Purge.class, (s, c) -> notFound(c.replyTo()))
        .onCommand(RecordSecretsChange.class, (s, c) -> notFound(c.replyTo()))
        .onCommand(Get.class, (s, c) -> notFound(c.replyTo()));

    phases(b, Phase.RETIRED)
        .onCommand(Provision.class, (s, c) -> s.retention() != null
            ? reject(c.replyTo(), Reason.ILLEGAL_STATE, "the data of retired tenant '" + slug + "' is kept until "
                + s.retention().until() + "; restore it, or purge it before provisioning the slug anew")
            : provision(s, c))
        .onCommand(Restore.class, this::restore)
        .onCommand(Purge.class, this::purge)
        .onCommand(RecordSecretsChange.class, (s, c) -> inactive(s, c.replyTo()))
        .onCommand(Teardown.class, (s, c) -> reject(c.replyTo(), Reason.ILLEGAL_STATE,
            "tenant '" + slug + "' is already retired"))
        .onCommand(Retry.class, (s, c) -> reject(c.replyTo(), Reason.ILLEGAL_STATE,
            "tenant '" + slug + "' is retired; provision it again"))
        .onCommand(Get.class, (s, c) -> accept(c.replyTo(), s));

    phases(b, Phase.PROVISIONING, Phase.INITIALIZING, Phase.READY)
        .onCommand(Provision.class, (s, c) -> alreadyExists(s, c.replyTo()))
        .onCommand(Restore.class, (s, c) -> notRetired(s, c.replyTo()))
        .onCommand(Purge.class, (s, c) -> notRetired(s, c.replyTo()))
        .onCommand(RecordSecretsChange.class, this::secretsChanged)
        .onCommand(Teardown.class, this::teardown)
        .onCommand(Retry.class, (s, c) -> reject(c.replyTo(), Reason.ILLEGAL_STATE,
            "tenant '" + slug + "' is " + s.phase() + "; only a FAILED tenant can be retried"))
        .onCommand(Get.class, (s, c) -> accept(c.replyTo(), s));

    phases(b, Phase.FAILED)
        .onCommand(Provision.class, (s, c) -> alreadyExists(s, c.replyTo()))
        // a failed purge is retried, not torn down again: that would keep the data for a new window
        .onCommand(Teardown.class, (s, c) -> s.failure().phase() == Phase.RETIRED ? reject(c.replyTo(),
            Reason.ILLEGAL_STATE, "tenant '" + slug + "' failed to purge its data; retry the purge") : teardown(s, c))
        .onCommand(Restore.class, (s, c) -> notRetired(s, c.replyTo()))
        .onCommand(Purge.class, (s, c) -> notRetired(s, c.replyTo()))
        .onCommand(RecordSecretsChange.class, this::secretsChanged)
        .onCommand(Retry.class, this::retry)
        .onCommand(Get.class, (s, c) -> accept(c.replyTo(), s));

    phases(b, Phase.TEARING_DOWN)
        .onCommand(Provision.class, (s, c) -> reject(c.replyTo(), Reason.ALREADY_EXISTS,
            "tenant '" + slug + "' is being torn down; provision it again once it is RETIRED"))
        .onCommand(Restore.class, (s, c) -> notRetired(s, c.replyTo()))
        .onCommand(Purge.class, (s, c) -> notRetired(s, c.replyTo()))
        .onCommand(RecordSecretsChange.class, (s, c) -> inactive(s, c.replyTo()))
        // Asking again for what is already under way is answered with the current state, not an error.
        .onCommand(Teardown.class, (s, c) -> accept(c.replyTo(), s))
        .onCommand(Retry.class, (s, c) -> reject(c.replyTo(), Reason.ILLEGAL_STATE,
            "tenant '" + slug + "' is being torn down; only a FAILED tenant can be retried"))
        .onCommand(Get.class, (s, c) -> accept(c.replyTo(), s));

    return b.build();
  }

  /** The handler for these phases, plus what all handle alike: wake-ups, runner signals, checks, purges due. */
  private CommandHandlerWithReplyBuilderByState<TenantCommand, TenantEvent, TenantState, TenantState> phases(
      CommandHandlerWithReplyBuilder<TenantCommand, TenantEvent, TenantState> b, Phase first, Phase... more) {
    Set<Phase> these = EnumSet.of(first, more);
    return b.forState(s -> these.contains(s.phase()))
        .onCommand(Wake.class, (s, c) -> Effect().none().thenRun(this::advance).thenNoReply())
        .onCommand(StepSignal.class, (s, c) -> runner.on(c, s).map(outcome -> decide(s, outcome))
            .orElseGet(() -> Effect().none().thenNoReply()))
        .onCommand(CheckContainer.class, (s, c) -> {
          if (s.phase() == Phase.READY) {
            runner.inspect(s.containerName(), c.hint());
          }
          return Effect().none().thenNoReply();
        })
        .onCommand(PurgeExpired.class, this::purgeIfExpired)
        .onCommand(RecordHandoff.class, (s, c) -> s.phase() == Phase.EMPTY ? notFound(c.replyTo())
            : s.phase() != Phase.READY ? reject(c.replyTo(), Reason.ILLEGAL_STATE,
            "tenant '" + slug + "' is " + s.phase() + "; sign-in needs a READY tenant")
            : Effect().persist(new SsoHandoffIssued(c.tokenId(), c.expiresAt(), c.provenance()))
                .thenReply(c.replyTo(), this::accepted));
  }

  /** Records what changed (names and version, never a value); a READY tenant then owes INITIALIZE again. */
  private ReplyEffect<TenantEvent, TenantState> secretsChanged(TenantState s, RecordSecretsChange c) {
    return Effect().persist(new SecretsChanged(c.names(), c.version(), c.provenance())).thenRun(this::advance)
        .thenReply(c.replyTo(), this::accepted);
  }

  private ReplyEffect<TenantEvent, TenantState> inactive(TenantState s, ActorRef<Reply> replyTo) {
    return reject(replyTo, Reason.ILLEGAL_STATE, "tenant '" + slug + "' is " + s.phase() + "; its secrets cannot change");
  }

  /** A new incarnation on the retained data volume: the tenant comes back with what it had written. */
  private ReplyEffect<TenantEvent, TenantState> restore(TenantState s, Restore c) {
    if (s.retention() == null || s.retention().purging()) {
      return reject(c.replyTo(), Reason.ILLEGAL_STATE, "no data of tenant '" + slug + "' is kept to restore"
          + (s.retention() == null ? "" : ": it is being purged"));
    }
    int incarnation = s.incarnation() + 1;
    ProvisioningRequested event = new ProvisioningRequested(slug, s.displayName(), incarnation,
        settings.specFor(slug, incarnation, keptImage(s)), settings.containerName(slug), s.retention().volume(),
        c.provenance(), true);
    return Effect().persist(event).thenRun(this::advance).thenReply(c.replyTo(), this::accepted);
  }

  private ReplyEffect<TenantEvent, TenantState> purge(TenantState s, Purge c) {
    if (s.retention() == null) {
      return reject(c.replyTo(), Reason.ILLEGAL_STATE, "no data of tenant '" + slug + "' is kept");
    }
    if (s.retention().purging()) {
      return accept(c.replyTo(), s); // already under way
    }
    return Effect().persist(new PurgeRequested(c.provenance())).thenRun(this::advance).thenReply(c.replyTo(), this::accepted);
  }

  /** The reconcile loop's nudge: data kept past its retention is purged, by the system, with the reason. */
  private ReplyEffect<TenantEvent, TenantState> purgeIfExpired(TenantState s, PurgeExpired c) {
    Instant now = clock.instant();
    if (s.phase() != Phase.RETIRED || s.retention() == null || s.retention().purging() || !s.retention().expiredAt(now)) {
      return Effect().none().thenRun(this::advance).thenNoReply(); // a wake-up all the same: a purge owed resumes
    }
    String why = "retention of the data expired at " + s.retention().until();
    return Effect().persist(new PurgeRequested(Provenance.system(why, now, "purge-" + UUID.randomUUID())))
        .thenRun(this::advance).thenNoReply();
  }

  private ReplyEffect<TenantEvent, TenantState> notRetired(TenantState s, ActorRef<Reply> replyTo) {
    return reject(replyTo, Reason.ILLEGAL_STATE,
        "tenant '" + slug + "' is " + s.phase() + "; only a RETIRED tenant's kept data can be restored or purged");
  }

  /**
   * The image a restored tenant runs: the one chosen for its previous incarnation, by name, so the name's
   * current image (an upgraded tag) — or the default image if the name is no longer offered.
   */
  private String keptImage(TenantState s) {
    String name = s.spec() == null ? null : s.spec().labels().get(Labels.IMAGE);
    if (name != null && !settings.images().containsKey(name)) {
      context.getLog().warn("Tenant '{}' ran image '{}', which berth.tenant.images no longer names; restoring it with the default image",
          slug, name);
      return null;
    }
    return name;
  }

  private ReplyEffect<TenantEvent, TenantState> provision(TenantState s, Provision c) {
    if (c.image() != null && !settings.images().containsKey(c.image())) {
      return reject(c.replyTo(), Reason.INVALID, settings.unknownImage(c.image()));
    }
    int incarnation = s.incarnation() + 1;
    ProvisioningRequested event = new ProvisioningRequested(slug, c.displayName(), incarnation,
        settings.specFor(slug, incarnation, c.image()), settings.containerName(slug), settings.volumeName(slug),
        c.provenance());
    return Effect().persist(event).thenRun(this::advance).thenReply(c.replyTo(), this::accepted);
  }

  private ReplyEffect<TenantEvent, TenantState> teardown(TenantState s, Teardown c) {
    return Effect()
        .persist(new TeardownRequested(c.provenance()))
        .thenRun(this::advance)
        .thenReply(c.replyTo(), this::accepted);
  }

  private ReplyEffect<TenantEvent, TenantState> retry(TenantState s, Retry c) {
    return Effect()
        .persist(new RetryRequested(s.failure().phase(), c.provenance()))
        .thenRun(next -> {
          runner.freshBudget(); // an operator retry earns the step a fresh budget
          advance(next);
        })
        .thenReply(c.replyTo(), this::accepted);
  }

  private ReplyEffect<TenantEvent, TenantState> alreadyExists(TenantState s, ActorRef<Reply> replyTo) {
    return reject(replyTo, Reason.ALREADY_EXISTS, "tenant '" + slug + "' already exists (" + s.phase() + ")");
  }

  // ---------------------------------------------------------------- outcomes

  private ReplyEffect<TenantEvent, TenantState> decide(TenantState s, Outcome outcome) {
    if (outcome instanceof Succeeded ok) {
      return Effect().persist(stepDone(s, ok)).thenRun(this::advance).thenNoReply();
    } else if (outcome instanceof GaveUp g) {
      StepFailed failed = new StepFailed(s.phase(), g.step(), g.reason(), g.attempts(), systemProvenance(s, g.summary()));
      return Effect().persist(failed).thenRun(this::advance).thenNoReply();
    } else if (outcome instanceof ContainerMissing m) {
      // removed behind our back before it could be started (docker rm -f races with its own die event):
      // record the loss; the owed step becomes CREATE, on the same volume
      return persistAll(healing.lost(s, ContainerLoss.REMOVED, m.reason()));
    }
    Observed seen = (Observed) outcome;
    return s.phase() == Phase.READY ? persistAll(healing.observed(s, seen)) : Effect().none().thenNoReply();
  }

  /** Persists the events (none: nothing to do) and lets the runner start what the state then owes. */
  private ReplyEffect<TenantEvent, TenantState> persistAll(List<TenantEvent> events) {
    return events.isEmpty() ? Effect().none().thenNoReply()
        : Effect().persist(events).thenRun(this::advance).thenNoReply();
  }

  private TenantEvent stepDone(TenantState s, Succeeded ok) {
    Provenance by = systemProvenance(s, ok.step().describeDone(settings.retention()));
    return switch (ok.step()) {
      case CREATE -> new ContainerCreated(ok.container().id(), ok.adopted(), by);
      case START -> new ContainerStarted(ok.container().id(), ok.container().endpoint(), by);
      case INITIALIZE -> s.phase() == Phase.READY ? new SecretsDelivered(ok.secretsVersion(), by)
          : s.recovering() ? healing.recovered(s, by, ok.secretsVersion())
          : new TenantInitialized(s.endpoint(), by, ok.secretsVersion());
      case REMOVE -> new TenantRetired(s.containerName(), s.volumeName(),
          settings.retention().isZero() ? null : clock.instant().plus(settings.retention()), by);
      case PURGE -> new VolumePurged(s.retention().volume(), by);
    };
  }

  // ---------------------------------------------------------------- after every change

  /** Publishes the tenant's route if it changed, then lets the runner start what the state owes. */
  private void advance(TenantState state) {
    route.follow(state);
    runner.advance(state);
  }

  private Provenance systemProvenance(TenantState s, String reason) {
    String correlation = s.operationCorrelationId() != null ? s.operationCorrelationId() : "none";
    return Provenance.system(reason, clock.instant(), correlation);
  }


  private Accepted accepted(TenantState s) {
    StepRunner.Progress p = runner.progress();
    return new Accepted(TenantView.of(s, context.getSystem().address().toString(), p.attempt(), p.lastFailure(),
        p.waitingForSlot()));
  }

  private ReplyEffect<TenantEvent, TenantState> accept(ActorRef<Reply> to, TenantState s) {
    return Effect().reply(to, accepted(s));
  }

  private ReplyEffect<TenantEvent, TenantState> notFound(ActorRef<Reply> to) {
    return reject(to, Reason.NOT_FOUND, "no tenant '" + slug + "'");
  }

  private ReplyEffect<TenantEvent, TenantState> reject(ActorRef<Reply> to, Reason reason, String message) {
    return Effect().reply(to, new Rejected(reason, message));
  }

  // ---------------------------------------------------------------- events

  /** The fold is {@link TenantState#apply}: the same code replays the journal for the audit's state at an instant. */
  @Override
  public EventHandler<TenantState, TenantEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(TenantState::apply);
  }
}
