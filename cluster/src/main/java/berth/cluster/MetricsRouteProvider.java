package berth.cluster;

import berth.api.MetricsRoutes;
import berth.tenant.RouteTable;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.ExtensionIdProvider;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * Puts {@code GET /metrics} on the management port ({@code pekko.management.http.routes} in
 * application.conf), beside {@code /alive} and {@code /ready}: the port operators keep internal, and
 * the one a scraper already reaches. The counts come from memory (the route table, set by BerthNode
 * once it exists; until then every phase counts zero).
 */
public final class MetricsRouteProvider extends AbstractExtensionId<MetricsRouteProvider.Metrics>
    implements ExtensionIdProvider {
  public static final MetricsRouteProvider INSTANCE = new MetricsRouteProvider();

  public MetricsRouteProvider() {}

  @Override
  public MetricsRouteProvider lookup() {
    return INSTANCE;
  }

  @Override
  public Metrics createExtension(ExtendedActorSystem system) {
    return new Metrics(system);
  }

  /** The route table /metrics counts; BerthNode sets it. */
  static void countFrom(org.apache.pekko.actor.typed.ActorSystem<?> system, RouteTable routes) {
    INSTANCE.get(Adapter.toClassic(system)).routes.set(routes);
  }

  /** The extension management asks for its routes. */
  public static final class Metrics implements ManagementRouteProvider {
    private final ExtendedActorSystem system;
    private final AtomicReference<RouteTable> routes = new AtomicReference<>(RouteTable.NONE);

    Metrics(ExtendedActorSystem system) {
      this.system = system;
    }

    @Override
    public Route routes(ManagementRouteProviderSettings settings) {
      return new MetricsRoutes(Adapter.toTyped(system), () -> routes.get()).route();
    }
  }
}
