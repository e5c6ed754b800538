package berth.tenant;

import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders {@code GET /metrics} in Prometheus' text exposition format (version 0.0.4): tenants per
 * phase, then every {@link FleetMetrics} counter under its help text.
 */
public final class PrometheusText {
  /** The exposition format's content type. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private PrometheusText() {}

  /**
   * @param phases the phase of every tenant this node knows a route for
   * @param counters this node's counters, as {@link FleetMetrics#snapshot()} gives them
   * @param slots this node's admission control
   */
  public static String render(Collection<Phase> phases, Map<String, Long> counters, StepSlots slots) {
    StringBuilder out = new StringBuilder();
    out.append("# HELP berth_tenants Tenants per phase, from this node's route table in memory (RETIRED ones are not kept).\n"
        + "# TYPE berth_tenants gauge\n");
    Map<Phase, Long> perPhase = new EnumMap<>(Phase.class);
    for (Phase p : Phase.values()) {
      if (p.active()) perPhase.put(p, 0L);
    }
    phases.forEach(p -> perPhase.merge(p, 1L, Long::sum));
    perPhase.forEach((p, n) ->
        out.append("berth_tenants{phase=\"").append(p.name().toLowerCase()).append("\"} ").append(n).append('\n'));
    out.append("# HELP berth_step_slots Tenants running steps on this node (state=running, at most capacity) and waiting for a slot (state=waiting).\n"
        + "# TYPE berth_step_slots gauge\n")
        .append("berth_step_slots{state=\"running\"} ").append(slots.running()).append('\n')
        .append("berth_step_slots{state=\"waiting\"} ").append(slots.waiting()).append('\n')
        .append("berth_step_slots{state=\"capacity\"} ").append(slots.capacity()).append('\n');
    for (var help : new TreeMap<>(FleetMetrics.HELP).entrySet()) {
      String name = help.getKey();
      out.append("# HELP ").append(name).append(' ').append(help.getValue()).append('\n')
          .append("# TYPE ").append(name).append(" counter\n");
      counters.forEach((series, n) -> {
        if (series.equals(name) || series.startsWith(name + "{")) {
          out.append(series).append(' ').append(n).append('\n');
        }
      });
    }
    return out.toString();
  }
}
