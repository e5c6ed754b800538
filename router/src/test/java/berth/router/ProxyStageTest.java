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
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The router's connection-bound proxy ({@link ProxyStage}) against tenants on real loopback sockets:
 * a client connection keeps one upstream connection, answers stay paired with their requests through
 * timeouts, closed connections and a change of tenant, and a tenant's connection count stays bounded.
 */
class ProxyStageTest {
  static final Config CONFIG = ConfigFactory.parseString("""
      berth.router {
        port = 0
        upstream-timeout = 1s
      }
      """).withFallback(ConfigFactory.load());

  final ActorTestKit testKit = ActorTestKit.create("router", CONFIG);
  final List<RawTenant> tenants = new ArrayList<>();
  final RouteTable routes = new InMemoryRouteTable();
  int port;

  @BeforeEach
  void start() throws Exception {
    port = RouterServer.start(testKit.system(), routes, RouterSettings.fromConfig(CONFIG)).toCompletableFuture()
        .get(10, TimeUnit.SECONDS).localAddress().getPort();
  }

  @AfterEach
  void stop() throws IOException {
    for (RawTenant t : tenants) t.close();
    testKit.shutdownTestKit();
  }

  @Test
  void aClientConnectionKeepsOneUpstreamConnection() throws Exception {
    RawTenant tenant = tenant("alpha");
    try (Socket client = client()) {
      for (int i = 0; i < 30; i++) {
        assertEquals("alpha /n" + i + " on connection 1", exchange(client, "alpha", "/n" + i));
      }
    }
    assertEquals(1, tenant.connections.get(), "upstream connections opened");
  }

  @Test
  void aLateAnswerIsNotPairedWithTheNextRequest() throws Exception {
    RawTenant tenant = tenant("alpha");
    try (Socket client = client()) {
      // /slow is answered after 3 s, beyond the 1 s upstream timeout
      String timedOut = exchange(client, "alpha", "/slow");
      assertTrue(timedOut.startsWith("504 "), timedOut);
      assertEquals("alpha /next on connection 2", exchange(client, "alpha", "/next"), "a new connection, its own answer");
    }
    assertEquals(2, tenant.connections.get());
  }

  @Test
  void aConnectionTheTenantClosesIsReplacedWithoutAFailure() throws Exception {
    RawTenant tenant = tenant("alpha");
    try (Socket client = client()) {
      // /once: the tenant answers (keep-alive, by the headers) and then closes the connection without notice
      for (int i = 1; i <= 5; i++) {
        assertEquals("alpha /once on connection " + i, exchange(client, "alpha", "/once"));
      }
    }
    assertEquals(5, tenant.connections.get());
  }

  @Test
  void anAnswerThatClosesItsConnectionIsDeliveredOnce() throws Exception {
    RawTenant tenant = tenant("alpha");
    try (Socket client = client()) {
      // /close: the answer says Connection: close and the tenant closes after it
      for (int i = 1; i <= 3; i++) {
        assertEquals("alpha /close on connection " + i, exchange(client, "alpha", "/close"));
      }
    }
    assertEquals(3, tenant.requests.get(), "each request reached the tenant once");
  }

  @Test
  void aTimedOutRequestsUpstreamConnectionIsClosed() throws Exception {
    RawTenant tenant = tenant("alpha");
    try (Socket client = client()) {
      String timedOut = exchange(client, "alpha", "/hold"); // never answered
      assertTrue(timedOut.startsWith("504 "), timedOut);
      assertTrue(tenant.abandoned.tryAcquire(10, TimeUnit.SECONDS), "the router closed the connection the request waits on");
      assertEquals("alpha /next on connection 2", exchange(client, "alpha", "/next"));
    }
  }

  @Test
  void aClientThatLeavesWhileItsRequestWaitsClosesTheUpstreamConnection() throws Exception {
    RawTenant tenant = tenant("alpha");
    try (Socket client = client()) {
      client.getOutputStream().write(("GET /hold HTTP/1.1\r\nHost: alpha.localhost:" + port + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (tenant.requests.get() == 0 && System.nanoTime() < deadline) Thread.sleep(20);
    }
    // the client connection's stream has ended, so no upstream timeout will: without closing, the connection
    // would stay until the tenant answers or the 120 s idle timeout
    assertTrue(tenant.abandoned.tryAcquire(10, TimeUnit.SECONDS), "the router closed the connection the request waits on");
  }

  @Test
  void theNextRequestGoesUpstreamOnlyAfterTheBodyBeforeIt() throws Exception {
    RawTenant tenant = tenant("alpha");
    try (Socket client = client()) {
      // two requests in one write: /stream's body takes 2.4 s, longer than the 1 s upstream timeout; the
      // second request must not be waiting on the tenant (and timing out) while that body streams
      client.getOutputStream().write(("GET /stream HTTP/1.1\r\nHost: alpha.localhost:" + port + "\r\n\r\n"
          + "GET /after HTTP/1.1\r\nHost: alpha.localhost:" + port + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      Message first = Message.read(client.getInputStream());
      assertTrue(first.start().startsWith("HTTP/1.1 200"), first.start());
      assertEquals("alpha /stream on connection 1".repeat(4), first.body());
      Message second = Message.read(client.getInputStream());
      assertTrue(second.start().startsWith("HTTP/1.1 200"), second.start() + " " + second.body());
      assertEquals("alpha /after on connection 1", second.body());
    }
  }

  @Test
  void aClientConnectionThatChangesTenantIsAnsweredByEach() throws Exception {
    RawTenant alpha = tenant("alpha");
    RawTenant bravo = tenant("bravo");
    try (Socket client = client()) {
      for (int i = 0; i < 3; i++) {
        assertTrue(exchange(client, "alpha", "/a" + i).startsWith("alpha /a" + i + " "));
        assertTrue(exchange(client, "bravo", "/b" + i).startsWith("bravo /b" + i + " "));
      }
      assertTrue(exchange(client, "nobody", "/").startsWith("404 "), "an unknown tenant on the same connection");
      assertTrue(exchange(client, "alpha", "/last").startsWith("alpha /last "));
    }
    assertEquals(4, alpha.connections.get(), "re-bound on every change of tenant");
    assertEquals(3, bravo.connections.get());
  }

  @Test
  void aTenantThatIsGoneIsA502AndTheConnectionServesOn() throws Exception {
    RawTenant alpha = tenant("alpha");
    try (Socket client = client()) {
      assertTrue(exchange(client, "alpha", "/").startsWith("alpha / "));
      alpha.close();
      String gone = exchange(client, "alpha", "/");
      assertTrue(gone.startsWith("502 "), gone);
      RawTenant bravo = tenant("bravo");
      assertTrue(exchange(client, "bravo", "/").startsWith("bravo / "), "the client connection still serves");
      assertEquals(1, bravo.connections.get());
    }
  }

  private RawTenant tenant(String slug) throws IOException {
    RawTenant t = new RawTenant(slug);
    tenants.add(t);
    routes.publish(slug, new RouteTable.Route(Phase.READY, new Endpoint("127.0.0.1", t.server.getLocalPort()), 1));
    return t;
  }

  private Socket client() throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout(10_000);
    return s;
  }

  /** One request on the client connection; the body, or "status reason" when it is not a 200. */
  private String exchange(Socket s, String slug, String path) throws IOException {
    s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + slug + ".localhost:" + port + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    Message m = Message.read(s.getInputStream());
    return m.start.startsWith("HTTP/1.1 200") ? m.body : m.start.substring("HTTP/1.1 ".length());
  }

  record Message(String start, String head, String body) {
    static Message read(InputStream in) throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b == -1) throw new IOException("connection closed after: " + head);
        head.write(b);
      }
      String text = head.toString(StandardCharsets.US_ASCII);
      int length = 0;
      for (String line : text.split("\r\n")) {
        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) length = Integer.parseInt(line.substring(15).trim());
      }
      byte[] body = in.readNBytes(length);
      return new Message(text.substring(0, text.indexOf("\r\n")), text, new String(body, StandardCharsets.UTF_8));
    }
  }

  /**
   * A tenant on a plain server socket, one thread per connection, answering "{slug} {path} on connection
   * {n}": {@code /hold} never (it waits for the connection to close), {@code /stream} four times over 2.4 s,
   * {@code /slow} after 3 s, {@code /once} and then closing the connection without a Connection header,
   * {@code /close} with {@code Connection: close} and then closing it.
   */
  static final class RawTenant implements AutoCloseable {
    final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    /** Released when a connection holding an unanswered /hold is closed by the router. */
    final Semaphore abandoned = new Semaphore(0);
    final List<Socket> open = new CopyOnWriteArrayList<>();

    RawTenant(String slug) throws IOException {
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            Socket s = server.accept();
            open.add(s);
            int n = connections.incrementAndGet();
            Thread t = new Thread(() -> serve(slug, s, n));
            t.setDaemon(true);
            t.start();
          }
        } catch (IOException closed) {
          // the tenant is gone
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
    }

    private void serve(String slug, Socket s, int n) {
      try (s) {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        while (true) {
          Message request = Message.read(in);
          requests.incrementAndGet();
          String path = request.start().split(" ")[1];
          if (path.equals("/hold")) {
            try {
              while (in.read() != -1) {
                // never answers; waits for the router to close the connection
              }
            } catch (IOException reset) {
              // closed by a reset
            }
            abandoned.release();
            return;
          }
          if (path.equals("/slow")) Thread.sleep(3000);
          byte[] body = (slug + " " + path + " on connection " + n).getBytes(StandardCharsets.UTF_8);
          if (path.equals("/stream")) {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + 4 * body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            for (int part = 0; part < 4; part++) {
              out.write(body);
              out.flush();
              Thread.sleep(600);
            }
            continue;
          }
          out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length + "\r\n"
              + (path.equals("/close") ? "Connection: close\r\n" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
          out.write(body);
          out.flush();
          if (path.equals("/once") || path.equals("/close")) return;
        }
      } catch (IOException | InterruptedException e) {
        // the connection ended
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : open) s.close();
    }
  }
}
