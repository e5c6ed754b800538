package berth.tenant;

import berth.tenant.TenantCommand.AttemptFailed;
import berth.tenant.TenantCommand.AttemptSucceeded;
import berth.tenant.TenantCommand.ContainerObserved;
import berth.tenant.TenantCommand.RetryStep;
import berth.tenant.TenantCommand.StepOverdue;
import berth.tenant.TenantCommand.StepSignal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Runs the steps a tenant's state owes, for its {@link TenantEntity}: one call at a time through the
 * {@link TenantDriver} or {@link TenantGuest} port, retried with backoff within an attempt budget and
 * a deadline per step, and turned into one {@link Outcome} the entity decides on. It lives inside the
 * entity's actor (its calls answer as {@link StepSignal}s to the entity, which hands them here), so
 * nothing it does races the entity's own commands.
 *
 * <p>Its fields (the call in flight, the attempt budget, the timers) are deliberately not journaled:
 * after a restart a step gets a fresh budget, and a call that was in flight is simply made again, which
 * every step tolerates because the driver adopts what exists.
 */
final class StepRunner {

  /** What became of a step, or of a container inspection: the entity turns it into events. */
  sealed interface Outcome {}

  /** The owed step succeeded; {@code container} for CREATE and START. */
  record Succeeded(Step step, ContainerInfo container, boolean adopted, long secretsVersion) implements Outcome {}

  /**
   * The owed step failed for good: a permanent error, out of attempts or time, or wedged.
   *
   * @param reason the failure as the tenant shows it
   * @param summary the short explanation recorded as the event's reason
   */
  record GaveUp(Step step, String reason, int attempts, String summary) implements Outcome {}

  /** START found no container to start: removed behind Berth's back. */
  record ContainerMissing(Step step, String reason) implements Outcome {}

  /** What an inspection found: {@code container} is null when there is none. */
  record Observed(ContainerInfo container, String hint) implements Outcome {}

  private static final String RETRY_TIMER = "retry-step";
  private static final String DEADLINE_TIMER = "step-deadline";

  private final String slug;
  private final ActorContext<TenantCommand> context;
  private final TimerScheduler<TenantCommand> timers;
  private final TenantDriver driver;
  private final TenantGuest guest;
  private final LogArchive logs;
  private final SecretStore secrets;
  private final TenantSettings settings;
  private final Clock clock;
  private final FleetMetrics metrics;

  private Step inFlight;
  private long attemptSeq;
  private Step budgetStep;
  private Phase budgetPhase;
  private int attempts;
  /** Attempts that only found the tenant not healthy yet: not failures. */
  private int healthWaits;
  private final SlotHolder slot;
  private String lastFailure;
  private Instant stepStartedAt;
  private boolean inspecting;

  StepRunner(String slug, ActorContext<TenantCommand> context, TimerScheduler<TenantCommand> timers,
      TenantPorts ports, TenantSettings settings, Clock clock) {
    this(slug, context, timers, ports, settings, clock, () -> {});
  }

  /** @param keepAlive sends the entity a message through its shard (so that waiting in line is not idleness) */
  StepRunner(String slug, ActorContext<TenantCommand> context, TimerScheduler<TenantCommand> timers,
      TenantPorts ports, TenantSettings settings, Clock clock, Runnable keepAlive) {
    this.slug = slug;
    this.context = context;
    this.timers = timers;
    this.driver = ports.driver();
    this.guest = ports.guest();
    this.logs = ports.logs();
    this.secrets = ports.secrets();
    this.settings = settings;
    this.clock = clock;
    this.metrics = FleetMetrics.get(context.getSystem());
    this.slot = new SlotHolder(slug, StepSlots.get(context.getSystem()), context.getSelf(), timers, keepAlive);
  }

  /**
   * Starts the step the state owes, unless one is running (a teardown waits for an in-flight create)
   * or waiting out its backoff. Called after every persisted event, on recovery and on wake-ups.
   */
  void advance(TenantState state) {
    Step step = state.pendingStep();
    if (step == null) {
      timers.cancel(RETRY_TIMER);
      timers.cancel(DEADLINE_TIMER);
      budgetStep = null; // the next step, even of the same kind, starts with a fresh budget
      slot.release();
      return;
    }
    if (inFlight != null) {
      return;
    }
    // anything but provisioning a new incarnation is work on a tenant that exists (and may be down)
    boolean existing = state.recovering() || (state.phase() != Phase.PROVISIONING && state.phase() != Phase.INITIALIZING);
    if (!slot.acquire(existing)) {
      return; // in line for a slot (StepSlots): the deadline starts when the step does, not while it waits
    }
    if (step != budgetStep || state.phase() != budgetPhase) {
      // a new step, or the same one owed again in another phase (init, then re-delivery when READY)
      timers.cancel(RETRY_TIMER);
      budgetStep = step;
      budgetPhase = state.phase();
      attempts = 0;
      healthWaits = 0;
      lastFailure = null;
      stepStartedAt = clock.instant();
      // a call that never answers must not leave the tenant silently stuck: see overdue
      timers.startSingleTimer(DEADLINE_TIMER, new StepOverdue(step), deadline(step));
    } else if (timers.isTimerActive(RETRY_TIMER)) {
      return;
    }
    attempts++;
    inFlight = step;
    long attempt = ++attemptSeq;
    context.pipeToSelf(run(step, state), (done, error) -> error == null
        ? new AttemptSucceeded(step, attempt, done.container(), done.adopted(), done.secretsVersion())
        : attemptFailed(step, attempt, error));
  }

  /**
   * The attempt of the step under way (0 when none has started), why the one before failed, if it
   * did, and the tenant's place in line for a slot (0 when it is not waiting).
   */
  record Progress(int attempt, String lastFailure, int waitingForSlot) {}

  Progress progress() {
    int position = slot.placeInLine();
    return budgetStep == null ? new Progress(0, null, position) : new Progress(attempts, lastFailure, position);
  }

  /** The entity stopped: its slot, or its place in line, goes to the next tenant. */
  void stopped() {
    slot.release();
  }

  /** The next attempt of the owed step starts a fresh budget (an operator's retry). */
  void freshBudget() {
    budgetStep = null;
  }

  /** Asks the driver about the container, one inspection at a time: a burst of hints needs one look. */
  void inspect(String containerName, String hint) {
    if (inspecting) {
      return;
    }
    inspecting = true;
    context.pipeToSelf(driver.inspect(containerName),
        (info, error) -> error == null ? new ContainerObserved(info.orElse(null), true, hint)
            : new ContainerObserved(null, false, hint + "; inspection failed: " + error.getMessage()));
  }

  /** Handles one of its own signals; an outcome when there is something for the entity to decide. */
  Optional<Outcome> on(StepSignal signal, TenantState state) {
    if (signal instanceof AttemptSucceeded s) {
      return succeeded(s, state);
    } else if (signal instanceof AttemptFailed f) {
      return failed(f, state);
    } else if (signal instanceof StepOverdue o) {
      return overdue(o, state);
    } else if (signal instanceof ContainerObserved o) {
      return observed(o);
    } else if (signal instanceof TenantCommand.StillWaiting) {
      slot.stillWaiting(); // its Wake, through the shard, runs advance
      return Optional.empty();
    }
    // SlotGranted: advance asks for the slot again, which is now the tenant's (a late grant is not trusted)
    advance(state); // RetryStep: the backoff is over
    return Optional.empty();
  }

  private Optional<Outcome> succeeded(AttemptSucceeded s, TenantState state) {
    if (!answers(s.step(), s.attempt())) {
      return Optional.empty();
    }
    inFlight = null;
    if (state.pendingStep() != s.step()) {
      return supersededBy(state); // the tenant moved on while the step ran (a teardown was requested)
    }
    if (s.step() == Step.INITIALIZE) {
      context.getLog().info("Tenant {} is healthy and took its init payload (secrets version {})", slug, s.secretsVersion());
    }
    return Optional.of(new Succeeded(s.step(), s.container(), s.adopted(), s.secretsVersion()));
  }

  private Optional<Outcome> failed(AttemptFailed f, TenantState state) {
    if (!answers(f.step(), f.attempt())) {
      return Optional.empty();
    }
    inFlight = null;
    if (state.pendingStep() != f.step()) {
      return supersededBy(state);
    }
    if (f.step() == Step.START && f.containerMissing()) {
      return Optional.of(new ContainerMissing(f.step(), f.reason()));
    }
    boolean outOfTime = Duration.between(stepStartedAt, clock.instant()).compareTo(deadline(f.step())) >= 0;
    if (f.notReady() && !outOfTime) {
      // still starting: asked again at the health cadence, not the backoff, and not a failed attempt
      healthWaits++;
      lastFailure = f.reason();
      if (healthWaits == 1 || healthWaits % 40 == 0) {
        context.getLog().info("Tenant {} not healthy yet ({} checks): {}", slug, healthWaits, f.reason());
      }
      timers.startSingleTimer(RETRY_TIMER, new RetryStep(f.step()), settings.healthInterval());
      return Optional.empty();
    }
    metrics.increment(FleetMetrics.DRIVER_ERRORS, "step", f.step().name().toLowerCase(),
        "kind", f.retryable() ? "retryable" : "permanent");
    boolean outOfAttempts = attempts - healthWaits >= settings.maxAttempts();
    if (!f.retryable() || outOfTime || outOfAttempts) {
      String why = !f.retryable() ? "permanent failure"
          : outOfTime ? "deadline of " + deadline(f.step()) + " exceeded"
          : (attempts - healthWaits) + " attempts exhausted";
      context.getLog().warn("Tenant {} step {} failed ({}): {}", slug, f.step(), why, f.reason());
      metrics.increment(FleetMetrics.STEP_FAILURES, "step", f.step().name().toLowerCase());
      return Optional.of(new GaveUp(f.step(), why + ": " + f.reason(), attempts, f.step() + " failed: " + why));
    }
    lastFailure = f.reason();
    Duration delay = settings.backoff(attempts - healthWaits, ThreadLocalRandom.current().nextDouble());
    context.getLog().info("Tenant {} step {} attempt {} failed, retrying in {} ms: {}",
        slug, f.step(), attempts, delay.toMillis(), f.reason());
    timers.startSingleTimer(RETRY_TIMER, new RetryStep(f.step()), delay);
    return Optional.empty();
  }

  /**
   * The step's deadline passed. If its call is still outstanding the step is wedged (a hung daemon,
   * a guest that accepts connections and never answers): it is given up with that reason, so the
   * tenant shows it and an operator can retry, instead of waiting forever. A late answer is then
   * ignored. A step merely waiting out a backoff fails on its next attempt's failure (deadline exceeded).
   */
  private Optional<Outcome> overdue(StepOverdue o, TenantState state) {
    if (inFlight == null && budgetStep == o.step() && state.pendingStep() == o.step()) {
      // waiting out a backoff when time ran out: give up now, or the next attempt would run with no deadline
      timers.cancel(RETRY_TIMER);
      metrics.increment(FleetMetrics.STEP_FAILURES, "step", o.step().name().toLowerCase());
      String why = "deadline of " + deadline(o.step()) + " exceeded while waiting to retry"
          + (lastFailure == null ? "" : ": " + lastFailure);
      return Optional.of(new GaveUp(o.step(), why, attempts, o.step() + " failed: " + why));
    }
    if (inFlight != o.step()) {
      return Optional.empty();
    }
    inFlight = null; // its answer, if it ever comes, no longer matches an attempt in flight
    if (healthWaits > 0 && state.pendingStep() == o.step()) {
      // a tenant that was still starting, its last check (or its init) out when time ran out
      metrics.increment(FleetMetrics.STEP_FAILURES, "step", o.step().name().toLowerCase());
      String why = "deadline of " + deadline(o.step()) + " exceeded before the tenant was healthy and initialized"
          + (lastFailure == null ? "" : " (last check: " + lastFailure + ")");
      context.getLog().warn("Tenant {} step {} failed: {}", slug, o.step(), why);
      return Optional.of(new GaveUp(o.step(), why, attempts - healthWaits, o.step() + " failed: not healthy in time"));
    }
    metrics.increment(FleetMetrics.WEDGED, "step", o.step().name().toLowerCase());
    if (state.pendingStep() != o.step()) {
      // superseded (a teardown arrived while it hung): stop waiting for it and do what is owed now;
      // anything it creates late is an orphan the reconcile loop removes
      context.getLog().warn("Tenant {} step {} is wedged; going on with {}", slug, o.step(), state.pendingStep());
      return supersededBy(state);
    }
    metrics.increment(FleetMetrics.STEP_FAILURES, "step", o.step().name().toLowerCase());
    String why = "wedged: " + o.step() + " got no answer within its deadline of " + deadline(o.step());
    context.getLog().warn("Tenant {} step {}", slug, why);
    return Optional.of(new GaveUp(o.step(), why, attempts, why));
  }

  private Optional<Outcome> observed(ContainerObserved o) {
    inspecting = false;
    if (!o.inspected()) {
      context.getLog().info("Tenant {}: could not check its container ({})", slug, o.hint());
      return Optional.empty();
    }
    return Optional.of(new Observed(o.container(), o.hint()));
  }

  private Optional<Outcome> supersededBy(TenantState state) {
    advance(state);
    return Optional.empty();
  }

  /** Whether a call's answer belongs to the attempt in flight (not to one abandoned as wedged). */
  private boolean answers(Step step, long attempt) {
    return inFlight == step && attempt == attemptSeq;
  }

  private Duration deadline(Step step) {
    return settings.stepDeadlines().get(step);
  }

  /** What a step's call answered: the container for CREATE and START, nothing for the others. */
  private record Done(ContainerInfo container, boolean adopted, long secretsVersion) {
    Done(ContainerInfo container, boolean adopted) {
      this(container, adopted, 0);
    }
  }

  private CompletionStage<Done> run(Step step, TenantState s) {
    try {
      return switch (step) {
        case CREATE -> driver.create(new ContainerSpec(slug, s.incarnation(), s.containerName(), s.volumeName(),
            s.spec().hardenedAs(settings.specFor(slug, s.incarnation())), TenantEnv.values(slug, s.incarnation()),
            guest.credentialFor(slug, s.incarnation())))
            .thenApply(created -> new Done(created.container(), created.adopted()));
        case START -> driver.start(s.containerName(), guest.credentialFor(slug, s.incarnation())).thenApply(info -> {
          if (!info.running() || info.endpoint() == null) {
            throw DriverException.retryable("container " + s.containerName() + " is not running and published", null);
          }
          return new Done(info, false);
        });
        case INITIALIZE -> initialize(s, guest.credentialFor(slug, s.incarnation()));
        // the data outlives the container for the retention window, unless there is none
        case REMOVE -> settings.retention().isZero()
            ? driver.remove(s.containerName(), s.volumeName()).thenCompose(done -> secrets.purge(slug))
                .thenApply(done -> new Done(null, false))
            : keepLogs(s).thenCompose(kept -> driver.removeContainer(s.containerName()))
                .thenApply(done -> new Done(null, false));
        case PURGE -> logs.purge(slug).thenCompose(done -> secrets.purge(slug))
            .thenCompose(done -> driver.removeVolume(s.retention().volume()))
            .thenApply(done -> new Done(null, false));
      };
    } catch (RuntimeException e) {
      // An adapter that throws instead of failing its stage is treated the same way.
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * The container's own output, kept before the container goes (nothing when it is gone already).
   * Best effort: a teardown never fails because its logs could not be kept.
   */
  private CompletionStage<Void> keepLogs(TenantState s) {
    if (settings.keptLogBytes() <= 0) {
      return CompletableFuture.completedFuture(null);
    }
    return driver.logs(s.containerName(), settings.keptLogBytes()).thenCompose(out -> out.isEmpty()
        ? CompletableFuture.<Void>completedFuture(null)
        : logs.keep(slug, new LogArchive.KeptLog(s.incarnation(), out.get().containerId(), clock.instant(), "teardown",
            out.get().truncated(), out.get().text())))
        .exceptionally(error -> {
          context.getLog().warn("Tenant {}: the output of {} could not be kept: {}", slug, s.containerName(),
              error.toString());
          return null;
        });
  }

  /** Health, then the init payload with the tenant's current secrets; done with the version delivered. */
  private CompletionStage<Done> initialize(TenantState s, String credential) {
    return guest.checkHealth(s.endpoint(), credential)
        .thenCompose(healthy -> secrets.forDelivery(slug))
        .thenCompose(delivery -> guest.deliverInit(s.endpoint(),
                new TenantGuest.InitPayload(slug, s.displayName(), s.incarnation(), delivery.values()), credential)
            .thenApply(done -> new Done(null, false, delivery.version())));
  }

  private static AttemptFailed attemptFailed(Step step, long attempt, Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof DriverException de) {
      return new AttemptFailed(step, attempt, de.getMessage(), de.retryable(), de.containerMissing(), de.notReady());
    }
    // Unknown failures are retried: the step's deadline and attempt budget still bound them.
    return new AttemptFailed(step, attempt, cause.getClass().getSimpleName() + ": " + cause.getMessage(), true, false);
  }
}
