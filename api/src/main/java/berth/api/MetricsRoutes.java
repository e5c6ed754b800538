package berth.api;

import berth.tenant.FleetMetrics;
import berth.tenant.PrometheusText;
import berth.tenant.RouteTable;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /metrics}: tenants per phase and this node's counters, in Prometheus' text format, all
 * from memory (the route table every node keeps): a scrape costs no database query, and answers while
 * the database is down. By the Prometheus convention it needs no credentials; it shows counts only,
 * never a tenant's name.
 */
public final class MetricsRoutes extends AllDirectives {
  private static final org.apache.pekko.http.javadsl.model.ContentType TEXT = ContentTypes.parse(PrometheusText.CONTENT_TYPE);

  private final ActorSystem<?> system;
  private final java.util.function.Supplier<RouteTable> routes;

  /** @param routes the route table to count, asked at every scrape (it may be set after the route exists) */
  public MetricsRoutes(ActorSystem<?> system, java.util.function.Supplier<RouteTable> routes) {
    this.system = system;
    this.routes = routes;
  }

  public Route route() {
    return path("metrics", () -> get(() -> {
      String text = PrometheusText.render(routes.get().all().values().stream().map(RouteTable.Route::phase).toList(),
          FleetMetrics.get(system).snapshot(), berth.tenant.StepSlots.get(system));
      return complete(HttpEntities.create(TEXT, text.getBytes(StandardCharsets.UTF_8)));
    }));
  }
}
