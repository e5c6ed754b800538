package berth.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import berth.tenant.StepRunner.GaveUp;
import berth.tenant.StepRunner.Observed;
import berth.tenant.StepRunner.Outcome;
import berth.tenant.StepRunner.Succeeded;
import berth.tenant.testing.FakeTenantDriver;
import berth.tenant.testing.FakeTenantDriver.Op;
import berth.tenant.testing.FakeTenantGuest;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The step runner on its own: retries, backoff, budgets, deadlines, and one call at a time. It runs
 * inside a small host actor standing in for the entity: the host hands it the state the test sets,
 * forwards its signals to it, and passes every outcome to a probe.
 */
class StepRunnerTest {

  static final ActorTestKit testKit = ActorTestKit.create(TenantEntityTest.CONFIG);

  FakeTenantDriver driver;
  FakeTenantGuest guest;
  AtomicReference<TenantState> state;
  TestProbe<Outcome> outcomes;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    driver = new FakeTenantDriver();
    guest = new FakeTenantGuest();
    outcomes = testKit.createTestProbe();
    state = new AtomicReference<>(provisioning());
  }

  static TenantSettings settings(String overrides) {
    return TenantSettings.fromConfig(ConfigFactory.parseString(overrides).withFallback(TenantEntityTest.CONFIG));
  }

  static TenantState provisioning() {
    Provenance p = new Provenance("alice", "onboarding", Instant.now(), "corr-1");
    TenantSettings s = TenantEntityTest.settings;
    return TenantState.empty("acme").provisioning(new TenantEvent.ProvisioningRequested("acme", "Acme", 1,
        s.specFor("acme", 1), s.containerName("acme"), s.volumeName("acme"), p));
  }

  /** Wake: advance with the current state. StepSignal: hand it to the runner. Retry: a fresh budget. */
  Behavior<TenantCommand> host(TenantSettings settings) {
    return host(settings, "acme", state, outcomes.ref());
  }

  Behavior<TenantCommand> host(TenantSettings settings, String slug, AtomicReference<TenantState> state,
      ActorRef<Outcome> outcomes) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      StepRunner runner = new StepRunner(slug, ctx, timers, TenantPorts.of(driver, guest), settings, Clock.systemUTC());
      return Behaviors.receive(TenantCommand.class)
          .onMessage(TenantCommand.Wake.class, w -> {
            runner.advance(state.get());
            return Behaviors.same();
          })
          .onMessage(TenantCommand.Retry.class, r -> {
            runner.freshBudget();
            return Behaviors.same();
          })
          .onMessage(TenantCommand.CheckContainer.class, c -> {
            runner.inspect(state.get().containerName(), c.hint());
            return Behaviors.same();
          })
          .onMessage(TenantCommand.StepSignal.class, signal -> {
            runner.on(signal, state.get()).ifPresent(outcomes::tell);
            return Behaviors.same();
          })
          .onMessage(TenantCommand.Get.class, g -> {
            StepRunner.Progress p = runner.progress();
            g.replyTo().tell(new TenantCommand.Accepted(TenantView.of(state.get(), null, p.attempt(), p.lastFailure(),
                p.waitingForSlot())));
            return Behaviors.same();
          })
          .onSignal(org.apache.pekko.actor.typed.PostStop.class, stop -> {
            runner.stopped();
            return Behaviors.same();
          })
          .build();
    }));
  }

  ActorRef<TenantCommand> start(TenantSettings settings) {
    ActorRef<TenantCommand> runner = testKit.spawn(host(settings));
    runner.tell(new TenantCommand.Wake());
    return runner;
  }

  /** The fake driver answers inspections at once: when the probe has the answer, everything sent before was handled. */
  void sync(ActorRef<TenantCommand> runner) {
    runner.tell(new TenantCommand.CheckContainer("sync"));
    assertInstanceOf(Observed.class, outcomes.receiveMessage());
  }

  @Test
  void aRetryableFailureIsRetriedWithGrowingBackoffUntilTheStepSucceeds() {
    TenantSettings s = settings("berth.tenant.retry { min-backoff = 100ms, max-backoff = 400ms, random-factor = 0 }");
    driver.failNext(Op.CREATE, 3, DriverException.retryable("daemon unreachable", null));
    long began = System.nanoTime();
    start(s);
    Succeeded ok = assertInstanceOf(Succeeded.class, outcomes.receiveMessage(Duration.ofSeconds(5)));
    Duration took = Duration.ofNanos(System.nanoTime() - began);
    assertEquals(Step.CREATE, ok.step());
    assertEquals(4, driver.calls(Op.CREATE));
    // waited at least 100 + 200 + 400 ms between the four attempts (a timer never fires early)
    assertTrue(took.toMillis() >= 700, "retried after " + took.toMillis() + " ms");
  }

  @Test
  void backoffDoublesFromTheMinimumUpToTheMaximumWithJitterOnTop() {
    TenantSettings s = settings("berth.tenant.retry { min-backoff = 100ms, max-backoff = 1s, random-factor = 0.5 }");
    assertEquals(List.of(100L, 200L, 400L, 800L, 1000L, 1000L),
        List.of(1, 2, 3, 4, 5, 9).stream().map(a -> s.backoff(a, 0).toMillis()).toList());
    assertEquals(150L, s.backoff(1, 1.0).toMillis());
    assertEquals(1500L, s.backoff(7, 1.0).toMillis());
  }

  @Test
  void retryableFailuresGiveUpWhenTheAttemptBudgetIsSpent() {
    driver.failNext(Op.CREATE, 100, DriverException.retryable("daemon unreachable", null));
    start(TenantEntityTest.settings);
    GaveUp gaveUp = assertInstanceOf(GaveUp.class, outcomes.receiveMessage(Duration.ofSeconds(5)));
    assertEquals(TenantEntityTest.settings.maxAttempts(), gaveUp.attempts());
    assertEquals(TenantEntityTest.settings.maxAttempts(), driver.calls(Op.CREATE));
    assertTrue(gaveUp.reason().startsWith("4 attempts exhausted: daemon unreachable"), gaveUp.reason());
  }

  @Test
  void aPermanentFailureGivesUpAtOnce() {
    driver.failNext(Op.CREATE, 1, DriverException.permanent("invalid spec", null));
    start(TenantEntityTest.settings);
    GaveUp gaveUp = assertInstanceOf(GaveUp.class, outcomes.receiveMessage());
    assertEquals("permanent failure: invalid spec", gaveUp.reason());
    assertEquals(1, driver.calls(Op.CREATE));
    assertTrue(FleetMetrics.get(testKit.system()).snapshot()
        .getOrDefault("berth_driver_errors_total{step=\"create\",kind=\"permanent\"}", 0L) >= 1);
  }

  @Test
  void retriesStopAtTheStepDeadline() {
    TenantSettings s = settings("""
        berth.tenant.retry { min-backoff = 50ms, max-backoff = 50ms, max-attempts = 1000 }
        berth.tenant.step-deadline.create = 400ms
        """);
    driver.failNext(Op.CREATE, 10_000, DriverException.retryable("daemon unreachable", null));
    start(s);
    GaveUp gaveUp = assertInstanceOf(GaveUp.class, outcomes.receiveMessage(Duration.ofSeconds(5)));
    assertTrue(gaveUp.reason().startsWith("deadline of PT0.4S exceeded"), gaveUp.reason());
    assertTrue(gaveUp.attempts() < 1000, "stopped by the deadline, not the budget");
  }

  @Test
  void aDeadlineThatPassesDuringABackoffGivesUpAtOnceInsteadOfStartingAnAttemptWithoutOne() {
    TenantSettings s = settings("""
        berth.tenant.retry { min-backoff = 5s, max-backoff = 5s, random-factor = 0 }
        berth.tenant.step-deadline.create = 300ms
        """);
    driver.failNext(Op.CREATE, 1, DriverException.retryable("daemon unreachable", null));
    start(s); // the retry would come 5 s later, long after the deadline, and run with none left
    GaveUp gaveUp = assertInstanceOf(GaveUp.class, outcomes.receiveMessage(Duration.ofSeconds(3)));
    assertTrue(gaveUp.reason().contains("exceeded while waiting to retry"), gaveUp.reason());
    assertEquals(1, driver.calls(Op.CREATE));
  }

  @Test
  void aCallThatNeverAnswersIsGivenUpAsWedgedAndItsLateAnswerIsIgnored() {
    TenantSettings s = settings("berth.tenant.step-deadline.create = 300ms");
    driver.hold(Op.CREATE);
    ActorRef<TenantCommand> runner = start(s);
    GaveUp wedged = assertInstanceOf(GaveUp.class, outcomes.receiveMessage(Duration.ofSeconds(5)));
    assertTrue(wedged.reason().startsWith("wedged: CREATE got no answer"), wedged.reason());
    // the hung call fails late; that answer belongs to no attempt in flight and changes nothing
    driver.failNext(Op.CREATE, 1, DriverException.permanent("late", null));
    driver.release(Op.CREATE);
    sync(runner);
    // an operator's retry: a fresh budget and a new call, whose answer is the one reported
    runner.tell(new TenantCommand.Retry(new Provenance("ops", "again", Instant.now(), "c"), testKit.<TenantCommand.Reply>createTestProbe().ref()));
    runner.tell(new TenantCommand.Wake());
    assertInstanceOf(Succeeded.class, outcomes.receiveMessage(Duration.ofSeconds(5)));
    assertEquals(2, driver.calls(Op.CREATE));
  }

  @Test
  void aTeardownWaitsForTheRunningStepThenRemovesWhatItCreated() {
    driver.hold(Op.CREATE);
    ActorRef<TenantCommand> runner = start(TenantEntityTest.settings);
    sync(runner); // CREATE is in flight
    assertEquals(1, driver.calls(Op.CREATE));
    state.set(state.get().operation(Phase.TEARING_DOWN, "corr-2", Instant.now()));
    runner.tell(new TenantCommand.Wake());
    sync(runner);
    assertEquals(0, driver.calls(Op.REMOVE), "REMOVE must not race the CREATE still in flight");
    driver.release(Op.CREATE);
    // the CREATE's answer is superseded (not reported); REMOVE runs next and is
    Succeeded removed = assertInstanceOf(Succeeded.class, outcomes.receiveMessage(Duration.ofSeconds(5)));
    assertEquals(Step.REMOVE, removed.step());
    assertEquals(List.of("CREATE", "REMOVE"), driver.log());
  }

  // ---------------------------------------------------------------- health cadence and admission

  static TenantState initializing(String slug) {
    Instant now = Instant.now();
    Provenance p = new Provenance("alice", "onboarding", now, "corr-" + slug);
    TenantSettings s = TenantEntityTest.settings;
    return TenantState.empty(slug).apply(new TenantEvent.ProvisioningRequested(slug, slug, 1, s.specFor(slug, 1),
            s.containerName(slug), s.volumeName(slug), p))
        .apply(new TenantEvent.ContainerCreated("c-" + slug, false, p))
        .apply(new TenantEvent.ContainerStarted("c-" + slug, new Endpoint("127.0.0.1", 40000), p));
  }

  @Test
  void aStartingTenantIsAskedForItsHealthAtItsOwnCadenceAndNotFailedForIt() {
    // three attempts and a long backoff: with health checks counted as failed attempts the step would
    // fail after three of the twenty checks, or take minutes of backoff
    TenantSettings s = settings("berth.tenant { health-interval = 20ms, retry { min-backoff = 10s, max-backoff = 10s,"
        + " max-attempts = 3 } }");
    state.set(initializing("acme"));
    guest.unhealthyFor(20);
    start(s);
    Succeeded ok = assertInstanceOf(Succeeded.class, outcomes.receiveMessage(Duration.ofSeconds(10)));
    assertEquals(Step.INITIALIZE, ok.step());
    assertEquals(21, guest.probes());
  }

  @Test
  void aGuestThatNeverBecomesHealthyIsFailedByTheDeadlineNotByTheAttemptBudget() {
    TenantSettings s = settings("berth.tenant { health-interval = 20ms, step-deadline.initialize = 500ms,"
        + " retry.max-attempts = 3 }");
    state.set(initializing("acme"));
    guest.neverHealthy();
    start(s);
    GaveUp gaveUp = assertInstanceOf(GaveUp.class, outcomes.receiveMessage(Duration.ofSeconds(10)));
    assertTrue(gaveUp.reason().startsWith("deadline of PT0.5S exceeded") && gaveUp.reason().contains("connection refused")
        && !gaveUp.reason().contains("wedged"),
        gaveUp.reason());
    assertTrue(guest.probes() > 3, guest.probes() + " checks");
  }

  @Test
  void stepsBeyondTheNodesSlotsWaitInLineWithoutTheirDeadlineRunningAndGoOnInTurn() {
    ActorTestKit kit = ActorTestKit.create("admission", ConfigFactory.parseString("berth.tenant.concurrent-steps = 1")
        .withFallback(TenantEntityTest.CONFIG));
    try {
      TenantSettings s = settings("berth.tenant.step-deadline.create = 700ms");
      driver.hold(Op.CREATE);
      TestProbe<Outcome> first = kit.createTestProbe();
      TestProbe<Outcome> second = kit.createTestProbe();
      AtomicReference<TenantState> a = new AtomicReference<>(provisioning());
      AtomicReference<TenantState> b = new AtomicReference<>(TenantState.empty("bravo").apply(
          new TenantEvent.ProvisioningRequested("bravo", "Bravo", 1, TenantEntityTest.settings.specFor("bravo", 1),
              TenantEntityTest.settings.containerName("bravo"), TenantEntityTest.settings.volumeName("bravo"),
              new Provenance("alice", "onboarding", Instant.now(), "corr-b"))));
      ActorRef<TenantCommand> acme = kit.spawn(host(s, "acme", a, first.ref()));
      acme.tell(new TenantCommand.Wake());
      TestProbe<TenantCommand.Reply> replies = kit.createTestProbe();
      // acme holds the only slot (its create hangs); bravo waits, first in line
      ActorRef<TenantCommand> bravo = kit.spawn(host(s, "bravo", b, second.ref()));
      bravo.tell(new TenantCommand.Wake());
      replies.awaitAssert(() -> {
        bravo.tell(new TenantCommand.Get(replies.ref()));
        TenantView v = ((TenantCommand.Accepted) replies.receiveMessage()).tenant();
        assertEquals(1, v.waitingForSlot());
        return null;
      });
      // acme's create is wedged at its deadline; bravo has waited longer than that, and was not failed
      GaveUp wedged = assertInstanceOf(GaveUp.class, first.receiveMessage(Duration.ofSeconds(10)));
      assertTrue(wedged.reason().startsWith("wedged"), wedged.reason());
      second.expectNoMessage(Duration.ofMillis(300));
      assertEquals(1, driver.calls(Op.CREATE), "bravo did not start while acme held the slot");
      // acme gives up (it owes no step now): its slot goes to bravo, whose create now runs and succeeds
      driver.release(Op.CREATE);
      a.set(a.get().apply(new TenantEvent.StepFailed(Phase.PROVISIONING, Step.CREATE, wedged.reason(), 1,
          new Provenance("system", "wedged", Instant.now(), "corr-1"))));
      acme.tell(new TenantCommand.Wake());
      Succeeded ok = assertInstanceOf(Succeeded.class, second.receiveMessage(Duration.ofSeconds(10)));
      assertEquals(Step.CREATE, ok.step());
      bravo.tell(new TenantCommand.Get(replies.ref()));
      assertEquals(0, ((TenantCommand.Accepted) replies.receiveMessage()).tenant().waitingForSlot());
    } finally {
      kit.shutdownTestKit();
    }
  }
}
