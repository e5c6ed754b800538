package berth.tenant;

import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One tenant's place with its node's {@link StepSlots}, for its {@link StepRunner}: it holds a slot,
 * or waits in line — and while it waits, reminds the shard every {@link #KEEP_ALIVE_INTERVAL} that its
 * entity is busy (a message through the shard), so that idle passivation does not drop it from the line.
 */
final class SlotHolder {
  private static final String KEEP_ALIVE_TIMER = "waiting-for-slot";
  /** Well inside sharding's idle passivation (120 s by default). */
  static final Duration KEEP_ALIVE_INTERVAL = Duration.ofSeconds(30);

  private final String slug;
  private final StepSlots slots;
  private final ActorRef<TenantCommand> self;
  private final TimerScheduler<TenantCommand> timers;
  private final Runnable keepAlive;
  private boolean holds;

  SlotHolder(String slug, StepSlots slots, ActorRef<TenantCommand> self, TimerScheduler<TenantCommand> timers,
      Runnable keepAlive) {
    this.slug = slug;
    this.slots = slots;
    this.self = self;
    this.timers = timers;
    this.keepAlive = keepAlive;
  }

  /**
   * Whether the tenant may run its step now; if not, it is in line and told {@link TenantCommand.SlotGranted}.
   *
   * @param existing the step is work on a tenant that exists already (healing, teardown, purge,
   *     secrets), which waits ahead of new tenants
   */
  boolean acquire(boolean existing) {
    if (holds) return true;
    if (slots.acquire(slug, self, existing)) {
      holds = true;
      timers.cancel(KEEP_ALIVE_TIMER);
      return true;
    }
    if (!timers.isTimerActive(KEEP_ALIVE_TIMER)) {
      timers.startTimerWithFixedDelay(KEEP_ALIVE_TIMER, new TenantCommand.StillWaiting(), KEEP_ALIVE_INTERVAL);
    }
    return false;
  }

  /** The tenant owes no step (or its entity stops): its slot, or its place in line, goes to the next. */
  void release() {
    timers.cancel(KEEP_ALIVE_TIMER);
    holds = false;
    slots.release(slug); // nothing to do when it held none and waited for none
  }

  /** {@link TenantCommand.StillWaiting}: a Wake through the shard, which also runs the entity's advance. */
  void stillWaiting() {
    keepAlive.run();
  }

  /** Its place in line (1: next), or 0 when it holds a slot or is not waiting. */
  int placeInLine() {
    return holds ? 0 : slots.position(slug);
  }
}
