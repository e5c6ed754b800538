package berth.docker;

import berth.tenant.TlsStores;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;

/**
 * Connects to the Docker engine named in {@code berth.docker.host}: its Unix socket, or a TCP port with
 * TLS both ways (Docker's {@code DOCKER_TLS_VERIFY} / {@code DOCKER_CERT_PATH} conventions). Plain TCP
 * to an address other than loopback is refused unless allowed explicitly: whoever reaches an engine's
 * API owns the host.
 */
public final class DockerEngine {
  private static final List<String> CERT_FILES = List.of("ca.pem", "cert.pem", "key.pem");

  private DockerEngine() {}

  public static DockerClient connect(DockerSettings settings) {
    DockerSettings.Tls tls = settings.tls();
    var builder = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(settings.host())
        .withDockerTlsVerify(tls.verify());
    if (tls.verify()) {
      for (String name : CERT_FILES) {
        if (!Files.isReadable(tls.certPath().resolve(name))) {
          throw new IllegalArgumentException("berth.docker.cert-path (DOCKER_CERT_PATH): no readable "
              + tls.certPath().resolve(name) + "; TLS to the engine needs ca.pem, cert.pem and key.pem there");
        }
      }
      builder.withDockerCertPath(tls.certPath().toString());
    } else {
      requireLocalUnlessAllowed(settings.host(), tls);
    }
    var config = builder.build();
    var http = new ApacheDockerHttpClient.Builder()
        .dockerHost(config.getDockerHost())
        .sslConfig(config.getSSLConfig())
        .maxConnections(settings.threads() * 2)
        .connectionTimeout(settings.connectTimeout())
        .responseTimeout(settings.responseTimeout())
        .build();
    return DockerClientImpl.getInstance(config, http);
  }

  private static void requireLocalUnlessAllowed(String host, DockerSettings.Tls tls) {
    URI uri = URI.create(host);
    if (!"tcp".equalsIgnoreCase(uri.getScheme()) || tls.allowPlainTcp()) {
      return;
    }
    // no host parsed (tcp://docker_host:2375, tcp://:2375): not known to be loopback
    if (!TlsStores.loopback(uri.getHost())) {
      throw new IllegalArgumentException("berth.docker.host (BERTH_DOCKER_HOST) is " + host + " without TLS: "
          + "anyone who can reach that port controls the engine. Set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH "
          + "(ca.pem, cert.pem, key.pem), or BERTH_DOCKER_ALLOW_PLAIN_TCP=on if the network is yours alone.");
    }
  }

  /**
   * Fails with a message an operator can act on when no engine answers at the configured address.
   *
   * @return the engine's version, for the start-up log
   */
  public static String requireReachable(DockerClient docker, DockerSettings settings) {
    try {
      docker.pingCmd().exec();
      var v = docker.versionCmd().exec();
      return v.getVersion() + " (API " + v.getApiVersion() + ")";
    } catch (RuntimeException e) {
      Throwable root = e;
      while (root.getCause() != null) root = root.getCause();
      throw new EngineUnreachableException("No Docker engine answers at " + settings.host() + " ("
          + root.getClass().getSimpleName() + ": " + root.getMessage() + "). Berth runs tenants as Docker "
          + "containers: start dockerd, or point BERTH_DOCKER_HOST at a running engine.", e);
    }
  }

  /** The configured Docker engine does not answer. */
  public static final class EngineUnreachableException extends RuntimeException {
    EngineUnreachableException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
