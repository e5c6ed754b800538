package berth.cluster;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import berth.docker.DockerEngine;
import berth.docker.DockerSettings;
import com.github.dockerjava.api.DockerClient;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Berth reaches a Docker engine on a TCP port over TLS with Docker's conventions ({@code DOCKER_TLS_VERIFY},
 * {@code DOCKER_CERT_PATH} holding ca.pem, cert.pem, key.pem). The engine here is the real one behind a
 * TLS endpoint that, like {@code dockerd --tlsverify}, demands a client certificate from its CA and
 * forwards to the engine's socket: Berth's certificate is accepted, one from another CA is not, and a
 * client without TLS gets no engine. Plain TCP to an address other than loopback is refused before any
 * connection is made.
 */
class DockerTlsTest {
  @TempDir Path dir;

  @Test
  void berthTalksToAnEngineOverTlsWithItsClientCertificateOnly() throws Exception {
    Path ca = dir.resolve("ca");
    TlsCertificates ours = new TlsCertificates(ca, Clock.systemUTC());
    ours.issue("engine=localhost,127.0.0.1");
    ours.issue("berth");
    new TlsCertificates(dir.resolve("foreign"), Clock.systemUTC()).issue("berth");
    Path client = certPath("client", ca.resolve("ca.pem"), ca.resolve("berth.pem"), ca.resolve("berth-key.pem"));
    Path stranger = certPath("stranger", ca.resolve("ca.pem"), dir.resolve("foreign/berth.pem"),
        dir.resolve("foreign/berth-key.pem"));
    String socket = DockerSettings.fromConfig(ConfigFactory.load()).host().replaceFirst("^unix://", "");

    try (TlsEndpoint engine = new TlsEndpoint(ca, Path.of(socket))) {
      String host = "tcp://127.0.0.1:" + engine.port();
      DockerSettings tls = settings(host, "1", client);
      try (DockerClient docker = DockerEngine.connect(tls)) {
        assertTrue(DockerEngine.requireReachable(docker, tls).contains("API"));
      }
      DockerSettings foreign = settings(host, "1", stranger);
      try (DockerClient docker = DockerEngine.connect(foreign)) {
        assertThrows(DockerEngine.EngineUnreachableException.class, () -> DockerEngine.requireReachable(docker, foreign),
            "a client certificate from another CA");
      }
      DockerSettings plain = settings(host, "0", client);
      try (DockerClient docker = DockerEngine.connect(plain)) {
        assertThrows(DockerEngine.EngineUnreachableException.class, () -> DockerEngine.requireReachable(docker, plain),
            "no TLS on a TLS port");
      }
    }
    var e = assertThrows(IllegalArgumentException.class, () -> DockerEngine.connect(settings("tcp://192.0.2.10:2375", "", client)));
    assertTrue(e.getMessage().contains("DOCKER_TLS_VERIFY"), e.getMessage());
    var missing = assertThrows(IllegalArgumentException.class,
        () -> DockerEngine.connect(settings("tcp://192.0.2.10:2376", "1", dir.resolve("nothing-here"))));
    assertTrue(missing.getMessage().contains("DOCKER_CERT_PATH"), missing.getMessage());
  }

  private Path certPath(String name, Path caPem, Path cert, Path key) throws IOException {
    Path p = Files.createDirectories(dir.resolve(name));
    Files.copy(caPem, p.resolve("ca.pem"));
    Files.copy(cert, p.resolve("cert.pem"));
    Files.copy(key, p.resolve("key.pem"));
    return p;
  }

  private static DockerSettings settings(String host, String verify, Path certPath) {
    return DockerSettings.fromConfig(ConfigFactory.parseString("berth.docker { host = \"%s\", tls-verify = \"%s\", cert-path = \"%s\" }"
        .formatted(host, verify, certPath)).withFallback(ConfigFactory.load()));
  }

  /** A TLS port that requires a client certificate of the CA in {@code ca} and forwards to a Unix socket. */
  static final class TlsEndpoint implements AutoCloseable {
    private final SSLServerSocket server;

    TlsEndpoint(Path ca, Path socket) throws Exception {
      char[] password = Files.readString(ca.resolve("password")).strip().toCharArray();
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(KeyStore.getInstance(ca.resolve("engine.p12").toFile(), password), password);
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(KeyStore.getInstance(ca.resolve("truststore.p12").toFile(), password));
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
      server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 16, InetAddress.getLoopbackAddress());
      server.setNeedClientAuth(true);
      Thread accept = new Thread(() -> {
        while (!server.isClosed()) {
          try {
            Socket s = server.accept();
            SocketChannel engine = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            // the channel's own read and write (its stream adapters share one lock: a blocked read would
            // hold up every write)
            InputStream fromEngine = new InputStream() {
              @Override
              public int read() {
                throw new UnsupportedOperationException();
              }

              @Override
              public int read(byte[] b, int off, int len) throws IOException {
                return engine.read(java.nio.ByteBuffer.wrap(b, off, len));
              }
            };
            OutputStream toEngine = new OutputStream() {
              @Override
              public void write(int b) {
                throw new UnsupportedOperationException();
              }

              @Override
              public void write(byte[] b, int off, int len) throws IOException {
                var buffer = java.nio.ByteBuffer.wrap(b, off, len);
                while (buffer.hasRemaining()) engine.write(buffer);
              }
            };
            pump(s.getInputStream(), toEngine, s, engine);
            pump(fromEngine, s.getOutputStream(), s, engine);
          } catch (IOException closed) {
            // the server closed, or a client went away
          }
        }
      }, "tls-endpoint");
      accept.setDaemon(true);
      accept.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private static void pump(InputStream in, OutputStream out, Socket s, SocketChannel engine) {
      Thread t = new Thread(() -> {
        try {
          in.transferTo(out);
        } catch (IOException ended) {
          // either side closed, or the handshake was refused
        } finally {
          try {
            s.close();
            engine.close();
          } catch (IOException ignored) {
            // closing
          }
        }
      }, "tls-endpoint-pump");
      t.setDaemon(true);
      t.start();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
