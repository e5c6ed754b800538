package berth.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;

/** Connects to the Docker engine named in {@code berth.docker.host}. */
public final class DockerEngine {
  private DockerEngine() {}

  public static DockerClient connect(DockerSettings settings) {
    var config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(settings.host()).build();
    var http = new ApacheDockerHttpClient.Builder()
        .dockerHost(config.getDockerHost())
        .maxConnections(settings.threads() * 2)
        .connectionTimeout(settings.connectTimeout())
        .responseTimeout(settings.responseTimeout())
        .build();
    return DockerClientImpl.getInstance(config, http);
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
