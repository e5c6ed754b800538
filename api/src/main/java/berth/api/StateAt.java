package berth.api;

import berth.tenant.TenantEntity;
import berth.tenant.TenantEvent;
import berth.tenant.TenantState;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.persistence.SelectedSnapshot;
import org.apache.pekko.persistence.SnapshotProtocol;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A tenant as it was at an instant: its journal replayed up to that instant with the entity's own
 * event handler ({@link TenantState#apply}), not a second reading of the events. The replay starts
 * from the latest snapshot the entity saved before the instant (its {@code created} time, on the
 * clock of the node that saved it, is no earlier than the events in it), so its cost is the events
 * after that snapshot, not the tenant's whole history; without one it starts at the first event.
 * The prefix ends at the first event recorded after the instant (instants to the microsecond, as the
 * audit trail and the database keep them).
 */
final class StateAt {
  /** The state, how many events it folds in (from the snapshot, and replayed), and the first event's instant when seen. */
  record Result(TenantState state, long eventsApplied, long fromSnapshot, Instant first) {}

  static final long FIRST_WINDOW = 32;
  static final long MAX_WINDOW = 4096;

  private final ActorSystem<?> system;
  private final CurrentEventsByPersistenceIdQuery journal;
  private final ActorRef snapshots;
  private final Duration timeout;

  StateAt(ActorSystem<?> system, ApiSettings settings) {
    this.system = system;
    this.journal = PersistenceQuery.get(system)
        .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, settings.readJournal());
    String plugin = system.settings().config().getString("pekko.persistence.snapshot-store.plugin");
    this.snapshots = Persistence.get(Adapter.toClassic(system)).snapshotStoreFor(plugin, ConfigFactory.empty());
    this.timeout = settings.askTimeout();
  }

  CompletionStage<Result> of(String slug, Instant at) {
    String id = TenantEntity.persistenceId(slug).id();
    // saved in an earlier millisecond than the instant: its events were all recorded before it
    long maxTimestamp;
    try {
      maxTimestamp = at.toEpochMilli() - 1;
    } catch (ArithmeticException farAway) {
      maxTimestamp = at.isBefore(Instant.EPOCH) ? -1 : Long.MAX_VALUE;
    }
    SnapshotSelectionCriteria criteria = SnapshotSelectionCriteria.create(Long.MAX_VALUE, maxTimestamp);
    return Patterns.ask(snapshots, new SnapshotProtocol.LoadSnapshot(id, criteria, Long.MAX_VALUE), timeout)
        .thenCompose(answer -> {
          if (answer instanceof SnapshotProtocol.LoadSnapshotFailed failed) {
            throw new IllegalStateException("the snapshot store failed", failed.cause());
          }
          Optional<SelectedSnapshot> found = scala.jdk.javaapi.OptionConverters.toJava(
              ((SnapshotProtocol.LoadSnapshotResult) answer).snapshot());
          Result start = found
              .filter(s -> s.snapshot() instanceof TenantState)
              // saved by a node whose clock ran behind the events' (an entity moved between nodes):
              // it holds a later state than the instant, so the replay starts at the first event
              .filter(s -> ((TenantState) s.snapshot()).updatedAt() == null
                  || !((TenantState) s.snapshot()).updatedAt().truncatedTo(ChronoUnit.MICROS).isAfter(at))
              .map(s -> new Result((TenantState) s.snapshot(), s.metadata().sequenceNr(), s.metadata().sequenceNr(), null))
              .orElseGet(() -> new Result(TenantState.empty(slug), 0, 0, null));
          return replay(id, start, at);
        });
  }

  private CompletionStage<Result> replay(String id, Result start, Instant at) {
    // in windows that start small and double, so that the few events after a snapshot cost one short
    // query and a replay from the first event still reads in large batches
    return Source.fromIterator(() -> new java.util.Iterator<long[]>() {
          long from = start.eventsApplied() + 1;
          long size = FIRST_WINDOW;

          @Override
          public boolean hasNext() {
            return true;
          }

          @Override
          public long[] next() {
            long[] window = {from, from + size - 1};
            from += size;
            size = Math.min(size * 2, MAX_WINDOW);
            return window;
          }
        })
        .mapAsync(1, w -> journal.currentEventsByPersistenceId(id, w[0], w[1]).runWith(Sink.seq(), system))
        .takeWhile(events -> !events.isEmpty())
        .mapConcat(events -> events)
        .map(env -> (TenantEvent) env.event())
        .takeWhile(e -> !after(e, at), true)
        .runFold(start, (r, e) -> {
          Instant first = r.first() == null && r.eventsApplied() == 0 ? e.provenance().at() : r.first();
          return after(e, at) ? new Result(r.state(), r.eventsApplied(), r.fromSnapshot(), first)
              : new Result(r.state().apply(e), r.eventsApplied() + 1, r.fromSnapshot(), first);
        }, system);
  }

  private static boolean after(TenantEvent e, Instant at) {
    return e.provenance().at().truncatedTo(ChronoUnit.MICROS).isAfter(at);
  }
}
