package berth.api;

import berth.account.Permission;
import java.time.Clock;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code /api/cluster}: the members and what each hosts (see {@link ClusterView}). */
final class ClusterRoutes extends ApiDirectives {
  private final ClusterView view;

  ClusterRoutes(ActorSystem<?> system, ApiSettings settings, BooleanSupplier databaseAvailable, Clock clock) {
    super(system, settings, databaseAvailable, clock);
    this.view = new ClusterView(system, settings.askTimeout());
  }

  Route route(Caller caller) {
    return path("cluster", () -> get(() -> allow(caller, Permission.READ_FLEET,
        () -> onSuccess(view.describe(), body -> json(StatusCodes.OK, body)))));
  }
}
