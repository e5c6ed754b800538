package berth.api;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.ServerBuilder;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.settings.ServerSettings;

/** Binds the admin API (HTTPS when {@code berth.api.tls} names a key store); the binding is released in CoordinatedShutdown's unbind phase. */
public final class AdminServer {
  private static final Duration HARD_TERMINATION = Duration.ofSeconds(10);

  private AdminServer() {}

  public static CompletionStage<ServerBinding> start(ActorSystem<?> system, Route routes, ApiSettings settings) {
    // the client's address as the connection has it, for throttling sign-ins and for the audit trail:
    // set here, not in configuration, where the order in which a fat jar merges reference.conf files
    // let pekko-http's own default (off) win
    ServerSettings server = ServerSettings.create(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system))
        .withRemoteAddressAttribute(true);
    ServerBuilder at = Http.get(system).newServerAt(settings.host(), settings.port()).withSettings(server);
    if (settings.tls().isPresent()) {
      at = at.enableHttps(ConnectionContext.httpsServer(settings.tls().get()));
    }
    return at.bind(routes)
        .thenApply(binding -> binding.addToCoordinatedShutdown(HARD_TERMINATION, system));
  }
}
