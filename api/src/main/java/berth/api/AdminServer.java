package berth.api;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Route;

/** Binds the admin API; the binding is released in CoordinatedShutdown's unbind phase. */
public final class AdminServer {
  private static final Duration HARD_TERMINATION = Duration.ofSeconds(10);

  private AdminServer() {}

  public static CompletionStage<ServerBinding> start(ActorSystem<?> system, Route routes, ApiSettings settings) {
    return Http.get(system)
        .newServerAt(settings.host(), settings.port())
        .bind(routes)
        .thenApply(binding -> binding.addToCoordinatedShutdown(HARD_TERMINATION, system));
  }
}
