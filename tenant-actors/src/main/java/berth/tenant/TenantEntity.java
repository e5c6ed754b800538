package berth.tenant;

import berth.tenant.TenantCommand.Accepted;
import berth.tenant.TenantCommand.CheckContainer;
import berth.tenant.TenantCommand.ContainerObserved;
import berth.tenant.TenantCommand.Get;
import berth.tenant.TenantCommand.Provision;
import berth.tenant.TenantCommand.Reason;
import berth.tenant.TenantCommand.Rejected;
import berth.tenant.TenantCommand.Reply;
import berth.tenant.TenantCommand.Retry;
import berth.tenant.TenantCommand.RetryStep;
import berth.tenant.TenantCommand.StepAttemptFailed;
import berth.tenant.TenantCommand.StepOverdue;
import berth.tenant.TenantCommand.StepSucceeded;
import berth.tenant.TenantCommand.Teardown;
import berth.tenant.TenantCommand.Wake;
import berth.tenant.TenantEvent.ContainerCreated;
import berth.tenant.TenantEvent.ContainerLost;
import berth.tenant.TenantEvent.ContainerRecovered;
import berth.tenant.TenantEvent.ContainerStarted;
import berth.tenant.TenantEvent.ProvisioningRequested;
import berth.tenant.TenantEvent.RetryRequested;
import berth.tenant.TenantEvent.StepFailed;
import berth.tenant.TenantEvent.TeardownRequested;
import berth.tenant.TenantEvent.TenantInitialized;
import berth.tenant.TenantEvent.TenantRetired;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One tenant: the single writer of its lifecycle in the whole cluster (sharded by slug).
 *
 * <p>Side effects never happen in event handlers. A command persists the intent (for example
 * {@link ProvisioningRequested}, which fixes the container name and spec); after the write, the
 * entity starts the phase's pending step through the {@link TenantDriver} or {@link TenantGuest} port
 * and receives the outcome as a message, which it persists as the next fact. Because every step is
 * idempotent and derived from the persisted state ({@link TenantState#pendingStep()}), a crash at any
 * point is repaired by recovering and running the pending step again: the driver adopts what exists.
 *
 * <p>Attempt counters and the in-flight marker live in this instance only; they are deliberately not
 * journaled, so a restart gives a step a fresh budget.
 */
public final class TenantEntity
    extends EventSourcedBehaviorWithEnforcedReplies<TenantCommand, TenantEvent, TenantState> {

  public static final EntityTypeKey<TenantCommand> TYPE_KEY =
      EntityTypeKey.create(TenantCommand.class, "Tenant");

  /** Every event carries this tag; the read-model projection consumes it. */
  public static final String TAG = "tenant";

  private static final String RETRY_TIMER = "retry-step";
  private static final String DEADLINE_TIMER = "step-deadline";

  private final String slug;
  private final ActorContext<TenantCommand> context;
  private final TimerScheduler<TenantCommand> timers;
  private final TenantDriver driver;
  private final TenantGuest guest;
  private final TenantSettings settings;
  private final RouteTable routes;
  private final Clock clock;
  private final FleetMetrics metrics;
  private RouteTable.Route published;

  private boolean checking;
  private Step inFlight;
  private Step attemptsStep;
  private int attempts;
  private Instant stepStartedAt;

  /** Registers the entity with cluster sharding on this node. */
  public static void init(ActorSystem<?> system, TenantDriver driver, TenantGuest guest, TenantSettings settings,
      RouteTable routes, Clock clock) {
    ClusterSharding.get(system)
        .init(Entity.of(TYPE_KEY, ctx -> create(ctx.getEntityId(), driver, guest, settings, routes, clock)));
  }

  public static Behavior<TenantCommand> create(
      String slug, TenantDriver driver, TenantGuest guest, TenantSettings settings, Clock clock) {
    return create(slug, driver, guest, settings, RouteTable.NONE, clock);
  }

  public static Behavior<TenantCommand> create(String slug, TenantDriver driver, TenantGuest guest,
      TenantSettings settings, RouteTable routes, Clock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(
        timers -> new TenantEntity(slug, ctx, timers, driver, guest, settings, routes, clock)));
  }

  public static PersistenceId persistenceId(String slug) {
    return PersistenceId.of(TYPE_KEY.name(), slug);
  }

  private TenantEntity(
      String slug,
      ActorContext<TenantCommand> context,
      TimerScheduler<TenantCommand> timers,
      TenantDriver driver,
      TenantGuest guest,
      TenantSettings settings,
      RouteTable routes,
      Clock clock) {
    super(
        persistenceId(slug),
        SupervisorStrategy.restartWithBackoff(settings.minBackoff(), settings.maxBackoff(), settings.randomFactor()));
    this.slug = slug;
    this.context = context;
    this.timers = timers;
    this.driver = driver;
    this.guest = guest;
    this.settings = settings;
    this.routes = routes;
    this.clock = clock;
    this.metrics = FleetMetrics.get(context.getSystem());
  }

  @Override
  public TenantState emptyState() {
    return TenantState.empty(slug);
  }

  @Override
  public Set<String> tagsFor(TenantEvent event) {
    return Set.of(TAG);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), 2);
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
        .build();
  }

  // ---------------------------------------------------------------- commands

  @Override
  public CommandHandlerWithReply<TenantCommand, TenantEvent, TenantState> commandHandler() {
    CommandHandlerWithReplyBuilder<TenantCommand, TenantEvent, TenantState> b = newCommandHandlerWithReplyBuilder();

    b.forState(s -> s.phase() == Phase.EMPTY || s.phase() == Phase.RETIRED)
        .onCommand(Provision.class, this::provision)
        .onCommand(Teardown.class, (s, c) -> s.phase() == Phase.EMPTY
            ? reject(c.replyTo(), Reason.NOT_FOUND, "no tenant '" + slug + "'")
            : reject(c.replyTo(), Reason.ILLEGAL_STATE, "tenant '" + slug + "' is already retired"))
        .onCommand(Retry.class, (s, c) -> s.phase() == Phase.EMPTY
            ? reject(c.replyTo(), Reason.NOT_FOUND, "no tenant '" + slug + "'")
            : reject(c.replyTo(), Reason.ILLEGAL_STATE, "tenant '" + slug + "' is retired; provision it again"))
        .onCommand(Get.class, (s, c) -> s.phase() == Phase.EMPTY
            ? reject(c.replyTo(), Reason.NOT_FOUND, "no tenant '" + slug + "'")
            : accept(c.replyTo(), s));

    b.forState(s -> s.phase() == Phase.PROVISIONING || s.phase() == Phase.INITIALIZING || s.phase() == Phase.READY)
        .onCommand(Provision.class, (s, c) -> alreadyExists(s, c.replyTo()))
        .onCommand(Teardown.class, this::teardown)
        .onCommand(Retry.class, (s, c) -> reject(c.replyTo(), Reason.ILLEGAL_STATE,
            "tenant '" + slug + "' is " + s.phase() + "; only a FAILED tenant can be retried"));

    b.forState(s -> s.phase() == Phase.FAILED)
        .onCommand(Provision.class, (s, c) -> alreadyExists(s, c.replyTo()))
        .onCommand(Teardown.class, this::teardown)
        .onCommand(Retry.class, this::retry);

    b.forState(s -> s.phase() == Phase.TEARING_DOWN)
        .onCommand(Provision.class, (s, c) -> reject(c.replyTo(), Reason.ALREADY_EXISTS,
            "tenant '" + slug + "' is being torn down; provision it again once it is RETIRED"))
        // Asking again for what is already under way is answered with the current state, not an error.
        .onCommand(Teardown.class, (s, c) -> accept(c.replyTo(), s))
        .onCommand(Retry.class, (s, c) -> reject(c.replyTo(), Reason.ILLEGAL_STATE,
            "tenant '" + slug + "' is being torn down; only a FAILED tenant can be retried"));

    b.forState(s -> s.phase() == Phase.READY)
        .onCommand(CheckContainer.class, this::checkContainer)
        .onCommand(ContainerObserved.class, this::containerObserved);

    b.forAnyState()
        .onCommand(Get.class, (s, c) -> accept(c.replyTo(), s))
        // only a READY tenant's container is watched; in other phases the owed step decides
        .onCommand(CheckContainer.class, (s, c) -> Effect().none().thenNoReply())
        .onCommand(ContainerObserved.class, (s, c) -> {
          checking = false;
          return Effect().none().thenNoReply();
        })
        .onCommand(Wake.class, (s, c) -> Effect().none().thenRun(this::advance).thenNoReply())
        .onCommand(StepSucceeded.class, this::stepSucceeded)
        .onCommand(StepAttemptFailed.class, this::stepAttemptFailed)
        .onCommand(RetryStep.class, (s, c) -> Effect().none().thenRun(this::advance).thenNoReply())
        .onCommand(StepOverdue.class, this::stepOverdue);

    return b.build();
  }

  private ReplyEffect<TenantEvent, TenantState> provision(TenantState s, Provision c) {
    int incarnation = s.incarnation() + 1;
    ProvisioningRequested event = new ProvisioningRequested(
        slug,
        c.displayName(),
        incarnation,
        settings.specFor(slug, incarnation),
        settings.containerName(slug),
        settings.volumeName(slug),
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
    Phase resumed = s.failure().phase();
    return Effect()
        .persist(new RetryRequested(resumed, c.provenance()))
        .thenRun(next -> {
          attemptsStep = null; // an operator retry earns the step a fresh budget
          advance(next);
        })
        .thenReply(c.replyTo(), this::accepted);
  }

  private ReplyEffect<TenantEvent, TenantState> alreadyExists(TenantState s, ActorRef<Reply> replyTo) {
    return reject(replyTo, Reason.ALREADY_EXISTS, "tenant '" + slug + "' already exists (" + s.phase() + ")");
  }

  /**
   * The step's deadline passed. If its call is still outstanding the step is wedged (a hung daemon,
   * a guest that accepts connections and never answers): it is failed with that reason, so the tenant
   * shows it and an operator can retry, instead of waiting forever. A late answer is then ignored.
   * A step merely waiting out a backoff fails on its next attempt's failure (deadline exceeded).
   */
  private ReplyEffect<TenantEvent, TenantState> stepOverdue(TenantState s, StepOverdue c) {
    if (inFlight != c.step()) {
      return Effect().none().thenNoReply();
    }
    inFlight = null;
    metrics.increment(FleetMetrics.WEDGED, "step", c.step().name().toLowerCase());
    if (s.pendingStep() != c.step()) {
      // superseded (a teardown arrived while it hung): stop waiting for it and do what is owed now;
      // anything it creates late is an orphan the reconcile loop removes
      context.getLog().warn("Tenant {} step {} is wedged; going on with {}", slug, c.step(), s.pendingStep());
      return Effect().none().thenRun(this::advance).thenNoReply();
    }
    metrics.increment(FleetMetrics.STEP_FAILURES, "step", c.step().name().toLowerCase());
    String why = "wedged: " + c.step() + " got no answer within its deadline of " + settings.stepDeadlines().get(c.step());
    context.getLog().warn("Tenant {} step {}", slug, why);
    StepFailed failed = new StepFailed(s.phase(), c.step(), why, attempts, systemProvenance(s, why));
    return Effect().persist(failed).thenRun(this::advance).thenNoReply();
  }

  // ---------------------------------------------------------------- healing

  private ReplyEffect<TenantEvent, TenantState> checkContainer(TenantState s, CheckContainer c) {
    if (checking) {
      return Effect().none().thenNoReply(); // one inspection at a time; a burst of events needs one look
    }
    checking = true;
    context.pipeToSelf(driver.inspect(s.containerName()),
        (info, error) -> error == null ? new ContainerObserved(info.orElse(null), true, c.hint())
            : new ContainerObserved(null, false, c.hint() + "; inspection failed: " + error.getMessage()));
    return Effect().none().thenNoReply();
  }

  /**
   * A READY tenant's container must exist, be the one the journal names, and be running. Anything
   * else is a loss: recorded, then repaired by the usual steps (START, or CREATE on the same volume,
   * then INITIALIZE), unless it is a crash loop. When the driver could not tell, nothing is assumed;
   * the reconcile loop asks again.
   */
  private ReplyEffect<TenantEvent, TenantState> containerObserved(TenantState s, ContainerObserved c) {
    checking = false;
    if (!c.inspected()) {
      context.getLog().info("Tenant {}: could not check its container ({})", slug, c.hint());
      return Effect().none().thenNoReply();
    }
    ContainerInfo seen = c.container();
    String observed;
    if (seen == null) {
      observed = "removed";
    } else if (!seen.id().equals(s.containerId())) {
      observed = "replaced";
    } else if (!seen.running()) {
      observed = "exited";
    } else {
      return Effect().none().thenNoReply();
    }
    return recordLoss(s, observed, c.hint());
  }

  /** Journals the loss and repairs it through the owed steps, or fails the tenant in a crash loop. */
  private ReplyEffect<TenantEvent, TenantState> recordLoss(TenantState s, String observed, String hint) {
    Instant now = clock.instant();
    // a loss found while already recovering from one (docker rm -f: "die", then gone) is the same incident
    String correlationId = s.recovering() ? s.operationCorrelationId() : "heal-" + UUID.randomUUID();
    ContainerLost lost = new ContainerLost(s.containerId(), observed,
        Provenance.system("container " + observed + " (" + hint + ")", now, correlationId));
    long recent = s.lossesSince(now.minus(settings.lossWindow())) + (s.recovering() ? 0 : 1);
    if (recent > settings.maxLosses()) {
      String why = "crash loop: container lost " + recent + " times within " + settings.lossWindow();
      context.getLog().warn("Tenant {} {}; marking it FAILED", slug, why);
      metrics.increment(FleetMetrics.HEALING, "action", "crash_loop");
      StepFailed failed = new StepFailed(Phase.PROVISIONING, Step.START, why, 0,
          Provenance.system(why, now, correlationId));
      return Effect().persist(List.of(lost, failed)).thenRun(this::advance).thenNoReply();
    }
    context.getLog().warn("Tenant {} lost its container ({}, {}); recovering", slug, observed, hint);
    metrics.increment(FleetMetrics.HEALING, "action", "container_lost");
    return Effect().persist(lost).thenRun(this::advance).thenNoReply();
  }

  private ReplyEffect<TenantEvent, TenantState> stepSucceeded(TenantState s, StepSucceeded c) {
    inFlight = null;
    if (s.pendingStep() != c.step()) {
      // The tenant moved on while the step ran (a teardown was requested); run what is owed now.
      return Effect().none().thenRun(this::advance).thenNoReply();
    }
    Provenance by = systemProvenance(s, describe(c.step()));
    TenantEvent event = switch (c.step()) {
      case CREATE -> new ContainerCreated(c.container().id(), c.adopted(), by);
      case START -> new ContainerStarted(c.container().id(), c.container().endpoint(), by);
      case INITIALIZE -> s.recovering()
          ? recovered(s, by)
          : new TenantInitialized(s.endpoint(), by);
      case REMOVE -> new TenantRetired(s.containerName(), s.volumeName(), by);
    };
    return Effect().persist(event).thenRun(this::advance).thenNoReply();
  }

  private ContainerRecovered recovered(TenantState s, Provenance by) {
    metrics.increment(FleetMetrics.HEALING, "action", "container_recovered");
    context.getLog().info("Tenant {} recovered its container", slug);
    return new ContainerRecovered(s.containerId(), s.endpoint(), by);
  }

  private ReplyEffect<TenantEvent, TenantState> stepAttemptFailed(TenantState s, StepAttemptFailed c) {
    inFlight = null;
    if (s.pendingStep() != c.step()) {
      return Effect().none().thenRun(this::advance).thenNoReply();
    }
    if (c.step() == Step.START && c.containerMissing()) {
      // removed behind our back before it could be started (docker rm -f races with its own die event):
      // record the loss; the owed step becomes CREATE, on the same volume
      return recordLoss(s, "removed", c.reason());
    }
    Duration elapsed = Duration.between(stepStartedAt, clock.instant());
    boolean outOfTime = elapsed.compareTo(settings.stepDeadlines().get(c.step())) >= 0;
    boolean outOfAttempts = attempts >= settings.maxAttempts();
    if (!c.retryable() || outOfTime || outOfAttempts) {
      String why = !c.retryable() ? "permanent failure"
          : outOfTime ? "deadline of " + settings.stepDeadlines().get(c.step()) + " exceeded"
          : attempts + " attempts exhausted";
      context.getLog().warn("Tenant {} step {} failed ({}): {}", slug, c.step(), why, c.reason());
      metrics.increment(FleetMetrics.STEP_FAILURES, "step", c.step().name().toLowerCase());
      StepFailed failed = new StepFailed(s.phase(), c.step(), why + ": " + c.reason(), attempts,
          systemProvenance(s, c.step() + " failed: " + why));
      return Effect().persist(failed).thenRun(this::advance).thenNoReply();
    }
    Duration delay = settings.backoff(attempts, ThreadLocalRandom.current().nextDouble());
    context.getLog().info("Tenant {} step {} attempt {} failed, retrying in {} ms: {}",
        slug, c.step(), attempts, delay.toMillis(), c.reason());
    timers.startSingleTimer(RETRY_TIMER, new RetryStep(c.step()), delay);
    return Effect().none().thenNoReply();
  }

  // ---------------------------------------------------------------- steps

  /**
   * Publishes the tenant's route if it changed, then starts the step the state owes, unless one is
   * running or waiting out its backoff. Runs after every persisted event, on recovery and on wake-ups.
   */
  private void advance(TenantState state) {
    publishRoute(state);
    Step step = state.pendingStep();
    if (step == null) {
      timers.cancel(RETRY_TIMER);
      timers.cancel(DEADLINE_TIMER);
      attemptsStep = null; // the next step, even of the same kind, starts with a fresh budget
      return;
    }
    if (inFlight != null) {
      return;
    }
    if (step != attemptsStep) {
      timers.cancel(RETRY_TIMER);
      attemptsStep = step;
      attempts = 0;
      stepStartedAt = clock.instant();
      // a call that never answers must not leave the tenant silently stuck: see stepOverdue
      timers.startSingleTimer(DEADLINE_TIMER, new StepOverdue(step), settings.stepDeadlines().get(step));
    } else if (timers.isTimerActive(RETRY_TIMER)) {
      return;
    }
    attempts++;
    inFlight = step;
    context.pipeToSelf(run(step, state), (result, error) -> error == null ? result : attemptFailed(step, error));
  }

  private void publishRoute(TenantState state) {
    if (state.phase() == Phase.EMPTY) {
      return;
    }
    RouteTable.Route route = new RouteTable.Route(state.phase(), state.endpoint(), state.incarnation());
    if (route.equals(published)) {
      return;
    }
    if (state.phase() == Phase.RETIRED) {
      routes.remove(slug);
    } else {
      routes.publish(slug, route);
    }
    published = route;
  }

  private CompletionStage<TenantCommand> run(Step step, TenantState s) {
    try {
      return switch (step) {
        case CREATE -> driver
            .create(new ContainerSpec(slug, s.incarnation(), s.containerName(), s.volumeName(), s.spec(),
                TenantEnv.values(slug, s.incarnation())))
            .thenApply(created -> new StepSucceeded(step, created.container(), created.adopted()));
        case START -> driver.start(s.containerName()).thenApply(info -> {
          if (!info.running() || info.endpoint() == null) {
            throw DriverException.retryable("container " + s.containerName() + " is not running and published", null);
          }
          return new StepSucceeded(step, info, false);
        });
        case INITIALIZE -> guest.checkHealth(s.endpoint())
            .thenCompose(healthy -> guest.deliverInit(s.endpoint(),
                new TenantGuest.InitPayload(slug, s.displayName(), s.incarnation())))
            .thenApply(done -> new StepSucceeded(step, null, false));
        case REMOVE -> driver.remove(s.containerName(), s.volumeName())
            .thenApply(done -> new StepSucceeded(step, null, false));
      };
    } catch (RuntimeException e) {
      // An adapter that throws instead of failing its stage is treated the same way.
      return CompletableFuture.failedFuture(e);
    }
  }

  private static TenantCommand attemptFailed(Step step, Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof DriverException de) {
      return new StepAttemptFailed(step, de.getMessage(), de.retryable(), de.containerMissing());
    }
    // Unknown failures are retried: the step's deadline and attempt budget still bound them.
    return new StepAttemptFailed(step, cause.getClass().getSimpleName() + ": " + cause.getMessage(), true, false);
  }

  private Provenance systemProvenance(TenantState s, String reason) {
    String correlation = s.operationCorrelationId() != null ? s.operationCorrelationId() : "none";
    return Provenance.system(reason, clock.instant(), correlation);
  }

  private static String describe(Step step) {
    return switch (step) {
      case CREATE -> "container created";
      case START -> "container started";
      case INITIALIZE -> "tenant healthy and init payload delivered";
      case REMOVE -> "container and volume removed";
    };
  }

  private Accepted accepted(TenantState s) {
    return new Accepted(s, context.getSystem().address().toString());
  }

  private ReplyEffect<TenantEvent, TenantState> accept(ActorRef<Reply> to, TenantState s) {
    return Effect().reply(to, accepted(s));
  }

  private ReplyEffect<TenantEvent, TenantState> reject(
      ActorRef<Reply> to, Reason reason, String message) {
    return Effect().reply(to, new Rejected(reason, message));
  }

  // ---------------------------------------------------------------- events

  @Override
  public EventHandler<TenantState, TenantEvent> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(ProvisioningRequested.class, TenantState::provisioning)
        .onEvent(ContainerCreated.class, (s, e) -> s.withContainer(e.containerId(), e.provenance().at()))
        .onEvent(ContainerStarted.class, (s, e) ->
            s.withContainer(e.containerId(), e.provenance().at()).withEndpoint(e.endpoint(), Phase.INITIALIZING, e.provenance().at()))
        .onEvent(TenantInitialized.class, (s, e) -> s.withEndpoint(e.endpoint(), Phase.READY, e.provenance().at()))
        .onEvent(ContainerLost.class, (s, e) -> s.lost(e.observed(), e.provenance().at(), e.provenance().correlationId()))
        .onEvent(ContainerRecovered.class, (s, e) -> s.withEndpoint(e.endpoint(), Phase.READY, e.provenance().at()))
        .onEvent(StepFailed.class, (s, e) ->
            s.withFailure(new TenantState.Failure(e.phase(), e.step(), e.reason(), e.provenance().at())))
        .onEvent(RetryRequested.class, (s, e) ->
            s.withPhase(e.resumedPhase(), e.provenance().at()).withOperation(e.provenance().correlationId()))
        .onEvent(TeardownRequested.class, (s, e) ->
            s.withPhase(Phase.TEARING_DOWN, e.provenance().at()).withOperation(e.provenance().correlationId()))
        .onEvent(TenantRetired.class, (s, e) -> s.retired(e.provenance().at()))
        .build();
  }
}
