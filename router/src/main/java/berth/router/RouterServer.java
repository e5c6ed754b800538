package berth.router;

import berth.tenant.RouteTable;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.ServerBuilder;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.settings.ConnectionPoolSettings;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.stream.javadsl.Flow;

/**
 * Binds the router (HTTPS when {@code berth.router.tls} names a key store) with settings for proxying (they apply to this binding and its upstream pools
 * only, not to the admin API): no request timeout and no body size limit on the server side (bodies
 * stream), the client's address as an attribute, and per-tenant pools sized for a proxy.
 */
public final class RouterServer {
  private static final Duration HARD_TERMINATION = Duration.ofSeconds(10);

  private RouterServer() {}

  public static CompletionStage<ServerBinding> start(ActorSystem<?> system, RouteTable routes, RouterSettings s) {
    Config base = system.settings().config();
    Config tuned = ConfigFactory.parseString("""
        pekko.http.server {
          request-timeout = off
          idle-timeout = %1$dms
          remote-address-attribute = on
          parsing.max-content-length = infinite
        }
        pekko.http.host-connection-pool {
          max-connections = %2$d
          max-open-requests = %3$d
          max-retries = 1
          base-connection-backoff = 100ms
          max-connection-backoff = 1s
          response-entity-subscription-timeout = %4$dms
          idle-timeout = %1$dms
          client.idle-timeout = %1$dms
          client.parsing.max-content-length = infinite
        }
        """.formatted(s.idleTimeout().toMillis(), s.maxConnectionsPerTenant(), s.maxOpenRequestsPerTenant(),
            s.responseSubscriptionTimeout().toMillis())).withFallback(base);
    TenantProxy proxy = new TenantProxy(system, routes, s, ConnectionPoolSettings.create(tuned));
    ServerSettings server = ServerSettings.create(tuned);
    ServerBuilder at = Http.get(system).newServerAt(s.host(), s.port()).withSettings(server);
    if (s.tls().isPresent()) {
      at = at.enableHttps(ConnectionContext.httpsServer(s.tls().get()));
    }
    // per connection: the proxy (as many requests at once as pipelining allows) behind the header timeout
    return at.bindFlow(RequestHeaderTimeout.around(
            Flow.of(HttpRequest.class).mapAsync(server.getPipeliningLimit(), proxy), s.requestHeaderTimeout()))
        .thenApply(binding -> binding.addToCoordinatedShutdown(HARD_TERMINATION, system));
  }
}
