package berth.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Admission control on its own: capacity, the line, who is served first, and releases. */
class StepSlotsTest {
  static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void beyondCapacityTenantsWaitAndWorkOnExistingTenantsGoesAheadOfNewOnes() {
    StepSlots slots = new StepSlots(2);
    TestProbe<TenantCommand> a = testKit.createTestProbe();
    TestProbe<TenantCommand> b = testKit.createTestProbe();
    TestProbe<TenantCommand> c = testKit.createTestProbe();
    TestProbe<TenantCommand> d = testKit.createTestProbe();
    TestProbe<TenantCommand> healing = testKit.createTestProbe();
    assertTrue(slots.acquire("a", a.ref(), false));
    assertTrue(slots.acquire("b", b.ref(), false));
    assertFalse(slots.acquire("c", c.ref(), false), "full: new tenants wait");
    assertFalse(slots.acquire("d", d.ref(), false));
    assertFalse(slots.acquire("healing", healing.ref(), true), "full: a repair waits too, but ahead");
    assertEquals(1, slots.position("healing"));
    assertEquals(2, slots.position("c"));
    assertEquals(3, slots.position("d"));
    assertTrue(slots.acquire("a", a.ref(), false), "a holder asking again keeps its slot");
    assertEquals(2, slots.running());
    assertEquals(3, slots.waiting());

    slots.release("a");
    healing.expectMessageClass(TenantCommand.SlotGranted.class);
    assertTrue(slots.acquire("healing", healing.ref(), true), "a granted slot is the tenant's");
    c.expectNoMessage(Duration.ofMillis(100));
    assertEquals(1, slots.position("c"));

    slots.release("c"); // gave up waiting (its entity stopped): its place goes, nobody is granted
    assertEquals(1, slots.position("d"));
    assertEquals(2, slots.running());
    slots.release("b");
    d.expectMessageClass(TenantCommand.SlotGranted.class);
    assertEquals(0, slots.waiting());
    slots.release("b"); // twice: nothing happens
    assertEquals(2, slots.running());
  }
}
