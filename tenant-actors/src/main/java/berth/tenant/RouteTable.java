package berth.tenant;

import java.util.Map;
import java.util.Optional;

/**
 * Where each tenant can be reached, known in memory on every node. Tenant entities are its only
 * writers (each for its own slug, after every change of phase or endpoint); routers read it on every
 * request without asking anyone. The cluster-wide implementation lives in the router module.
 */
public interface RouteTable {

  /** Records the tenant's current phase and endpoint; RETIRED tenants are removed. */
  void publish(String slug, Route route);

  void remove(String slug);

  /** This node's current view; never blocks. */
  Optional<Route> lookup(String slug);

  /** Every route this node knows (every tenant not RETIRED), from memory: what {@code /metrics} counts. */
  Map<String, Route> all();

  /** A tenant's routing entry: READY tenants with an endpoint are served, others answered 503. */
  record Route(Phase phase, Endpoint endpoint, int incarnation) implements CborSerializable {
    public boolean servable() {
      return phase == Phase.READY && endpoint != null;
    }
  }

  /** A table that remembers nothing, for nodes and tests that do not route. */
  RouteTable NONE = new RouteTable() {
    @Override
    public void publish(String slug, Route route) {}

    @Override
    public void remove(String slug) {}

    @Override
    public Optional<Route> lookup(String slug) {
      return Optional.empty();
    }

    @Override
    public Map<String, Route> all() {
      return Map.of();
    }
  };
}
