package berth.api;

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
  private final SessionRoutes sessions;
  private final AccountRoutes accounts;
  private final StreamRoutes streams;
  private final AuditRoutes audit;
  private final UiRoutes ui = new UiRoutes();
  /** API answers (sessions, CSRF tokens, a new token) are never cached; the SSO link sets its own. */
  private static final java.util.List<org.apache.pekko.http.javadsl.model.HttpHeader> API_HEADERS = java.util.List.of(
      org.apache.pekko.http.javadsl.model.headers.RawHeader.create("Cache-Control", "no-store"),
      org.apache.pekko.http.javadsl.model.headers.RawHeader.create("X-Content-Type-Options", "nosniff"));
  private final Authenticator authenticator;

  /**
   * @param databaseAvailable whether the journal can be written now; while it cannot, writes and
   *     database reads are refused at once with 503
   */
  public AdminRoutes(ActorSystem<?> system, AdminPorts ports, ApiSettings settings, SsoIssuer sso,
      BooleanSupplier databaseAvailable, Clock clock) {
    super(system, settings, databaseAvailable, clock);
    this.cluster = new ClusterRoutes(system, settings, databaseAvailable, clock);
    this.tenants = new TenantRoutes(system, ports, settings, sso, databaseAvailable, clock);
    this.authenticator = new Authenticator(system, ports.credentials(), settings, clock);
    AccountDirectives.People people = AccountDirectives.People.of(system, ports.credentials(), authenticator, settings, clock);
    this.sessions = new SessionRoutes(system, people, settings, databaseAvailable, clock);
    this.accounts = new AccountRoutes(system, people, settings, databaseAvailable, clock);
    this.streams = new StreamRoutes(system, settings, databaseAvailable, clock);
    this.audit = new AuditRoutes(system, ports.audit(), settings, databaseAvailable, clock);
  }

  public Route routes() {
    return handleExceptions(exceptions(), () -> handleRejections(rejections(), () -> concat(
        ui.route(),
        pathPrefix("api", () -> respondWithDefaultHeaders(API_HEADERS, () -> correlated(correlationId -> concat(
            sessions.publicRoute(correlationId),
            // the server's own input rules, for clients that check as the user types (the admin UI)
            path("rules", () -> get(() -> json(org.apache.pekko.http.javadsl.model.StatusCodes.OK, java.util.Map.of(
                "slug", berth.tenant.Slug.pattern(), "slugText", berth.tenant.Slug.RULE_TEXT,
                "secretName", berth.tenant.SecretStore.NAME.pattern())))),
            authenticated(authenticator, caller -> concat(
                cluster.route(caller),
                tenants.route(caller, correlationId),
                tenants.images(caller),
                streams.route(caller),
                audit.route(caller),
                sessions.route(caller),
                accounts.route(caller, correlationId))))))))));
  }
}
