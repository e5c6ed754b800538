package berth.cluster;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/**
 * Readiness check of pekko-management ({@code GET /ready} on the management port): true once this
 * node has started tenant sharding and bound its router and admin API. Pekko's own cluster-membership
 * check (the node is an Up member) runs beside it; both must pass.
 */
public final class ServingCheck implements Supplier<CompletionStage<Boolean>> {
  private final Serving serving;

  public ServingCheck(ActorSystem system) {
    this.serving = Serving.get(Adapter.toTyped(system));
  }

  @Override
  public CompletionStage<Boolean> get() {
    return CompletableFuture.completedFuture(serving.flag.get());
  }

  /** Whether this node serves: set by BerthNode when everything is bound. */
  static final class Serving implements Extension {
    private static final ExtensionId<Serving> ID = new ExtensionId<>() {
      @Override
      public Serving createExtension(org.apache.pekko.actor.typed.ActorSystem<?> system) {
        return new Serving();
      }
    };

    final AtomicBoolean flag = new AtomicBoolean();

    static Serving get(org.apache.pekko.actor.typed.ActorSystem<?> system) {
      return ID.apply(system);
    }
  }
}
