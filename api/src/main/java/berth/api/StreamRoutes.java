package berth.api;

import berth.account.Permission;
import berth.tenant.EventJson;
import berth.tenant.TenantEntity;
import berth.tenant.TenantEvent;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.persistence.query.javadsl.EventsByTagQuery;

/**
 * {@code GET /api/stream/fleet}: one server-sent-events stream of every tenant event, for the whole
 * fleet (a browser keeps one connection, not one per row). Each event's id is its journal offset:
 * a client starts after the {@code offset} of {@code GET /api/tenants} ({@code ?after=}) and resumes
 * with {@code Last-Event-ID} after a reconnect, missing nothing. A stream ends after
 * {@code berth.api.stream-max-age}, so that a revoked session does not keep one open: the browser
 * reconnects and is authenticated again.
 */
final class StreamRoutes extends ApiDirectives {
  static final Duration HEARTBEAT = Duration.ofSeconds(15);

  StreamRoutes(ActorSystem<?> system, ApiSettings settings, BooleanSupplier databaseAvailable, Clock clock) {
    super(system, settings, databaseAvailable, clock);
  }

  Route route(Caller caller) {
    return pathPrefix("stream", () -> path("fleet", () -> get(() -> allow(caller, Permission.READ_FLEET, () ->
        optionalHeaderValueByName("Last-Event-ID", last -> parameterOptional("after", after -> {
          Optional<String> from = last.isPresent() ? last : after;
          long offset;
          try {
            offset = from.map(Long::parseLong).orElse(0L);
          } catch (NumberFormatException e) {
            return badRequest("'after' and Last-Event-ID are journal offsets (whole numbers)");
          }
          if (offset < 0) return badRequest("'after' and Last-Event-ID are journal offsets (whole numbers)");
          EventsByTagQuery journal = PersistenceQuery.get(system)
              .getReadJournalFor(EventsByTagQuery.class, settings.readJournal());
          var events = journal.eventsByTag(TenantEntity.TAG, Offset.sequence(offset))
              .mapConcat(StreamRoutes::sse)
              .keepAlive(HEARTBEAT, ServerSentEvent::heartbeat)
              .takeWithin(streamLimit(caller));
          return completeOK(events, EventStreamMarshalling.toEventStream());
        }))))));
  }

  /** The event as sent; none (logged) when it cannot be written, so one bad event cannot wedge every stream. */
  private static java.util.List<ServerSentEvent> sse(EventEnvelope envelope) {
    String pid = envelope.persistenceId();
    String slug = pid.substring(pid.indexOf('|') + 1);
    long offset = envelope.offset() instanceof Sequence s ? s.value() : 0L;
    try {
      var entry = EventJson.entry(envelope.sequenceNr(), (TenantEvent) envelope.event());
      String data = Json.MAPPER.writeValueAsString(Map.of("slug", slug, "offset", offset, "event", entry));
      return java.util.List.of(ServerSentEvent.create(data, Optional.of("tenant"), Optional.of(Long.toString(offset)),
          java.util.OptionalInt.empty()));
    } catch (JsonProcessingException | RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(StreamRoutes.class).error("Event {} of {} not streamed", envelope.sequenceNr(), pid, e);
      return java.util.List.of();
    }
  }
}
