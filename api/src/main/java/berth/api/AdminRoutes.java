package berth.api;

import berth.tenant.LogArchive;
import berth.tenant.SecretStore;
import berth.tenant.TenantDirectory;
import java.time.Clock;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The admin API, assembled: everything under {@code /api}, which needs the
 * bearer token and carries a correlation id. Each resource has its routes class; what they share is
 * in {@link ApiDirectives}. Every error is a JSON body {@code {"error": ..., "message": ...}}.
 */
public final class AdminRoutes extends ApiDirectives {
  private final ClusterRoutes cluster;
  private final TenantRoutes tenants;

  /**
   * @param databaseAvailable whether the journal can be written now; while it cannot, writes and
   *     database reads are refused at once with 503
   */
  public AdminRoutes(ActorSystem<?> system, TenantDirectory directory, LogArchive logs, SecretStore secrets,
      ApiSettings settings, SsoIssuer sso, BooleanSupplier databaseAvailable, Clock clock) {
    super(system, settings, databaseAvailable, clock);
    this.cluster = new ClusterRoutes(system, settings, databaseAvailable, clock);
    this.tenants = new TenantRoutes(system, directory, logs, secrets, settings, sso, databaseAvailable, clock);
  }

  public Route routes() {
    return handleExceptions(exceptions(), () -> handleRejections(rejections(), () ->
        pathPrefix("api", () -> authenticated(principal -> correlated(correlationId -> concat(
            cluster.route(),
            tenants.route(principal, correlationId)))))));
  }
}
