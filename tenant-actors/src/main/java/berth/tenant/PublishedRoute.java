package berth.tenant;

/**
 * Keeps the {@link RouteTable} in step with one tenant: after every change of its state the entity
 * hands the state here, and only an actual change of phase, endpoint or incarnation is published.
 */
final class PublishedRoute {
  private final String slug;
  private final RouteTable routes;
  private RouteTable.Route published;

  PublishedRoute(String slug, RouteTable routes) {
    this.slug = slug;
    this.routes = routes;
  }

  void follow(TenantState state) {
    if (state.phase() == Phase.EMPTY) {
      return;
    }
    RouteTable.Route route = new RouteTable.Route(state.phase(), state.endpoint(), state.incarnation());
    if (route.equals(published)) {
      return;
    }
    if (state.phase() == Phase.RETIRED) {
      routes.remove(slug);
    } else {
      routes.publish(slug, route);
    }
    published = route;
  }
}
