package berth.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import berth.tenant.Endpoint;
import berth.tenant.Phase;
import berth.tenant.RouteTable;
import berth.tenant.testing.InMemoryRouteTable;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The router's request-header timeout (1 s here, idle timeout 30 s), on real sockets: a client that
 * trickles its headers is disconnected although every byte restarts the idle timeout; a response that
 * streams for longer than the timeout, two requests on one kept-alive connection, and a WebSocket open
 * for longer than it are all served.
 */
class RequestHeaderTimeoutTest {
  static final Config CONFIG = ConfigFactory.parseString("""
      berth.router { port = 0, request-header-timeout = 1s, idle-timeout = 30s }
      """).withFallback(ConfigFactory.load());

  final ActorTestKit testKit = ActorTestKit.create("router", CONFIG);
  int port;

  /** The tenant: {@code /} answers at once, {@code /stream} sends a chunk every 500 ms for 3 s, WebSockets echo. */
  @BeforeEach
  void start() throws Exception {
    Flow<Message, Message, ?> echo = Flow.<Message>create();
    org.apache.pekko.japi.function.Function<HttpRequest, CompletionStage<HttpResponse>> handler = request -> {
      var upgrade = request.getAttribute(AttributeKeys.webSocketUpgrade);
      if (upgrade.isPresent()) {
        return CompletableFuture.completedFuture(upgrade.get().handleMessagesWith(echo));
      }
      if (request.getUri().path().equals("/fixed")) {
        Source<ByteString, ?> bytes = Source.range(1, 20).map(i -> ByteString.fromArray(new byte[10_000]));
        return CompletableFuture.completedFuture(HttpResponse.create()
            .withEntity(HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM, 200_000, bytes)));
      }
      if (request.getUri().path().equals("/stream")) {
        Source<ByteString, ?> chunks = Source.range(1, 6).throttle(1, Duration.ofMillis(500))
            .map(i -> ByteString.fromString("chunk " + i + "\n"));
        return CompletableFuture.completedFuture(HttpResponse.create()
            .withEntity(HttpEntities.createChunked(ContentTypes.TEXT_PLAIN_UTF8, chunks)));
      }
      return CompletableFuture.<HttpResponse>completedFuture(HttpResponse.create().withEntity("hello"));
    };
    var tenant = Http.get(testKit.system()).newServerAt("127.0.0.1", 0).bind(handler).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    RouteTable routes = new InMemoryRouteTable();
    routes.publish("t1", new RouteTable.Route(Phase.READY, new Endpoint("127.0.0.1", tenant.localAddress().getPort()), 1));
    port = RouterServer.start(testKit.system(), routes, RouterSettings.fromConfig(CONFIG)).toCompletableFuture()
        .get(10, TimeUnit.SECONDS).localAddress().getPort();
  }

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void aClientTricklingItsHeadersIsDisconnected() throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000); // far below the idle timeout, far above the header timeout
      OutputStream out = s.getOutputStream();
      out.write(("GET / HTTP/1.1\r\nHost: t1.localhost:" + port + "\r\nX-Slow: ").getBytes(StandardCharsets.US_ASCII));
      Thread trickle = new Thread(() -> {
        try {
          while (true) {
            Thread.sleep(200); // a byte every 200 ms: each one restarts the idle timeout
            out.write('a');
            out.flush();
          }
        } catch (Exception closed) {
          // the router closed the connection (or the test ended)
        }
      });
      trickle.setDaemon(true);
      trickle.start();
      int read;
      try {
        read = s.getInputStream().read(); // no answer can come: the header never ends
      } catch (java.net.SocketException reset) {
        read = -1;
      }
      assertEquals(-1, read, "the router closed the connection");
    }
  }

  @Test
  void requestsInFlightAndKeptAliveConnectionsAreServed() throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(15_000);
      String streamed = exchange(s, "GET", "/stream");
      assertTrue(streamed.contains("chunk 1") && streamed.contains("chunk 6"), "3 s of streaming, whole: " + streamed);
      Thread.sleep(300); // well within the timeout: the connection is still there for the next request
      assertTrue(exchange(s, "GET", "/").endsWith("hello"));
    }
  }

  @Test
  void aBodyOfKnownLengthKeepsItsContentLength() throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(15_000);
      String got = exchange(s, "GET", "/fixed");
      String head = got.substring(0, got.indexOf("\r\n\r\n")).toLowerCase();
      assertTrue(head.contains("content-length: 200000") && !head.contains("transfer-encoding"), head);
      assertEquals(200_000, got.length() - head.length() - 4);
      String headOnly = exchange(s, "HEAD", "/fixed").toLowerCase();
      assertTrue(headOnly.contains("content-length: 200000") && !headOnly.contains("transfer-encoding"), headOnly);
    }
  }

  @Test
  void anIdleKeptAliveConnectionIsClosed() throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(10_000);
      assertTrue(exchange(s, "GET", "/").endsWith("hello"));
      assertEquals(-1, s.getInputStream().read(), "closed a header timeout after the response, not the idle timeout");
    }
  }

  @Test
  void aWebSocketOutlivesTheTimeout() throws Exception {
    LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
    WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().header("Host", "t1.localhost:" + port)
        .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            received.add(data.toString());
            socket.request(1);
            return null;
          }
        }).get(10, TimeUnit.SECONDS);
    ws.sendText("first", true).get(5, TimeUnit.SECONDS);
    assertEquals("first", received.poll(5, TimeUnit.SECONDS));
    Thread.sleep(2500);
    ws.sendText("after the timeout", true).get(5, TimeUnit.SECONDS);
    assertEquals("after the timeout", received.poll(5, TimeUnit.SECONDS));
    ws.abort();
  }

  /**
   * One HTTP/1.1 exchange on a kept-alive connection: the response's head, and its body read to its end
   * by Content-Length or chunked framing (none for HEAD).
   */
  private String exchange(Socket s, String method, String path) throws IOException {
    s.getOutputStream().write((method + " " + path + " HTTP/1.1\r\nHost: t1.localhost:" + port + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    InputStream in = s.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b == -1) throw new IOException("connection closed after: " + head);
      head.write(b);
    }
    String headers = head.toString(StandardCharsets.US_ASCII);
    String lower = headers.toLowerCase();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (method.equals("HEAD")) {
      return headers;
    } else if (lower.contains("transfer-encoding: chunked")) {
      byte[] end = "\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
      while (true) {
        int b = in.read();
        if (b == -1) throw new IOException("connection closed in a chunked body");
        body.write(b);
        byte[] sofar = body.toByteArray();
        if (sofar.length >= end.length && java.util.Arrays.equals(sofar, sofar.length - end.length, sofar.length, end, 0, end.length)) {
          break;
        }
      }
    } else {
      int length = Integer.parseInt(lower.replaceAll("(?s).*content-length: (\\d+).*", "$1"));
      body.write(in.readNBytes(length));
    }
    return headers + body.toString(StandardCharsets.US_ASCII);
  }
}
