package berth.tenant;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * Counters of what this node's tenants and reconcile loop did: healing actions, reconcile actions,
 * wedged steps, driver errors. One instance per actor system; each node counts its own, and a
 * scraper adds them up. Exposed by the admin API ({@code GET /metrics}) as {@link PrometheusText} renders them.
 * Labels carry only fixed vocabularies (steps, actions, kinds), never tenant names.
 */
public final class FleetMetrics implements Extension {
  public static final String HEALING = "berth_healing_actions_total";
  public static final String RECONCILE = "berth_reconcile_actions_total";
  public static final String RECONCILE_PASSES = "berth_reconcile_passes_total";
  /** With {@link #RECONCILE_PASSES}: the mean pass time over any window (a summary's sum and count). */
  public static final String RECONCILE_PASS_MILLIS = "berth_reconcile_pass_milliseconds_total";
  public static final String WEDGED = "berth_wedged_steps_total";
  public static final String DRIVER_ERRORS = "berth_driver_errors_total";
  public static final String STEP_FAILURES = "berth_step_failures_total";

  private static final ExtensionId<FleetMetrics> ID = new ExtensionId<>() {
    @Override
    public FleetMetrics createExtension(ActorSystem<?> system) {
      return new FleetMetrics();
    }
  };

  /** Counter → its help text. */
  public static final Map<String, String> HELP = Map.of(
      HEALING, "Healing actions taken for READY tenants (action: container_lost, container_recovered, crash_loop).",
      RECONCILE, "Actions of the reconcile loop (action: wake, check, orphan_removed).",
      RECONCILE_PASSES, "Completed passes of the reconcile loop, on the node running it.",
      RECONCILE_PASS_MILLIS, "Time the completed reconcile passes took, from the directory query to the last comparison.",
      WEDGED, "Steps that got no answer within their deadline and were failed (step).",
      DRIVER_ERRORS, "Failed driver or guest calls (step, kind: retryable, permanent).",
      STEP_FAILURES, "Steps that failed for good (step).");

  private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();

  public static FleetMetrics get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** Adds one to {@code name} with labels given as alternating names and values. */
  public void increment(String name, String... labels) {
    add(name, 1, labels);
  }

  /** Adds {@code amount} to {@code name} with labels given as alternating names and values. */
  public void add(String name, long amount, String... labels) {
    StringBuilder key = new StringBuilder(name);
    if (labels.length > 0) {
      key.append('{');
      for (int i = 0; i + 1 < labels.length; i += 2) {
        if (i > 0) key.append(',');
        key.append(labels[i]).append("=\"").append(labels[i + 1]).append('"');
      }
      key.append('}');
    }
    counters.computeIfAbsent(key.toString(), k -> new LongAdder()).add(amount);
  }

  /** Every series with its value, sorted: {@code name{labels}} → count. */
  public Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    counters.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
