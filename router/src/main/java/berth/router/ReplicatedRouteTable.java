package berth.router;

import berth.tenant.RouteTable;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;

/**
 * The route table, replicated to every node with Pekko Distributed Data (a last-writer-wins map keyed
 * by slug; each slug has a single writer, its entity). Writes go to all reachable nodes at once and
 * gossip covers the rest; a joining node receives the whole map by gossip. Reads come from an
 * immutable snapshot that a local subscriber swaps in on every change: a request never waits.
 */
public final class ReplicatedRouteTable implements RouteTable {
  static final Key<LWWMap<String, Route>> KEY = LWWMapKey.create("berth-tenant-routes");

  private final ActorRef<Replicator.Command> replicator;
  private final SelfUniqueAddress self;
  private final Replicator.WriteConsistency consistency;
  private final ActorRef<Replicator.UpdateResponse<LWWMap<String, Route>>> ignore;
  private final AtomicReference<Map<String, Route>> snapshot = new AtomicReference<>(Map.of());
  private volatile Map<String, Route> seeded = Map.of();

  public ReplicatedRouteTable(ActorSystem<?> system, Duration replicationTimeout) {
    DistributedData ddata = DistributedData.get(system);
    this.replicator = ddata.replicator();
    this.self = ddata.selfUniqueAddress();
    this.consistency = new Replicator.WriteAll(replicationTimeout);
    this.ignore = system.ignoreRef();
    system.systemActorOf(subscriber(), "berth-route-table", Props.empty());
  }

  private Behavior<Replicator.SubscribeResponse<LWWMap<String, Route>>> subscriber() {
    return Behaviors.setup(ctx -> {
      replicator.tell(new Replicator.Subscribe<>(KEY, ctx.getSelf()));
      return Behaviors.receive((c, msg) -> {
        if (msg instanceof Replicator.Changed<LWWMap<String, Route>> changed) {
          Map<String, Route> next = Map.copyOf(changed.get(KEY).getEntries());
          Map<String, Route> previous = snapshot.getAndSet(next);
          forgetSeeds(previous.keySet());
          forgetSeeds(next.keySet());
        }
        return Behaviors.same();
      });
    });
  }

  /** A seed is good only until the replicated table has had its slug (published, or removed since). */
  private void forgetSeeds(java.util.Set<String> slugs) {
    Map<String, Route> current = seeded;
    if (current.isEmpty() || slugs.stream().noneMatch(current::containsKey)) {
      return;
    }
    Map<String, Route> kept = new java.util.HashMap<>(current);
    kept.keySet().removeAll(slugs);
    seeded = Map.copyOf(kept);
  }

  @Override
  public void publish(String slug, Route route) {
    forgetSeeds(java.util.Set.of(slug));
    applyLocally(slug, route);
    replicator.tell(new Replicator.Update<>(KEY, LWWMap.create(), consistency, ignore, m -> m.put(self, slug, route)));
  }

  @Override
  public void remove(String slug) {
    forgetSeeds(java.util.Set.of(slug));
    applyLocally(slug, null);
    replicator.tell(new Replicator.Update<>(KEY, LWWMap.create(), consistency, ignore, m -> m.remove(self, slug)));
  }

  /**
   * This node's own write is served at once, not when the replicator next notifies subscribers
   * (every {@code notify-subscribers-interval}): a tenant the API has just reported READY is routed
   * by the node that made it so. The next notification carries the write too.
   */
  private void applyLocally(String slug, Route route) {
    snapshot.updateAndGet(m -> {
      Map<String, Route> next = new java.util.HashMap<>(m);
      if (route == null) next.remove(slug); else next.put(slug, route);
      return Map.copyOf(next);
    });
  }

  /**
   * Routes known from the read model at start, consulted only for slugs the replicated table does not
   * have yet: after a restart a known tenant is served (or answered 503) instead of 404 until its
   * entity wakes and publishes. Kept on this node only, so a stale row never overrides an entity's word.
   */
  public void seed(Map<String, Route> known) {
    seeded = Map.copyOf(known);
  }

  @Override
  public Optional<Route> lookup(String slug) {
    Route replicated = snapshot.get().get(slug);
    return Optional.ofNullable(replicated != null ? replicated : seeded.get(slug));
  }

  /** Every route this node knows: the replicated ones, and seeded ones for slugs not replicated yet. */
  @Override
  public Map<String, Route> all() {
    Map<String, Route> replicated = snapshot.get();
    if (seeded.isEmpty()) {
      return replicated;
    }
    Map<String, Route> merged = new java.util.HashMap<>(seeded);
    merged.putAll(replicated);
    return merged;
  }
}
