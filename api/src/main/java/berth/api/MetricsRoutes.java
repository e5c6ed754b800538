package berth.api;

import berth.tenant.FleetMetrics;
import berth.tenant.PrometheusText;
import berth.tenant.TenantDirectory;
import berth.tenant.TenantDirectory.TenantSummary;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /metrics}: tenants per phase (from the read model) and this node's counters, in
 * Prometheus' text format. By the Prometheus convention it needs no credentials; it shows counts
 * only, never a tenant's name.
 */
final class MetricsRoutes extends AllDirectives {
  private static final org.apache.pekko.http.javadsl.model.ContentType TEXT = ContentTypes.parse(PrometheusText.CONTENT_TYPE);

  private final ActorSystem<?> system;
  private final TenantDirectory directory;

  MetricsRoutes(ActorSystem<?> system, TenantDirectory directory) {
    this.system = system;
    this.directory = directory;
  }

  Route route() {
    return path("metrics", () -> get(() -> onSuccess(directory.list(), rows -> {
      String text = PrometheusText.render(rows.stream().map(TenantSummary::phase).toList(),
          FleetMetrics.get(system).snapshot());
      return complete(HttpEntities.create(TEXT, text.getBytes(StandardCharsets.UTF_8)));
    })));
  }
}
