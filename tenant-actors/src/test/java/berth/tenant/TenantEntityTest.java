package berth.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import berth.tenant.TenantCommand.Accepted;
import berth.tenant.TenantCommand.Reason;
import berth.tenant.TenantCommand.Rejected;
import berth.tenant.TenantCommand.Reply;
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
import berth.tenant.testing.FakeTenantDriver;
import berth.tenant.testing.FakeTenantDriver.Op;
import berth.tenant.testing.FakeTenantGuest;
import berth.tenant.testing.InMemoryLogArchive;
import berth.tenant.testing.InMemorySecretStore;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The tenant lifecycle, step by step, against a fake driver and guest (the logic above the port). */
class TenantEntityTest {

  static final Config CONFIG = ConfigFactory.parseString("""
      berth.tenant.retry { min-backoff = 5ms, max-backoff = 20ms, max-attempts = 4 }
      berth.tenant.snapshot-every = 5
      berth.tenant.health-interval = 5ms
      # entities of finished tests keep their slots: admission has its own test kit (StepRunnerTest)
      berth.tenant.concurrent-steps = 1000
      # a busy 2-core machine (a suite running beside) can take seconds to answer: waits, not timings
      pekko.actor.testkit.typed.single-expect-default = 15s
      """).withFallback(EventSourcedBehaviorTestKit.config()).withFallback(ConfigFactory.load());

  static final ActorTestKit testKit = ActorTestKit.create(CONFIG);
  static final TenantSettings settings = TenantSettings.fromConfig(CONFIG);

  FakeTenantDriver driver;
  FakeTenantGuest guest;
  InMemoryLogArchive logs;
  InMemorySecretStore secrets;
  EventSourcedBehaviorTestKit<TenantCommand, TenantEvent, TenantState> kit;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    driver = new FakeTenantDriver();
    guest = new FakeTenantGuest();
    logs = new InMemoryLogArchive();
    secrets = new InMemorySecretStore();
    kit = kitFor("acme");
  }

  TenantPorts ports() {
    return TenantPorts.of(driver, guest).withLogs(logs).withSecrets(secrets);
  }

  EventSourcedBehaviorTestKit<TenantCommand, TenantEvent, TenantState> kitFor(String slug) {
    return EventSourcedBehaviorTestKit.create(
        testKit.system(), TenantEntity.create(slug, ports(), settings, Clock.systemUTC()));
  }

  static Provenance by(String who, String why) {
    return new Provenance(who, why, Instant.now(), "corr-" + why.hashCode());
  }

  CommandResultWithReply<TenantCommand, TenantEvent, TenantState, Reply> provision() {
    return kit.<Reply>runCommand(r -> new TenantCommand.Provision("Acme Inc", by("alice", "onboarding"), r));
  }

  TenantState awaitState(Predicate<TenantState> condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    TenantState s = kit.getState();
    while (!condition.test(s)) {
      if (System.nanoTime() > deadline) throw new AssertionError("condition not reached; state is " + s);
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        throw new RuntimeException(e);
      }
      s = kit.getState();
    }
    return s;
  }

  TenantState awaitPhase(Phase phase) {
    return awaitState(s -> s.phase() == phase);
  }

  List<TenantEvent> journal(String slug) {
    return kit.persistenceTestKit().persistedInStorage(TenantEntity.persistenceId(slug).id()).stream()
        .map(TenantEvent.class::cast).toList();
  }

  @Test
  void provisioningCreatesStartsInitializesAndBecomesReady() {
    var result = provision();
    Accepted accepted = assertInstanceOf(Accepted.class, result.reply());
    assertEquals(Phase.PROVISIONING, accepted.tenant().phase());
    ProvisioningRequested requested = assertInstanceOf(ProvisioningRequested.class, result.event());
    assertEquals("alice", requested.provenance().principal());
    assertEquals("berth-acme", requested.containerName());
    assertEquals("berth-acme-data", requested.volumeName());
    assertEquals(settings.image(), requested.spec().image());
    assertEquals(settings.memoryBytes(), requested.spec().memoryBytes());
    assertEquals("acme", requested.spec().labels().get(Labels.TENANT));
    assertTrue(requested.spec().envNames().contains("BERTH_TENANT_ID"));

    TenantState ready = awaitPhase(Phase.READY);
    assertNotNull(ready.endpoint());
    assertEquals(driver.container("berth-acme").orElseThrow().id(), ready.containerId());

    List<TenantEvent> events = journal("acme");
    assertEquals(List.of(ProvisioningRequested.class, ContainerCreated.class, ContainerStarted.class,
        TenantInitialized.class), events.stream().map(Object::getClass).toList());
    String correlation = requested.provenance().correlationId();
    for (TenantEvent e : events.subList(1, events.size())) {
      assertEquals(Provenance.SYSTEM, e.provenance().principal(), "system steps are attributed to system");
      assertEquals(correlation, e.provenance().correlationId(), "system steps inherit the request's correlation");
    }
    assertFalse(((ContainerCreated) events.get(1)).adopted());
    assertEquals(List.of(new TenantGuest.InitPayload("acme", "Acme Inc", 1)), guest.delivered());
  }

  @Test
  void changedSecretsAreJournaledByNameAndDeliveredToAReadyTenantAgain() {
    secrets.replaceAll("acme", Map.of("API_KEY", "k-1"), "alice", Instant.now());
    provision();
    awaitPhase(Phase.READY);
    assertEquals(Map.of("API_KEY", "k-1"), guest.delivered().get(0).secrets(), "first init carries the secrets");
    long version = secrets.put("acme", "DB_PASSWORD", "p-1", "bob", Instant.now()).toCompletableFuture().join();
    var change = kit.<Reply>runCommand(r -> new TenantCommand.RecordSecretsChange(List.of("DB_PASSWORD"), version,
        by("bob", "rotate db"), r));
    TenantEvent.SecretsChanged changed = assertInstanceOf(TenantEvent.SecretsChanged.class, change.event());
    assertEquals(List.of("DB_PASSWORD"), changed.names());
    awaitState(s -> s.secrets().delivered() == version);
    assertEquals(Map.of("API_KEY", "k-1", "DB_PASSWORD", "p-1"), guest.delivered().get(1).secrets());
    TenantEvent last = journal("acme").get(journal("acme").size() - 1);
    assertEquals(version, assertInstanceOf(TenantEvent.SecretsDelivered.class, last).version());
    assertEquals(Phase.READY, kit.getState().phase());
    for (TenantEvent e : journal("acme")) {
      assertFalse(e.toString().contains("k-1") || e.toString().contains("p-1"), "no value in " + e);
    }
  }

  @Test
  void aTornDownTenantWithoutRetentionLosesItsSecretsAndARetiredOneCannotChangeThem() {
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), TenantEntity.create("acme", ports(),
        TenantSettings.fromConfig(ConfigFactory.parseString("berth.tenant.retention = 0s").withFallback(CONFIG)),
        Clock.systemUTC()));
    secrets.replaceAll("acme", Map.of("API_KEY", "k-1"), "alice", Instant.now());
    provision();
    awaitPhase(Phase.READY);
    kit.<Reply>runCommand(r -> new TenantCommand.Teardown(by("bob", "left"), r));
    awaitPhase(Phase.RETIRED);
    assertTrue(secrets.forDelivery("acme").toCompletableFuture().join().values().isEmpty());
    var refused = kit.<Reply>runCommand(r -> new TenantCommand.RecordSecretsChange(List.of("X"), 9, by("bob", "x"), r));
    assertEquals(Reason.ILLEGAL_STATE, ((Rejected) refused.reply()).reason());
  }

  @Test
  void provisioningAnActiveTenantIsRejectedAsAlreadyExists() {
    provision();
    awaitPhase(Phase.READY);
    Rejected rejected = assertInstanceOf(Rejected.class, provision().reply());
    assertEquals(Reason.ALREADY_EXISTS, rejected.reason());
    assertTrue(provision().hasNoEvents());
  }

  @Test
  void commandsOnAnUnknownTenantAreNotFound() {
    assertEquals(Reason.NOT_FOUND, ((Rejected) kit.<Reply>runCommand(TenantCommand.Get::new).reply()).reason());
    var teardown = kit.<Reply>runCommand(r -> new TenantCommand.Teardown(by("bob", "cleanup"), r));
    assertEquals(Reason.NOT_FOUND, ((Rejected) teardown.reply()).reason());
    assertTrue(teardown.hasNoEvents());
    var retry = kit.<Reply>runCommand(r -> new TenantCommand.Retry(by("bob", "again"), r));
    assertEquals(Reason.NOT_FOUND, ((Rejected) retry.reply()).reason());
  }

  @Test
  void retryOfATenantThatHasNotFailedIsAnIllegalState() {
    provision();
    awaitPhase(Phase.READY);
    var retry = kit.<Reply>runCommand(r -> new TenantCommand.Retry(by("bob", "again"), r));
    Rejected rejected = assertInstanceOf(Rejected.class, retry.reply());
    assertEquals(Reason.ILLEGAL_STATE, rejected.reason());
    assertTrue(retry.hasNoEvents());
  }

  @Test
  void teardownOfReadyTenantRemovesContainerAndVolumeAndRetires() {
    provision();
    awaitPhase(Phase.READY);
    var teardown = kit.<Reply>runCommand(r -> new TenantCommand.Teardown(by("bob", "customer left"), r));
    assertEquals(Phase.TEARING_DOWN, ((Accepted) teardown.reply()).tenant().phase());
    assertEquals("bob", ((TeardownRequested) teardown.event()).provenance().principal());

    TenantState retired = awaitPhase(Phase.RETIRED);
    assertEquals(null, retired.containerId());
    assertTrue(driver.container("berth-acme").isEmpty());
    assertTrue(driver.volumeExists("berth-acme-data"), "the data is kept for the retention window");
    TenantRetired last = (TenantRetired) journal("acme").get(journal("acme").size() - 1);
    assertEquals("berth-acme-data", last.volumeName());
    assertTrue(last.dataRetainedUntil().isAfter(Instant.now().plus(settings.retention()).minusSeconds(60)));
    var kept = logs.list("acme").toCompletableFuture().join();
    assertEquals(1, kept.size(), "the container's output is kept before it goes");
    assertTrue(kept.get(0).text().contains("fake container"), kept.get(0).text());
    assertEquals(1, kept.get(0).incarnation());

    var again = kit.<Reply>runCommand(r -> new TenantCommand.Teardown(by("bob", "twice"), r));
    assertEquals(Reason.ILLEGAL_STATE, ((Rejected) again.reply()).reason());
  }

  @Test
  void teardownRequestedTwiceIsAnsweredWithTheCurrentStateAndPersistsOnce() {
    driver.hold(Op.REMOVE);
    provision();
    awaitPhase(Phase.READY);
    kit.<Reply>runCommand(r -> new TenantCommand.Teardown(by("bob", "first"), r));
    var second = kit.<Reply>runCommand(r -> new TenantCommand.Teardown(by("bob", "second"), r));
    assertEquals(Phase.TEARING_DOWN, ((Accepted) second.reply()).tenant().phase());
    assertTrue(second.hasNoEvents());
    Rejected provisionMeanwhile = assertInstanceOf(Rejected.class, provision().reply());
    assertEquals(Reason.ALREADY_EXISTS, provisionMeanwhile.reason());
    driver.release(Op.REMOVE);
    awaitPhase(Phase.RETIRED);
  }

  @Test
  void retryableDriverFailuresAreRetriedUntilTheStepSucceeds() {
    driver.failNext(Op.CREATE, 2, DriverException.retryable("daemon unreachable", null));
    provision();
    awaitPhase(Phase.READY);
    assertEquals(3, driver.calls(Op.CREATE));
    assertEquals(1, driver.containerCount());
    assertTrue(journal("acme").stream().noneMatch(StepFailed.class::isInstance),
        "a failure that cleared on retry is not a failed step");
  }

  @Test
  void permanentDriverFailureFailsTheTenantAtOnceAndAnOperatorCanRetry() {
    driver.failNext(Op.START, 1, DriverException.permanent("no such image", null));
    provision();
    TenantState failed = awaitPhase(Phase.FAILED);
    assertEquals(1, driver.calls(Op.START));
    assertEquals(Step.START, failed.failure().step());
    assertEquals(Phase.PROVISIONING, failed.failure().phase());
    assertTrue(failed.failure().reason().contains("no such image"), failed.failure().reason());

    Rejected provisionWhileFailed = assertInstanceOf(Rejected.class, provision().reply());
    assertEquals(Reason.ALREADY_EXISTS, provisionWhileFailed.reason());

    var retry = kit.<Reply>runCommand(r -> new TenantCommand.Retry(by("carol", "image pushed"), r));
    assertEquals(Phase.PROVISIONING, ((Accepted) retry.reply()).tenant().phase());
    assertEquals(Phase.PROVISIONING, ((RetryRequested) retry.event()).resumedPhase());
    awaitPhase(Phase.READY);
    assertEquals(1, driver.containerCount());
  }

  @Test
  void retryableFailuresThatOutlastTheAttemptBudgetFailTheStep() {
    driver.failNext(Op.CREATE, 100, DriverException.retryable("daemon unreachable", null));
    provision();
    TenantState failed = awaitPhase(Phase.FAILED);
    assertEquals(settings.maxAttempts(), driver.calls(Op.CREATE));
    assertTrue(failed.failure().reason().contains("attempts exhausted"), failed.failure().reason());
    StepFailed event = (StepFailed) journal("acme").get(journal("acme").size() - 1);
    assertEquals(settings.maxAttempts(), event.attempts());
  }

  @Test
  void aStepBeingRetriedShowsItsAttemptAndWhyTheLastOneFailed() {
    driver.failNext(Op.CREATE, 100, DriverException.retryable("daemon unreachable", null));
    provision();
    List<TenantView> seen = new java.util.ArrayList<>();
    TenantView view;
    do { // the answers of Get while the step is retried (backoff 5 to 20 ms, 4 attempts)
      view = ((Accepted) kit.<Reply>runCommand(TenantCommand.Get::new).reply()).tenant();
      seen.add(view);
    } while (view.phase() != Phase.FAILED);
    assertTrue(seen.stream().anyMatch(v -> v.attempt() >= 2 && v.lastAttemptError() != null
        && v.lastAttemptError().contains("daemon unreachable")), "seen: " + seen.stream()
        .map(v -> v.phase() + "/" + v.attempt() + "/" + v.lastAttemptError()).distinct().toList());
    assertEquals(0, view.attempt(), "no step is under way once the tenant FAILED");
    assertNull(view.lastAttemptError());
  }

  @Test
  void aFailedTenantCanBeTornDown() {
    driver.failNext(Op.CREATE, 1, DriverException.permanent("invalid spec", null));
    provision();
    awaitPhase(Phase.FAILED);
    kit.<Reply>runCommand(r -> new TenantCommand.Teardown(by("bob", "give up"), r));
    awaitPhase(Phase.RETIRED);
    assertEquals(0, driver.containerCount());
  }

  @Test
  void initializationWaitsForTheGuestToBecomeHealthy() {
    guest.unhealthyFor(3);
    provision();
    awaitPhase(Phase.READY);
    assertEquals(4, guest.probes());
    assertEquals(1, guest.delivered().size());
  }

  @Test
  void aGuestThatNeverBecomesHealthyFailsInitialization() {
    guest.neverHealthy();
    // health checks are not attempts: the initialize deadline fails it (short here; a slug of its own,
    // so that no later test's journal meets this entity)
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), TenantEntity.create("never", ports(),
        TenantSettings.fromConfig(ConfigFactory.parseString("berth.tenant.step-deadline.initialize = 3s").withFallback(CONFIG)),
        Clock.systemUTC()));
    provision();
    TenantState failed = awaitPhase(Phase.FAILED);
    assertEquals(Step.INITIALIZE, failed.failure().step());
    assertEquals(Phase.INITIALIZING, failed.failure().phase());
    assertTrue(guest.delivered().isEmpty());
  }

  @Test
  void teardownDuringAnInFlightCreateWaitsForItThenRemovesWhatWasCreated() {
    driver.hold(Op.CREATE);
    provision();
    awaitState(s -> driver.calls(Op.CREATE) == 1);
    kit.<Reply>runCommand(r -> new TenantCommand.Teardown(by("bob", "changed mind"), r));
    assertEquals(0, driver.calls(Op.REMOVE), "remove must not race the create still in flight");
    driver.release(Op.CREATE);
    awaitPhase(Phase.RETIRED);
    assertEquals(List.of("CREATE", "REMOVE"), driver.log());
    assertEquals(0, driver.containerCount());
  }

  @Test
  void aTenantCaughtMidProvisioningResumesAfterRecovery() {
    driver.hold(Op.START);
    provision();
    awaitState(s -> s.containerId() != null && driver.calls(Op.START) == 1);
    kit.restart();
    TenantState recovered = kit.getState();
    assertEquals(Phase.PROVISIONING, recovered.phase());
    assertNotNull(recovered.containerId());
    driver.release(Op.START);
    awaitPhase(Phase.READY);
    assertEquals(1, driver.containerCount());
  }

  @Test
  void recoveryAfterACrashBetweenCreateAndItsEventAdoptsTheExistingContainer() {
    // The previous run's create reached the runtime, but the node died before ContainerCreated was
    // persisted: the journal says PROVISIONING with no container, the runtime has the container.
    driver.hold(Op.CREATE);
    provision();
    awaitState(s -> driver.calls(Op.CREATE) == 1);
    driver.preexisting("berth-acme", "acme", "berth-acme-data", false);
    kit.restart();
    driver.release(Op.CREATE);
    awaitPhase(Phase.READY);
    assertEquals(1, driver.containerCount());
    assertTrue(journal("acme").stream()
        .filter(ContainerCreated.class::isInstance).map(ContainerCreated.class::cast)
        .anyMatch(ContainerCreated::adopted));
  }

  @Test
  void aContainerNameTakenByAnotherOwnerIsAPermanentFailure() {
    driver.preexisting("berth-acme", "someone-else", "other-volume", true);
    provision();
    TenantState failed = awaitPhase(Phase.FAILED);
    assertEquals(Step.CREATE, failed.failure().step());
    assertEquals(1, driver.calls(Op.CREATE));
  }

  TenantState retiredWithKeptData() {
    provision();
    awaitPhase(Phase.READY);
    kit.<Reply>runCommand(r -> new TenantCommand.Teardown(by("bob", "left"), r));
    return awaitPhase(Phase.RETIRED);
  }

  @Test
  void aRestoreBringsTheTenantBackOnItsKeptDataAsANewIncarnation() {
    retiredWithKeptData();
    var restore = kit.<Reply>runCommand(r -> new TenantCommand.Restore(by("carol", "customer came back"), r));
    ProvisioningRequested again = assertInstanceOf(ProvisioningRequested.class, restore.event());
    assertTrue(again.restored());
    assertEquals(2, again.incarnation());
    assertEquals("berth-acme-data", again.volumeName());
    assertEquals("carol", again.provenance().principal());
    TenantState ready = awaitPhase(Phase.READY);
    assertEquals(null, ready.retention());
    assertEquals("berth-acme-data", driver.container("berth-acme").orElseThrow().volume(), "on the kept volume");
  }

  @Test
  void keptDataBlocksAFreshProvisioningUntilPurgedAndThePurgeIsJournaled() {
    retiredWithKeptData();
    Rejected blocked = assertInstanceOf(Rejected.class, provision().reply());
    assertEquals(Reason.ILLEGAL_STATE, blocked.reason());
    assertTrue(blocked.message().contains("restore it, or purge it"), blocked.message());
    var purge = kit.<Reply>runCommand(r -> new TenantCommand.Purge(by("dave", "GDPR erasure"), r));
    assertEquals("dave", assertInstanceOf(TenantEvent.PurgeRequested.class, purge.event()).provenance().principal());
    TenantState purged = awaitState(s -> s.retention() == null);
    assertEquals(Phase.RETIRED, purged.phase());
    assertFalse(driver.volumeExists("berth-acme-data"));
    assertTrue(logs.list("acme").toCompletableFuture().join().isEmpty(), "the kept output goes with the data");
    TenantEvent last = journal("acme").get(journal("acme").size() - 1);
    assertEquals("berth-acme-data", assertInstanceOf(TenantEvent.VolumePurged.class, last).volumeName());
    Rejected nothingLeft = assertInstanceOf(Rejected.class,
        kit.<Reply>runCommand(r -> new TenantCommand.Restore(by("carol", "too late"), r)).reply());
    assertEquals(Reason.ILLEGAL_STATE, nothingLeft.reason());
    assertInstanceOf(Accepted.class, provision().reply(), "the slug is free again");
    awaitPhase(Phase.READY); // no work left in flight to write into the next test's journal
  }

  @Test
  void expiredRetentionIsPurgedByTheSystemWhenTheReconcileLoopAsksAndNotBefore() {
    retiredWithKeptData();
    kit.runCommand(new TenantCommand.PurgeExpired());
    assertTrue(driver.volumeExists("berth-acme-data"), "a day of retention has not passed");
    assertEquals(TenantRetired.class, journal("acme").get(journal("acme").size() - 1).getClass());

    kit = EventSourcedBehaviorTestKit.create(testKit.system(), TenantEntity.create("short", ports(),
        TenantSettings.fromConfig(ConfigFactory.parseString("berth.tenant.retention = 1ms").withFallback(CONFIG)),
        Clock.systemUTC()));
    kit.<Reply>runCommand(r -> new TenantCommand.Provision("Short", by("alice", "trial"), r));
    awaitPhase(Phase.READY);
    kit.<Reply>runCommand(r -> new TenantCommand.Teardown(by("bob", "trial over"), r));
    awaitPhase(Phase.RETIRED);
    kit.runCommand(new TenantCommand.PurgeExpired());
    awaitState(s -> s.retention() == null);
    List<TenantEvent> j = journal("short");
    TenantEvent.PurgeRequested asked = (TenantEvent.PurgeRequested) j.get(j.size() - 2);
    assertEquals(Provenance.SYSTEM, asked.provenance().principal());
    assertTrue(asked.provenance().reason().startsWith("retention of the data expired"), asked.provenance().reason());
    assertFalse(driver.volumeExists("berth-short-data"));
  }

  @Test
  void anOperatorChoosesAnImageByNameOnlyFromTheOffered_andARestoreKeepsIt() {
    var unknown = kit.<Reply>runCommand(r -> new TenantCommand.Provision("Acme", "registry.evil/miner:latest",
        by("alice", "onboarding"), r));
    Rejected refused = assertInstanceOf(Rejected.class, unknown.reply());
    assertEquals(Reason.INVALID, refused.reason());
    assertTrue(refused.message().contains("[light, reference]"), refused.message());
    assertTrue(unknown.hasNoEvents(), "nothing journaled for a refused image");

    var light = kit.<Reply>runCommand(r -> new TenantCommand.Provision("Acme", "light", by("alice", "onboarding"), r));
    TenantSpec spec = ((ProvisioningRequested) light.event()).spec();
    assertEquals(settings.images().get("light"), spec.image());
    assertNotEquals(settings.image(), spec.image(), "not the default image");
    assertEquals("light", spec.labels().get(Labels.IMAGE));
    awaitPhase(Phase.READY);
    kit.<Reply>runCommand(r -> new TenantCommand.Teardown(by("bob", "left"), r));
    awaitPhase(Phase.RETIRED);
    var restore = kit.<Reply>runCommand(r -> new TenantCommand.Restore(by("carol", "came back"), r));
    assertEquals(settings.images().get("light"), ((ProvisioningRequested) restore.event()).spec().image(),
        "a restored tenant runs the image chosen for it");
    awaitPhase(Phase.READY); // no work left in flight to write into the next test's journal
  }

  @Test
  void restoreAndPurgeAreOnlyForARetiredTenant() {
    var unknown = kit.<Reply>runCommand(r -> new TenantCommand.Restore(by("carol", "x"), r));
    assertEquals(Reason.NOT_FOUND, ((Rejected) unknown.reply()).reason());
    provision();
    awaitPhase(Phase.READY);
    for (var result : List.of(kit.<Reply>runCommand(r -> new TenantCommand.Restore(by("carol", "x"), r)),
        kit.<Reply>runCommand(r -> new TenantCommand.Purge(by("carol", "x"), r)))) {
      assertEquals(Reason.ILLEGAL_STATE, ((Rejected) result.reply()).reason());
      assertTrue(result.hasNoEvents());
    }
  }

  @Test
  void aRetiredSlugProvisionedAgainStartsANewIncarnation() {
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), TenantEntity.create("acme", ports(),
        TenantSettings.fromConfig(ConfigFactory.parseString("berth.tenant.retention = 0s").withFallback(CONFIG)),
        Clock.systemUTC()));
    provision();
    awaitPhase(Phase.READY);
    kit.<Reply>runCommand(r -> new TenantCommand.Teardown(by("bob", "left"), r));
    assertFalse(awaitPhase(Phase.RETIRED).retention() != null, "no retention: the data went with the container");
    assertFalse(driver.volumeExists("berth-acme-data"));
    var again = kit.<Reply>runCommand(r -> new TenantCommand.Provision("Acme Again", by("alice", "came back"), r));
    assertEquals(2, ((ProvisioningRequested) again.event()).incarnation());
    TenantState ready = awaitPhase(Phase.READY);
    assertEquals(2, ready.incarnation());
    assertEquals("Acme Again", ready.displayName());
    assertEquals("2", ((ProvisioningRequested) again.event()).spec().labels().get(Labels.INCARNATION));
  }

  // ---------------------------------------------------------------- healing

  TenantState readyTenant() {
    assertInstanceOf(Accepted.class, provision().reply(), "a fresh tenant (no earlier test's entity still at work)");
    return awaitPhase(Phase.READY);
  }

  List<Class<?>> eventTypesAfter(int skip) {
    return journal("acme").stream().skip(skip).<Class<?>>map(Object::getClass).toList();
  }

  @Test
  void aRemovedContainerIsRecreatedOnTheSameVolumeAndTheTenantIsReadyAgain() {
    TenantState before = readyTenant();
    driver.vanish("berth-acme");
    kit.runCommand(new TenantCommand.CheckContainer("test"));
    TenantState after = awaitState(s -> s.phase() == Phase.READY && !before.containerId().equals(s.containerId()));
    assertEquals(List.of(ContainerLost.class, ContainerCreated.class, ContainerStarted.class, ContainerRecovered.class),
        eventTypesAfter(4));
    ContainerLost lost = (ContainerLost) journal("acme").get(4);
    assertEquals(ContainerLoss.REMOVED, lost.observed());
    assertEquals(Provenance.SYSTEM, lost.provenance().principal());
    assertTrue(lost.provenance().reason().contains("test"), lost.provenance().reason());
    assertTrue(driver.volumeExists("berth-acme-data"));
    assertEquals("berth-acme-data", driver.container("berth-acme").orElseThrow().volume(), "same volume");
    assertFalse(after.recovering());
    assertEquals(2, guest.delivered().size(), "the new container is initialized again");
  }

  @Test
  void aContainerReplacedBehindBerthsBackIsNoticedAndTheTenantRecovers() {
    TenantState before = readyTenant();
    driver.vanish("berth-acme");
    driver.preexisting("berth-acme", "acme", "berth-acme-data", true); // same name, another container
    kit.runCommand(new TenantCommand.CheckContainer("test"));
    TenantState after = awaitState(s -> s.phase() == Phase.READY && journal("acme").size() == 8);
    assertEquals(ContainerLoss.REPLACED, ((ContainerLost) journal("acme").get(4)).observed());
    assertNotEquals(before.containerId(), after.containerId());
    assertEquals(driver.container("berth-acme").orElseThrow().id(), after.containerId(), "follows what runs now");
  }

  @Test
  void aStoppedContainerIsRestartedNotRecreated() {
    TenantState before = readyTenant();
    driver.crash("berth-acme");
    kit.runCommand(new TenantCommand.CheckContainer("test"));
    awaitState(s -> s.phase() == Phase.READY && journal("acme").size() == 7);
    assertEquals(List.of(ContainerLost.class, ContainerStarted.class, ContainerRecovered.class), eventTypesAfter(4));
    assertEquals(ContainerLoss.EXITED, ((ContainerLost) journal("acme").get(4)).observed());
    assertEquals(before.containerId(), kit.getState().containerId());
    assertEquals(1, driver.calls(FakeTenantDriver.Op.CREATE));
  }

  @Test
  void aContainerRemovedBeforeItCouldBeRestartedIsRecreated() {
    readyTenant();
    driver.crash("berth-acme");
    driver.hold(FakeTenantDriver.Op.START);
    kit.runCommand(new TenantCommand.CheckContainer("die"));
    awaitState(s -> s.phase() == Phase.PROVISIONING);
    driver.vanish("berth-acme"); // the destroy that follows the die of docker rm -f
    driver.release(FakeTenantDriver.Op.START);
    awaitState(s -> s.phase() == Phase.READY && journal("acme").size() == 9);
    assertEquals(List.of(ContainerLost.class, ContainerLost.class, ContainerCreated.class, ContainerStarted.class,
        ContainerRecovered.class), eventTypesAfter(4));
    List<TenantEvent> j = journal("acme");
    assertEquals(ContainerLoss.EXITED, ((ContainerLost) j.get(4)).observed());
    assertEquals(ContainerLoss.REMOVED, ((ContainerLost) j.get(5)).observed());
    assertEquals(j.get(4).provenance().correlationId(), j.get(5).provenance().correlationId(), "one incident");
    assertEquals(1, kit.getState().recovery().losses().size(), "counted once for crash-loop detection");
  }

  EventSourcedBehaviorTestKit<TenantCommand, TenantEvent, TenantState> kitWithShortCreateDeadline(String slug) {
    TenantSettings shortDeadlines = TenantSettings.fromConfig(
        ConfigFactory.parseString("berth.tenant.step-deadline.create = 300ms").withFallback(CONFIG));
    return EventSourcedBehaviorTestKit.create(testKit.system(),
        TenantEntity.create(slug, ports(), shortDeadlines, Clock.systemUTC()));
  }

  @Test
  void aStepWhoseCallNeverAnswersIsFailedAsWedgedAtItsDeadline() {
    kit = kitWithShortCreateDeadline("wedged");
    driver.hold(FakeTenantDriver.Op.CREATE);
    kit.<Reply>runCommand(r -> new TenantCommand.Provision("Wedged", by("alice", "onboarding"), r));
    TenantState failed = awaitPhase(Phase.FAILED);
    assertEquals(Step.CREATE, failed.failure().step());
    assertTrue(failed.failure().reason().startsWith("wedged"), failed.failure().reason());
    // the late answer changes nothing; an operator retry runs the step again
    driver.release(FakeTenantDriver.Op.CREATE);
    kit.<Reply>runCommand(r -> new TenantCommand.Retry(by("ops", "daemon fixed"), r));
    awaitPhase(Phase.READY);
    assertEquals(1, driver.containerCount());
    assertTrue(FleetMetrics.get(testKit.system()).snapshot().getOrDefault("berth_wedged_steps_total{step=\"create\"}", 0L) >= 1);
  }

  @Test
  void aTeardownDoesNotWaitForeverForAWedgedCreate() {
    kit = kitWithShortCreateDeadline("wedged2");
    driver.hold(FakeTenantDriver.Op.CREATE);
    kit.<Reply>runCommand(r -> new TenantCommand.Provision("Wedged", by("alice", "onboarding"), r));
    kit.<Reply>runCommand(r -> new TenantCommand.Teardown(by("alice", "changed my mind"), r));
    awaitPhase(Phase.RETIRED);
  }

  @Test
  void aRunningContainerPassesTheCheckWithoutAnEvent() {
    readyTenant();
    kit.runCommand(new TenantCommand.CheckContainer("test"));
    kit.runCommand(new TenantCommand.CheckContainer("test again"));
    // The fake driver answers an inspection at once, so its answer is in the entity's mailbox before
    // the Get below: the Get's answer comes after the checks' outcomes were decided.
    Accepted after = assertInstanceOf(Accepted.class, kit.<Reply>runCommand(TenantCommand.Get::new).reply());
    assertEquals(Phase.READY, after.tenant().phase());
    assertEquals(4, journal("acme").size());
    // and a check that does find the container dead is decided at once, by the same path
    driver.crash("berth-acme");
    kit.runCommand(new TenantCommand.CheckContainer("test dead"));
    kit.<Reply>runCommand(TenantCommand.Get::new);
    assertInstanceOf(ContainerLost.class, journal("acme").get(4));
  }

  @Test
  void checksOutsideReadyAreIgnored() {
    driver.hold(FakeTenantDriver.Op.CREATE);
    provision();
    kit.runCommand(new TenantCommand.CheckContainer("test"));
    assertEquals(1, journal("acme").size());
    driver.release(FakeTenantDriver.Op.CREATE);
    awaitPhase(Phase.READY);
  }

  @Test
  void aCrashLoopingContainerFailsTheTenantWithTheReason() {
    readyTenant();
    for (int i = 0; i <= settings.maxLosses(); i++) {
      int lossesBefore = (int) journal("acme").stream().filter(ContainerLost.class::isInstance).count();
      driver.crash("berth-acme");
      kit.runCommand(new TenantCommand.CheckContainer("loop " + i));
      awaitState(s -> journal("acme").stream().filter(ContainerLost.class::isInstance).count() > lossesBefore
          && (s.phase() == Phase.READY || s.phase() == Phase.FAILED));
    }
    TenantState failed = awaitPhase(Phase.FAILED);
    assertTrue(failed.failure().reason().startsWith("crash loop"), failed.failure().reason());
    assertEquals(settings.maxLosses() + 1, journal("acme").stream().filter(ContainerLost.class::isInstance).count());
    // an operator retry restarts it
    kit.<Reply>runCommand(r -> new TenantCommand.Retry(by("ops", "fixed the image"), r));
    awaitPhase(Phase.READY);
  }

  @Test
  void stateSurvivesRestartFromSnapshotsAndEvents() {
    retiredWithKeptData();
    kit.<Reply>runCommand(r -> new TenantCommand.Restore(by("alice", "back"), r));
    TenantState before = awaitPhase(Phase.READY);
    kit.restart();
    assertEquals(before, kit.getState());
  }

  @Test
  void everyCommandEventAndStateSerializes() {
    var serialization = testKit.serializationTestKit();
    var probe = testKit.<Reply>createTestProbe();
    Provenance p = by("alice", "why");
    TenantSpec spec = settings.specFor("acme", 1);
    Endpoint ep = new Endpoint("127.0.0.1", 1234);
    ContainerInfo info = new ContainerInfo("id", "berth-acme", "acme", true, ep, Map.of("k", "v"));
    TenantState state = TenantState.empty("acme")
        .provisioning(new ProvisioningRequested("acme", "Acme", 1, spec, "berth-acme", "berth-acme-data", p))
        .failed(new TenantState.Failure(Phase.PROVISIONING, Step.CREATE, "boom", p.at()));
    List<Object> all = List.of(
        new TenantCommand.Provision("Acme", p, probe.ref()),
        new TenantCommand.Teardown(p, probe.ref()),
        new TenantCommand.Retry(p, probe.ref()),
        new TenantCommand.Get(probe.ref()),
        new TenantCommand.Wake(),
        new TenantCommand.AttemptSucceeded(Step.START, 3, info, true, 2),
        new TenantCommand.RecordSecretsChange(List.of("API_KEY"), 4, p, probe.ref()),
        new TenantEvent.SecretsChanged(List.of("API_KEY"), 4, p),
        new TenantEvent.SecretsDelivered(4, p),
        new TenantCommand.AttemptFailed(Step.CREATE, 4, "boom", true, false),
        new TenantCommand.RetryStep(Step.REMOVE),
        new TenantCommand.StepOverdue(Step.START),
        new TenantCommand.CheckContainer("docker die"),
        new TenantCommand.ContainerObserved(info, true, "docker die"),
        new TenantCommand.ContainerObserved(null, true, "docker destroy"),
        new TenantCommand.ContainerObserved(null, false, "docker die; inspection failed"),
        new Accepted(TenantView.of(state, "pekko://berth@127.0.0.1:25520")),
        new Rejected(Reason.ILLEGAL_STATE, "no"),
        new ProvisioningRequested("acme", "Acme", 1, spec, "berth-acme", "berth-acme-data", p),
        new ContainerCreated("id", true, p),
        new ContainerStarted("id", ep, p),
        new TenantInitialized(ep, p),
        new StepFailed(Phase.INITIALIZING, Step.INITIALIZE, "timeout", 3, p),
        new RetryRequested(Phase.INITIALIZING, p),
        new TeardownRequested(p),
        new TenantRetired("berth-acme", "berth-acme-data", p),
        new TenantRetired("berth-acme", "berth-acme-data", p.at(), p),
        new TenantEvent.PurgeRequested(p),
        new TenantEvent.VolumePurged("berth-acme-data", p),
        new TenantEvent.SsoHandoffIssued("t-1", p.at(), p),
        new TenantCommand.RecordHandoff("t-1", p.at(), p, probe.ref()),
        new Accepted(TenantView.of(state, "pekko://berth@127.0.0.1:25520", 2, "daemon unreachable", 0)),
        new TenantCommand.Restore(p, probe.ref()),
        new TenantCommand.Purge(p, probe.ref()),
        new TenantCommand.PurgeExpired(),
        new TenantCommand.SlotGranted(),
        new TenantCommand.StillWaiting(),
        new TenantCommand.AttemptFailed(Step.INITIALIZE, 5, "not healthy yet", true, false, true),
        new ContainerLost("id", ContainerLoss.REMOVED, p),
        new ContainerRecovered("id", ep, p),
        state,
        state.lost(ContainerLoss.EXITED, p.at(), "heal-1"),
        TenantState.empty("x"));
    for (Object o : all) {
      serialization.verifySerialization(o, true);
    }
    // Guard: a new command or event type must be added above.
    assertEquals(15, TenantEvent.class.getPermittedSubclasses().length);
    assertEquals(20, TenantCommand.class.getPermittedSubclasses().length - 1
        + TenantCommand.StepSignal.class.getPermittedSubclasses().length
        + TenantCommand.Reply.class.getPermittedSubclasses().length);
  }
}
