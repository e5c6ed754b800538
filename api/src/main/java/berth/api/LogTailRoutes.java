package berth.api;

import berth.tenant.DriverException;
import berth.tenant.TenantDriver;
import java.time.Clock;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/tenants/{slug}/logs/stream}: a live tail of the tenant's container output, from the
 * driver port, as server-sent events ({@code event: log}, the text as the container wrote it; one
 * {@code event: end} with the reason when it ends). Bounded every way: the last {@link #TAIL_LINES}
 * lines first, chunks cut at {@link #MAX_CHUNK} characters, at most {@link #BUFFERED} chunks waiting
 * for a slow client (the oldest are dropped), {@link #MAX_BYTES} per stream, and
 * {@code berth.api.stream-max-age}. The container's output is the tenant's: the UI shows it as text.
 */
final class LogTailRoutes extends ApiDirectives {
  private static final Logger log = LoggerFactory.getLogger(LogTailRoutes.class);
  static final int TAIL_LINES = 200;
  static final int MAX_CHUNK = 16 * 1024;
  static final int BUFFERED = 256;
  static final long MAX_BYTES = 8L * 1024 * 1024;

  private final TenantDriver driver;

  LogTailRoutes(ActorSystem<?> system, TenantDriver driver, ApiSettings settings, BooleanSupplier databaseAvailable,
      Clock clock) {
    super(system, settings, databaseAvailable, clock);
    this.driver = driver;
  }

  Route route(Caller caller, String slug) {
    return read(slug, tenant -> {
      if (!tenant.phase().active() || tenant.containerId() == null) {
        return complete(StatusCodes.CONFLICT, error("illegal_state",
            "tenant '" + slug + "' has no container now (" + tenant.phase() + ")"));
      }
      String container = tenant.containerName();
      Source<ServerSentEvent, NotUsed> events = Source.<ServerSentEvent>queue(BUFFERED, OverflowStrategy.dropHead())
          .mapMaterializedValue(queue -> follow(slug, container, queue))
          .watchTermination((follow, done) -> {
            done.whenComplete((d, t) -> close(follow));
            return NotUsed.getInstance();
          })
          .keepAlive(StreamRoutes.HEARTBEAT, ServerSentEvent::heartbeat)
          .takeWithin(streamLimit(caller));
      return completeOK(events, EventStreamMarshalling.toEventStream());
    });
  }

  private AutoCloseable follow(String slug, String container, SourceQueueWithComplete<ServerSentEvent> queue) {
    AtomicLong sent = new AtomicLong();
    AutoCloseable[] handle = new AutoCloseable[1];
    handle[0] = driver.followLogs(container, TAIL_LINES, chunk -> {
      String text = chunk.length() > MAX_CHUNK ? chunk.substring(0, MAX_CHUNK) + "…\n" : chunk;
      if (sent.addAndGet(text.length()) > MAX_BYTES) {
        queue.offer(event("end", "the stream's limit of " + (MAX_BYTES >> 20) + " MiB was reached; reconnect to go on"));
        queue.complete();
        close(handle[0]);
        return;
      }
      queue.offer(event("log", text));
    }, end -> {
      if (end != null) log.debug("Following the output of tenant {} ended: {}", slug, end.toString());
      queue.offer(event("end", end == null ? "the container's output ended"
          : end instanceof DriverException d ? d.getMessage() : "following the output failed; try again"));
      queue.complete();
    });
    return handle[0];
  }

  private static ServerSentEvent event(String type, String data) {
    return ServerSentEvent.create(data, Optional.of(type), Optional.empty(), OptionalInt.empty());
  }

  private static void close(AutoCloseable follow) {
    if (follow == null) return;
    try {
      follow.close();
    } catch (Exception e) {
      log.debug("Closing a log follow: {}", e.toString());
    }
  }
}
