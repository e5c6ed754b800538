package berth.router;

import java.time.Duration;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BidiShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * One per router connection, between the HTTP server layer and the proxy: a complete request header
 * must arrive within {@code timeout} of the connection opening or of the previous response's last
 * byte, or the connection is closed. It bounds a client that trickles a request's headers (slowloris:
 * Pekko HTTP's idle timeout alone restarts with every byte) and a keep-alive connection left idle. It
 * is not armed while a request is in flight (its body and its response stream under the idle
 * timeout), nor ever again after a WebSocket upgrade.
 */
final class RequestHeaderTimeout extends GraphStage<BidiShape<HttpRequest, HttpRequest, HttpResponse, HttpResponse>> {
  private static final String TIMER = "request-header";

  private final Inlet<HttpRequest> requestIn = Inlet.create("RequestHeaderTimeout.requestIn");
  private final Outlet<HttpRequest> requestOut = Outlet.create("RequestHeaderTimeout.requestOut");
  private final Inlet<HttpResponse> responseIn = Inlet.create("RequestHeaderTimeout.responseIn");
  private final Outlet<HttpResponse> responseOut = Outlet.create("RequestHeaderTimeout.responseOut");
  private final BidiShape<HttpRequest, HttpRequest, HttpResponse, HttpResponse> shape =
      BidiShape.of(requestIn, requestOut, responseIn, responseOut);
  private final Duration timeout;

  private RequestHeaderTimeout(Duration timeout) {
    this.timeout = timeout;
  }

  /** The per-connection flow: the handler behind the timeout. */
  static Flow<HttpRequest, HttpResponse, NotUsed> around(Flow<HttpRequest, HttpResponse, ?> handler, Duration timeout) {
    return BidiFlow.fromGraph(new RequestHeaderTimeout(timeout)).join(handler).mapMaterializedValue(m -> NotUsed.getInstance());
  }

  @Override
  public BidiShape<HttpRequest, HttpRequest, HttpResponse, HttpResponse> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new TimerGraphStageLogic(shape) {
      private int inFlight;
      private boolean upgraded;
      private final AsyncCallback<Done> responseSent = createAsyncCallback(done -> finished());

      {
        setHandler(requestIn, new AbstractInHandler() {
          @Override
          public void onPush() {
            cancelTimer(TIMER);
            inFlight++;
            push(requestOut, grab(requestIn));
          }

          @Override
          public void onUpstreamFinish() {
            complete(requestOut); // responses still owed go out
          }
        });
        setHandler(requestOut, new AbstractOutHandler() {
          @Override
          public void onPull() {
            pull(requestIn);
          }

          @Override
          public void onDownstreamFinish(Throwable cause) {
            cancel(requestIn, cause);
          }
        });
        setHandler(responseIn, new AbstractInHandler() {
          @Override
          public void onPush() {
            HttpResponse response = grab(responseIn);
            if (response.status().intValue() == 101) {
              upgraded = true; // the connection carries WebSocket frames from now on
              cancelTimer(TIMER);
              push(responseOut, response);
            } else if (response.entity().isKnownEmpty() || response.entity() instanceof HttpEntity.Strict) {
              push(responseOut, response);
              finished();
            } else {
              // the javadsl has no transformDataBytes; every javadsl entity is a scaladsl one
              Flow<ByteString, ByteString, Object> watched = Flow.of(ByteString.class).watchTermination((mat, done) -> {
                done.whenComplete((d, e) -> responseSent.invoke(Done.getInstance()));
                return (Object) mat;
              });
              ResponseEntity entity = response.entity();
              // a body of known length keeps its Content-Length (transformDataBytes would make it chunked)
              push(responseOut, response.withEntity(entity instanceof HttpEntity.Default known
                  ? HttpEntities.create(known.getContentType(), known.getContentLength(), known.getDataBytes().via(watched))
                  : ((org.apache.pekko.http.scaladsl.model.ResponseEntity) entity).transformDataBytes(watched.asScala())));
            }
          }
        });
        setHandler(responseOut, new AbstractOutHandler() {
          @Override
          public void onPull() {
            pull(responseIn);
          }
        });
      }

      @Override
      public void preStart() {
        arm();
      }

      private void finished() {
        inFlight--;
        arm();
      }

      private void arm() {
        if (inFlight == 0 && !upgraded && !isClosed(requestIn)) {
          scheduleOnce(TIMER, timeout);
        }
      }

      @Override
      public void onTimer(Object key) {
        completeStage(); // the server layer closes the connection
      }
    };
  }
}
