package berth.router;

import berth.tenant.Endpoint;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.StreamTcpException;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.japi.Pair;

/**
 * The proxy for one client connection (pipelining off: one request at a time). Its requests go to the
 * tenant on an upstream connection of its own, opened on the first request and kept while the client
 * connection lasts, and run inside this stream — fused with the client connection's stages — rather
 * than through the tenant's shared pool: no pool queue, no hand-off to other actors or threads for a
 * request and its response. A tenant has at most {@code max-connections-per-tenant} such bound
 * connections; a client connection that finds them all taken uses the tenant's pool (same limit, plus
 * its queue and 503 beyond), so a tenant that stops answering holds at most twice that many
 * connections: a bound connection's place is given back only once the connection is closed and the last
 * body on it has gone out. A client connection that moves to another tenant (another Host) is re-bound.
 * The next request is let in only after the previous response's body has gone out, so a client that
 * pipelines never has a request waiting on the tenant (and its timeout running) behind a download.
 *
 * <p>Failures answer the client and end only the upstream connection: no answer within {@code
 * upstream-timeout} → 504 (the connection is aborted, a late answer cannot be paired with the next
 * request); the connection lost before an answer → 502, except that a request without a body and with
 * an idempotent method is sent once more on a new connection when the tenant had closed a connection
 * that had already served (an idle keep-alive closed as the request went out). A client that leaves
 * while its request waits aborts that upstream connection too.
 */
final class ProxyStage extends GraphStage<FlowShape<HttpRequest, HttpResponse>> {
  private static final String UPSTREAM_TIMER = "upstream";

  private final Inlet<HttpRequest> in = Inlet.create("ProxyStage.in");
  private final Outlet<HttpResponse> out = Outlet.create("ProxyStage.out");
  private final FlowShape<HttpRequest, HttpResponse> shape = FlowShape.of(in, out);
  private final TenantProxy proxy;

  ProxyStage(TenantProxy proxy) {
    this.proxy = proxy;
  }

  @Override
  public FlowShape<HttpRequest, HttpResponse> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new TimerGraphStageLogic(shape) {
      /** The bound upstream connection, or null; a new one per connection opened. */
      private Upstream upstream;
      /** The client's request being answered, and where it went; null between requests. */
      private HttpRequest request;
      private TenantProxy.Routed routed;
      private boolean resent;
      /** A bound response's body is still streaming: the next request waits for its end. */
      private boolean bodyStreaming;
      private AsyncCallback<Pair<HttpResponse, Throwable>> pooled;
      private AsyncCallback<Upstream> bodyDone;
      private Materializer materializer;

      @Override
      public void preStart() {
        materializer = materializer();
        pooled = createAsyncCallback(answer -> {
          HttpRequest answered = request;
          String slug = routed.slug();
          finish(answer.second() == null ? proxy.fromTenant(answer.first(), slug) : proxy.failed(answered, slug, answer.second()));
        });
        bodyDone = createAsyncCallback(from -> {
          bodyStreaming = false;
          letNextIn();
        });
      }

      {
        setHandler(in, new AbstractInHandler() {
          @Override
          public void onPush() {
            request = grab(in);
            routed = proxy.route(request);
            resent = false;
            if (routed.local() != null) {
              finish(routed.local());
            } else {
              forward();
            }
          }

          @Override
          public void onUpstreamFinish() {
            if (request == null) {
              completeStage();
            }
          }
        });
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            letNextIn();
          }
        });
      }

      /** One request at a time: the next once the previous is answered and its body (when bound) has gone out. */
      private void letNextIn() {
        if (request == null && !bodyStreaming && isAvailable(out) && !hasBeenPulled(in) && !isClosed(in)) {
          pull(in);
        }
      }

      private void forward() {
        Endpoint endpoint = routed.endpoint();
        if (upstream != null && (upstream.lost || !upstream.endpoint.equals(endpoint))) {
          upstream.close();
          upstream = null;
        }
        if (upstream == null) {
          if (!proxy.bind(endpoint)) {
            viaPool();
            return;
          }
          try {
            upstream = new Upstream(endpoint);
          } catch (RuntimeException e) {
            proxy.unbind(endpoint);
            throw e;
          }
        }
        scheduleOnce(UPSTREAM_TIMER, proxy.settings().upstreamTimeout());
        upstream.send(routed.forwarded());
      }

      private void viaPool() {
        CompletionStage<HttpResponse> answer = proxy.viaPool(routed);
        // a direct executor: the non-async callbacks of a stage converted from a Scala future would run
        // on the common ForkJoinPool (a new thread per task on a small machine)
        answer.whenComplete((response, error) -> pooled.invokeWithFeedbackCompletionStage(Pair.create(response, error))
            .whenCompleteAsync((delivered, stopped) -> {
              if (stopped != null && response != null) {
                response.discardEntityBytes(materializer); // the client connection is gone
              }
            }, Runnable::run));
      }

      /** The answer to the request in hand: to the client, then the next request is let in. */
      private void finish(HttpResponse response) {
        cancelTimer(UPSTREAM_TIMER);
        request = null;
        routed = null;
        push(out, response);
        if (isClosed(in)) {
          completeStage();
        }
      }

      void answered(Upstream from, HttpResponse response) {
        if (from != upstream || request == null) {
          response.discardEntityBytes(materializer());
          return;
        }
        from.served = true;
        HttpResponse toClient = proxy.fromTenant(response, routed.slug());
        if (BodyEnd.streams(toClient)) {
          bodyStreaming = true;
          from.bodyStarted();
          toClient = BodyEnd.watched(toClient, () -> {
            from.bodyEnded();
            bodyDone.invoke(from);
          });
        }
        finish(toClient);
      }

      void lost(Upstream from, Throwable cause) {
        boolean wasAwaiting = from.awaiting;
        from.close();
        if (from != upstream || request == null || !wasAwaiting) {
          return;
        }
        HttpRequest forwarded = routed.forwarded();
        boolean replayable = from.served && !resent && forwarded.entity().isKnownEmpty() && forwarded.method().isIdempotent();
        if (replayable) {
          resent = true;
          cancelTimer(UPSTREAM_TIMER);
          forward();
        } else {
          finish(proxy.failed(request, routed.slug(), cause));
        }
      }

      @Override
      public void onTimer(Object key) {
        if (request != null && upstream != null) {
          upstream.close();
          finish(proxy.failed(request, routed.slug(), new TimeoutException()));
        }
      }

      @Override
      public void postStop() {
        if (upstream != null) {
          upstream.close();
        }
      }

      /** One connection to a tenant, run in this stage's stream; bound while this client connection lasts. */
      final class Upstream {
        final Endpoint endpoint;
        private final SubSourceOutlet<HttpRequest> requests = new SubSourceOutlet<>("ProxyStage.toTenant");
        private final SubSinkInlet<HttpResponse> responses = new SubSinkInlet<>("ProxyStage.fromTenant");
        private HttpRequest pending;
        boolean awaiting;
        boolean served;
        boolean lost;
        private boolean closed;
        /** Touched from the thread a body ends on too: the place is given back once closed and no body streams. */
        private boolean streaming;
        private boolean released;

        Upstream(Endpoint endpoint) {
          this.endpoint = endpoint;
          requests.setHandler(new AbstractOutHandler() {
            @Override
            public void onPull() {
              if (pending != null) {
                HttpRequest next = pending;
                pending = null;
                requests.push(next);
              }
            }

            @Override
            public void onDownstreamFinish(Throwable cause) {
              // the connection takes no more requests; whether an answer still comes is told by the responses side
            }
          });
          responses.setHandler(new AbstractInHandler() {
            @Override
            public void onPush() {
              awaiting = false;
              answered(Upstream.this, responses.grab());
            }

            @Override
            public void onUpstreamFinish() {
              lost(Upstream.this, new StreamTcpException("connection to " + endpoint.authority() + " closed before an answer"));
            }

            @Override
            public void onUpstreamFailure(Throwable cause) {
              lost(Upstream.this, cause);
            }
          });
          Source.fromGraph(requests.source()).via(proxy.connectionTo(endpoint)).runWith(responses.sink(), subFusingMaterializer());
        }

        void send(HttpRequest forwarded) {
          awaiting = true;
          if (requests.isClosed()) {
            lost(this, new StreamTcpException("connection to " + endpoint.authority() + " takes no more requests"));
            return;
          }
          responses.pull();
          if (requests.isAvailable()) {
            requests.push(forwarded);
          } else {
            pending = forwarded;
          }
        }

        /**
         * Ends the connection. With a request still unanswered the request side fails, which aborts the
         * socket (completing it would leave the connection open until the tenant answers or the idle
         * timeout); otherwise it completes, and a body still streaming finishes first. The tenant's place
         * is given back now, or when that body ends.
         */
        void close() {
          boolean unanswered = awaiting || pending != null;
          lost = true;
          awaiting = false;
          pending = null;
          if (closed) {
            return;
          }
          if (!requests.isClosed()) {
            if (unanswered) {
              requests.fail(new StreamTcpException("request to " + endpoint.authority() + " abandoned"));
            } else {
              requests.complete();
            }
          }
          if (!responses.isClosed()) {
            responses.cancel();
          }
          synchronized (this) {
            closed = true;
            releaseUnlessStreaming();
          }
        }

        synchronized void bodyStarted() {
          streaming = true;
        }

        synchronized void bodyEnded() {
          streaming = false;
          if (closed) {
            releaseUnlessStreaming();
          }
        }

        private void releaseUnlessStreaming() {
          if (!streaming && !released) {
            released = true;
            proxy.unbind(endpoint);
          }
        }
      }
    };
  }
}
