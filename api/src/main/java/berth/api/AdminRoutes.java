package berth.api;

import berth.account.AccountCredentials;
import berth.tenant.LogArchive;
import berth.tenant.SecretStore;
import berth.tenant.TenantDirectory;
import java.time.Clock;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The admin API, assembled: everything under {@code /api} carries a correlation id and, but for the
 * owner's sign-up and sign-in, needs credentials (a session, an API token, or the break-glass token);
 * each route then checks the caller's role (docs/api.md has the matrix). Each resource has its routes class; what they share is
 * in {@link ApiDirectives}. Every error is a JSON body {@code {"error": ..., "message": ...}}.
 */
public final class AdminRoutes extends ApiDirectives {
  private final ClusterRoutes cluster;
  private final TenantRoutes tenants;
  private final AccountRoutes accounts;
  private final Authenticator authenticator;

  /**
   * @param databaseAvailable whether the journal can be written now; while it cannot, writes and
   *     database reads are refused at once with 503
   */
  public AdminRoutes(ActorSystem<?> system, TenantDirectory directory, LogArchive logs, SecretStore secrets,
      AccountCredentials credentials, ApiSettings settings, SsoIssuer sso, BooleanSupplier databaseAvailable,
      Clock clock) {
    super(system, settings, databaseAvailable, clock);
    this.cluster = new ClusterRoutes(system, settings, databaseAvailable, clock);
    this.tenants = new TenantRoutes(system, directory, logs, secrets, settings, sso, databaseAvailable, clock);
    this.authenticator = new Authenticator(system, credentials, settings, clock);
    this.accounts = new AccountRoutes(system, credentials, authenticator, settings, databaseAvailable, clock);
  }

  public Route routes() {
    return handleExceptions(exceptions(), () -> handleRejections(rejections(), () ->
        pathPrefix("api", () -> correlated(correlationId -> concat(
            accounts.publicRoute(correlationId),
            authenticated(authenticator, caller -> concat(
                cluster.route(caller),
                tenants.route(caller, correlationId),
                accounts.route(caller, correlationId))))))));
  }
}
