package berth.tenant;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * Admission control for steps, one per node: at most {@code berth.tenant.concurrent-steps} tenants run
 * steps at once (a tenant keeps its slot from its first owed step until it owes none, so a tenant
 * half-way through provisioning is not sent to the back of the line); the others wait in arrival
 * order and are told {@link TenantCommand.SlotGranted} when their turn comes — except that work on
 * tenants that exist already (bringing back a lost container, a teardown, a purge, re-delivering
 * changed secrets) goes ahead of new tenants in the line: a burst of creates does not lengthen a
 * READY tenant's outage. A burst of creates then
 * starts containers a few at a time instead of all at once on a host too small for them, and since
 * a step's deadline counts from when it starts running, waiting in line never fails a tenant.
 */
public final class StepSlots implements Extension {
  private static final ExtensionId<StepSlots> ID = new ExtensionId<>() {
    @Override
    public StepSlots createExtension(ActorSystem<?> system) {
      int configured = system.settings().config().getInt("berth.tenant.concurrent-steps");
      return new StepSlots(configured > 0 ? configured : defaultCapacity());
    }
  };

  private final int capacity;
  private final Set<String> holders = new HashSet<>();
  private final LinkedHashMap<String, ActorRef<TenantCommand>> waiting = new LinkedHashMap<>();
  /** The urgent ones among {@link #waiting}: served first, in their own arrival order. */
  private final Set<String> urgent = new HashSet<>();

  StepSlots(int capacity) {
    if (capacity < 1) throw new IllegalArgumentException("berth.tenant.concurrent-steps must be at least 1");
    this.capacity = capacity;
  }

  public static StepSlots get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** Two per core: containers starting at once share the host's CPUs (0 in the configuration means this). */
  public static int defaultCapacity() {
    return 2 * Runtime.getRuntime().availableProcessors();
  }

  public int capacity() {
    return capacity;
  }

  /**
   * A slot for the tenant now (true), or a place in line (false: {@code entity} is told when it has one).
   *
   * @param first work on an existing tenant, which waits ahead of new tenants
   */
  synchronized boolean acquire(String slug, ActorRef<TenantCommand> entity, boolean first) {
    if (holders.contains(slug)) return true;
    if (holders.size() < capacity && waiting.isEmpty()) {
      holders.add(slug);
      return true;
    }
    waiting.putIfAbsent(slug, entity);
    if (first) urgent.add(slug);
    grantNext();
    return holders.contains(slug);
  }

  synchronized boolean acquire(String slug, ActorRef<TenantCommand> entity) {
    return acquire(slug, entity, false);
  }

  /** The tenant owes no step any more, or its entity stopped: its slot (or place in line) goes to the next. */
  synchronized void release(String slug) {
    waiting.remove(slug);
    urgent.remove(slug);
    holders.remove(slug);
    grantNext();
  }

  /** The tenant's place in line (1: next), or 0 when it is not waiting. */
  public synchronized int position(String slug) {
    int i = 1;
    for (String s : inTurn()) {
      if (s.equals(slug)) return i;
      i++;
    }
    return 0;
  }

  /** The line in the order it is served: the urgent, then the others, each in arrival order. */
  private java.util.List<String> inTurn() {
    java.util.List<String> order = new java.util.ArrayList<>(waiting.size());
    for (String s : waiting.keySet()) if (urgent.contains(s)) order.add(s);
    for (String s : waiting.keySet()) if (!urgent.contains(s)) order.add(s);
    return order;
  }

  public synchronized int running() {
    return holders.size();
  }

  public synchronized int waiting() {
    return waiting.size();
  }

  private void grantNext() {
    if (holders.size() >= capacity || waiting.isEmpty()) return;
    for (String slug : inTurn()) {
      if (holders.size() >= capacity) return;
      ActorRef<TenantCommand> entity = waiting.remove(slug);
      urgent.remove(slug);
      holders.add(slug);
      entity.tell(new TenantCommand.SlotGranted());
    }
  }
}
