package berth.router;

import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;

/** When a response's body has gone out: for the stages that must not act before (the next request, a freed connection). */
final class BodyEnd {
  private BodyEnd() {}

  /** Whether the body is still to stream (neither empty nor strict): only then is its end an event. */
  static boolean streams(HttpResponse response) {
    return !(response.entity().isKnownEmpty() || response.entity() instanceof HttpEntity.Strict);
  }

  /**
   * The response with a body that runs {@code ended} once it has streamed out, failed or been cancelled
   * (on whichever thread that happens). A body of known length keeps its Content-Length.
   */
  static HttpResponse watched(HttpResponse response, Runnable ended) {
    Flow<ByteString, ByteString, Object> watch = Flow.of(ByteString.class).watchTermination((mat, done) -> {
      done.whenComplete((d, e) -> ended.run());
      return (Object) mat;
    });
    ResponseEntity entity = response.entity();
    // the javadsl has no transformDataBytes; every javadsl entity is a scaladsl one (which would make a
    // body of known length chunked)
    return response.withEntity(entity instanceof HttpEntity.Default known
        ? HttpEntities.create(known.getContentType(), known.getContentLength(), known.getDataBytes().via(watch))
        : ((org.apache.pekko.http.scaladsl.model.ResponseEntity) entity).transformDataBytes(watch.asScala()));
  }
}
