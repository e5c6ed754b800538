package berth.tenant.testing;

import berth.tenant.RouteTable;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A route table of one process, for tests of the logic above it (the real one is replicated). */
public final class InMemoryRouteTable implements RouteTable {
  private final Map<String, Route> routes = new ConcurrentHashMap<>();

  @Override
  public void publish(String slug, Route route) {
    routes.put(slug, route);
  }

  @Override
  public void remove(String slug) {
    routes.remove(slug);
  }

  @Override
  public Optional<Route> lookup(String slug) {
    return Optional.ofNullable(routes.get(slug));
  }

  @Override
  public Map<String, Route> all() {
    return Map.copyOf(routes);
  }
}
