package berth.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import berth.tenant.Endpoint;
import berth.tenant.Phase;
import berth.tenant.RouteTable;
import berth.tenant.testing.InMemoryRouteTable;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The router's limits per tenant, against real sockets on loopback: a tenant that accepts connections
 * and never answers fills only its own connections and queue — beyond them its requests get 503 at
 * once — while another tenant's requests are served as usual.
 */
class SlowTenantTest {
  static final Config CONFIG = ConfigFactory.parseString("""
      berth.router {
        port = 0
        max-connections-per-tenant = 4
        max-open-requests-per-tenant = 8
        upstream-timeout = 20s
      }
      """).withFallback(ConfigFactory.load());

  final ActorTestKit testKit = ActorTestKit.create("router", CONFIG);
  final List<Socket> held = new CopyOnWriteArrayList<>();
  ServerSocket silent;
  HttpServer answering;

  @AfterEach
  void stop() throws Exception {
    for (Socket s : held) s.close();
    if (silent != null) silent.close();
    if (answering != null) answering.stop(0);
    testKit.shutdownTestKit();
  }

  @Test
  void aTenantThatNeverAnswersDoesNotDelayAnotherTenant() throws Exception {
    // "slow" accepts every connection and never writes a byte
    silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(() -> {
      try {
        while (!silent.isClosed()) held.add(silent.accept());
      } catch (Exception closed) {
        // the test is over
      }
    });
    acceptor.setDaemon(true);
    acceptor.start();
    // "fast" answers at once
    answering = HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    answering.createContext("/", exchange -> {
      byte[] body = "fast".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    answering.start();

    RouteTable routes = new InMemoryRouteTable();
    routes.publish("slow", new RouteTable.Route(Phase.READY, new Endpoint("127.0.0.1", silent.getLocalPort()), 1));
    routes.publish("fast", new RouteTable.Route(Phase.READY, new Endpoint("127.0.0.1", answering.getAddress().getPort()), 1));
    ServerBinding binding = RouterServer.start(testKit.system(), routes, RouterSettings.fromConfig(CONFIG))
        .toCompletableFuture().get();
    int port = binding.localAddress().getPort();
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    // sixteen requests to "slow": four take its connections, eight wait in its queue, four overflow
    List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      slow.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/" + i)).header("Host", "slow.localhost:" + port)
          .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString()));
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (held.size() < 4 && System.nanoTime() < deadline) Thread.sleep(50);
    assertEquals(4, held.size(), "the slow tenant got its pool's connections");

    // beyond its queue, the slow tenant's requests are refused at once; the others stay held
    Thread.sleep(2000);
    List<Integer> answered = new ArrayList<>();
    for (CompletableFuture<HttpResponse<String>> f : slow) {
      if (f.isDone()) {
        HttpResponse<String> r = f.get();
        assertTrue(r.body().contains("too many requests in flight"), r.statusCode() + " " + r.body());
        answered.add(r.statusCode());
      }
    }
    assertEquals(List.of(503, 503, 503, 503), answered, "requests beyond max-connections in flight + max-open-requests waiting");

    // meanwhile the other tenant answers as usual, through the same router
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).header("Host", "fast.localhost:" + port)
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      assertEquals("fast", r.body());
    }
    assertEquals(4, held.size(), "the slow tenant never got more than its own connections");
  }
}
