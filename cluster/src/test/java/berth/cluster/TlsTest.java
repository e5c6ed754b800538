package berth.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import berth.router.RouterSettings;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real nodes with TLS everywhere traffic leaves the host: remoting over {@code tls-tcp} with mutual
 * authentication (two nodes with certificates from the cluster's CA form a cluster; a node whose
 * certificate comes from another CA cannot join, even trusting the cluster's CA itself), and the admin
 * API and router over HTTPS from a key store. Certificates are made by {@code ./berth tls}'s code.
 */
class TlsTest {
  static final Duration WITHIN = Duration.ofSeconds(60);
  /** Every request has a deadline: a request that never gets an answer fails here, naming itself. */
  static final Duration ANSWER = Duration.ofSeconds(30);
  /** How long {@link #stop} waits for a node's actor system to terminate. */
  static final Duration STOP = Duration.ofSeconds(45);

  @TempDir Path dir;

  @Test
  @org.junit.jupiter.api.Timeout(value = 4, unit = java.util.concurrent.TimeUnit.MINUTES,
      threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD) // a hang fails, not stalls CI
  void nodesOfTheClusterCaFormAClusterAndAForeignCertificateCannotJoin() throws Exception {
    TestNodes nodes = new TestNodes(dir);
    Path ours = dir.resolve("certs");
    Path foreign = dir.resolve("foreign");
    TlsCertificates ca = new TlsCertificates(ours, Clock.systemUTC());
    ca.issue("node-a=localhost,127.0.0.1");
    ca.issue("node-b");
    new TlsCertificates(foreign, Clock.systemUTC()).issue("intruder");
    String password = Files.readString(ours.resolve("password")).strip();

    Config first = ConfigFactory.parseString(remoting(ours.resolve("node-a.p12"), ours, password) + """
        berth.api.tls { key-store = "%1$s", password = "%2$s" }
        berth.router.tls { key-store = "%1$s", password = "%2$s" }
        """.formatted(ours.resolve("node-a.p12"), password)).withFallback(nodes.config());
    BerthNode a = BerthNode.start(first, BerthNode.Hooks.NONE);
    try {
      HttpClient trusting = HttpClient.newBuilder().sslContext(trusting(ours, password))
          .connectTimeout(Duration.ofSeconds(5)).build();
      int api = a.adminAddress().getPort();
      HttpResponse<String> tenants = trusting.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + api + "/api/tenants"))
          .timeout(ANSWER).header("Authorization", "Bearer " + TestNodes.TOKEN).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, tenants.statusCode(), tenants.body());
      HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      assertThrows(IOException.class, () -> plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api + "/api/tenants"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()), "plain HTTP on the HTTPS port");
      assertThrows(IOException.class, () -> plain.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + api + "/api/tenants"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()), "a client not trusting the CA");
      HttpResponse<String> routed = trusting.send(HttpRequest.newBuilder(
              URI.create("https://127.0.0.1:" + a.routerAddress().getPort() + "/"))
          .timeout(ANSWER).header("Host", "nosuch.localhost").build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(404, routed.statusCode(), "the router answers over HTTPS: " + routed.body());
      assertTrue(routed.body().contains("no tenant 'nosuch'"), routed.body());
      assertTrue(RouterSettings.fromConfig(a.config()).tenantUrl("t1", 443).startsWith("https://t1."),
          "links handed out (SSO) use https");

      // the remoting port itself: a TLS client holding the cluster CA's certificate is let in, one holding
      // another CA's is refused in the handshake (mutual authentication: no one-way sender gets in either)
      int remoting = (Integer) Cluster.get(a.system()).selfMember().address().port().get();
      String foreignPassword = Files.readString(foreign.resolve("password")).strip();
      assertTrue(admitted(remoting, ours.resolve("node-b.p12"), password), "a peer of the cluster's CA");
      assertFalse(admitted(remoting, foreign.resolve("intruder.p12"), foreignPassword), "a peer of another CA");

      String seed = Cluster.get(a.system()).selfMember().address().toString();
      Config second = ConfigFactory.parseString(remoting(ours.resolve("node-b.p12"), ours, password)
          + nodes.dbSettings(a.databaseUrl()) + "\npekko.cluster.seed-nodes = [\"" + seed + "\"]\n")
          .withFallback(nodes.config());
      BerthNode b = BerthNode.start(second, BerthNode.Hooks.NONE);
      try {
        TestNodes.await("two TLS nodes form a cluster", WITHIN, () -> upMembers(a) == 2 && upMembers(b) == 2);

        // the intruder trusts the cluster's CA (its certificate is public) but holds a key of another CA
        Config intruderConfig = ConfigFactory.parseString("""
            pekko.remote.artery.transport = tls-tcp
            pekko.remote.artery.ssl.config-ssl-engine {
              key-store = "%s", key-store-password = "%s", key-password = "%s"
              trust-store = "%s", trust-store-password = "%s"
            }
            """.formatted(foreign.resolve("intruder.p12"), foreignPassword, foreignPassword,
                ours.resolve("truststore.p12"), password)
            + nodes.dbSettings(a.databaseUrl()) + "\npekko.cluster.seed-nodes = [\"" + seed + "\"]\n")
            .withFallback(nodes.config());
        BerthNode intruder = BerthNode.start(intruderConfig, BerthNode.Hooks.NONE);
        try {
          Cluster intruderCluster = Cluster.get(intruder.system());
          long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
          while (System.nanoTime() < until) {
            assertFalse(intruderCluster.selfMember().status() == MemberStatus.up(), "the intruder joined");
            assertEquals(2, Cluster.get(a.system()).state().members().size(), "members seen by the first node");
            Thread.sleep(250);
          }
          assertEquals(2, upMembers(b), "and by the second");
        } finally {
          stop(intruder);
        }
      } finally {
        stop(b);
      }
    } finally {
      stop(a);
    }
  }

  /**
   * Stops a node, waiting at most {@link #STOP} for its actor system. With {@code tls-tcp}, Pekko 1.2.1's
   * Artery can wait without a deadline for a remoting stream to complete at termination (apache/pekko
   * #3247, bounded upstream by {@code shutdown-streams-timeout} in #3317, not in this version): in about
   * one CI run in ten a node of this test never finished terminating and the test hung. This test is about
   * who may join, not about shutdown, so a node still terminating after {@link #STOP} is left to the JVM's
   * exit, and said so. (A production node exits its JVM when coordinated shutdown ends, whatever Artery does.)
   */
  private static void stop(BerthNode node) {
    node.system().terminate();
    try {
      node.system().getWhenTerminated().toCompletableFuture().get(STOP.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException stalled) {
      System.err.println("TlsTest: node " + node.system().address() + " still terminating after " + STOP
          + " (Artery stream shutdown without a deadline in Pekko 1.2.1); leaving it to the JVM's exit");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String remoting(Path keyStore, Path certs, String password) {
    return """
        pekko.remote.artery.transport = tls-tcp
        pekko.remote.artery.ssl.config-ssl-engine {
          key-store = "%1$s", key-store-password = "%3$s", key-password = "%3$s"
          trust-store = "%2$s", trust-store-password = "%3$s"
        }
        """.formatted(keyStore, certs.resolve("truststore.p12"), password);
  }

  /**
   * Whether a node's remoting port keeps a TLS connection from a client presenting {@code keyStore}'s
   * certificate (and trusting anything): still open after a byte is sent = admitted; an alert or a close = refused.
   */
  private static boolean admitted(int port, Path keyStore, String password) throws Exception {
    javax.net.ssl.KeyManagerFactory keys = javax.net.ssl.KeyManagerFactory.getInstance(
        javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
    keys.init(KeyStore.getInstance(keyStore.toFile(), password.toCharArray()), password.toCharArray());
    javax.net.ssl.TrustManager trustAll = new javax.net.ssl.X509TrustManager() {
      @Override
      public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String auth) {}

      @Override
      public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String auth) {}

      @Override
      public java.security.cert.X509Certificate[] getAcceptedIssuers() {
        return new java.security.cert.X509Certificate[0];
      }
    };
    SSLContext context = SSLContext.getInstance("TLSv1.3");
    context.init(keys.getKeyManagers(), new javax.net.ssl.TrustManager[] {trustAll}, null);
    try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) context.getSocketFactory().createSocket()) {
      socket.setSoTimeout(3000);
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 3000);
      socket.startHandshake();
      socket.getOutputStream().write(0); // not a whole Artery header: a node that let us in waits for the rest
      socket.getOutputStream().flush();
      return socket.getInputStream().read() != -1;
    } catch (java.net.SocketTimeoutException stillOpen) {
      return true;
    } catch (IOException refused) {
      return false;
    }
  }

  private static int upMembers(BerthNode node) {
    int up = 0;
    for (var m : Cluster.get(node.system()).state().getMembers()) {
      if (m.status() == MemberStatus.up()) up++;
    }
    return up;
  }

  private static SSLContext trusting(Path certs, String password) throws Exception {
    KeyStore trust = KeyStore.getInstance(certs.resolve("truststore.p12").toFile(), password.toCharArray());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }
}
