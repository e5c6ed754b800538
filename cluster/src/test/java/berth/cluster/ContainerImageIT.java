package berth.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import berth.persistence.EmbeddedPostgresServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.HostConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node image k8s/ deploys, built by k8s/image/build.sh from the shaded jar (so this runs in the
 * integration-test phase, after packaging), started on the real Docker engine against a real
 * PostgreSQL: it becomes ready, forms its cluster, runs unprivileged, and provisions a tenant through
 * the engine's socket — which is READY and routable through the containerized router.
 */
class ContainerImageIT {
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir Path dir;

  static int status(String url, String host) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
      if (host != null) b.header("Host", host);
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return 0;
    }
  }

  static HttpResponse<String> api(int port, String method, String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(15))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Authorization", "Bearer " + TestNodes.TOKEN).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theNodeImageRunsUnprivilegedFormsItsClusterAndProvisionsATenant() throws Exception {
    TestNodes nodes = new TestNodes(dir);
    String tag = "berth-it-image:" + nodes.run;
    Path repo = Path.of("").toAbsolutePath().getParent(); // the cluster module's parent
    Process build = new ProcessBuilder("bash", repo.resolve("k8s/image/build.sh").toString(), tag)
        .redirectErrorStream(true).redirectOutput(dir.resolve("build.log").toFile()).start();
    assertTrue(build.waitFor(5, TimeUnit.MINUTES), "image build finished");
    assertEquals(0, build.exitValue(), "image build: " + Files.readString(dir.resolve("build.log")));

    DockerClient docker = nodes.docker();
    // built once in this JVM, so the containerized node finds it on the engine and does not jlink its own
    berth.docker.ReferenceImage.ensure(docker, berth.docker.DockerSettings.fromConfig(nodes.config()),
        nodes.config().getString("berth.docker.reference-image.tag"));
    String containerId = null;
    try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(dir.resolve("pg"), 0)) {
      int api = TestNodes.freePort();
      int router = TestNodes.freePort();
      int management = TestNodes.freePort();
      int remote = TestNodes.freePort();
      int socketGroup = (Integer) Files.getAttribute(Path.of("/var/run/docker.sock"), "unix:gid");
      containerId = docker.createContainerCmd(tag)
          .withName("berth-it-node-" + nodes.run)
          .withEnv(List.of(
              "BERTH_DB_URL=" + pg.jdbcUrl().replace("localhost", "127.0.0.1"), "BERTH_DB_USER=postgres", "BERTH_DB_PASSWORD=" + pg.password(),
              "BERTH_ADMIN_TOKEN=" + TestNodes.TOKEN, "BERTH_SSO_SECRET=" + TestNodes.SSO_SECRET,
              "BERTH_GUEST_SECRET=" + TestNodes.GUEST_SECRET,
              "BERTH_FLEET=" + nodes.fleet(), "BERTH_API_PORT=" + api, "BERTH_ROUTER_PORT=" + router,
              "BERTH_MANAGEMENT_PORT=" + management, "BERTH_REMOTE_PORT=" + remote,
              "JDK_JAVA_OPTIONS=-Xmx256m -Dberth.tenant.name-prefix=berth-it" + nodes.run + "-"))
          .withHostConfig(HostConfig.newHostConfig()
              // host network: the node reaches PostgreSQL and the tenants' ports on this host's loopback
              .withNetworkMode("host")
              .withBinds(Bind.parse("/var/run/docker.sock:/var/run/docker.sock"))
              .withGroupAdd(List.of(String.valueOf(socketGroup))))
          .exec().getId();
      docker.startContainerCmd(containerId).exec();

      assertEquals("10001:10001", docker.inspectContainerCmd(containerId).exec().getConfig().getUser());
      TestNodes.await("the containerized node is ready", Duration.ofSeconds(90),
          () -> status("http://127.0.0.1:" + management + "/ready", null) == 200);
      JsonNode cluster = TestNodes.JSON.readTree(api(api, "GET", "/api/cluster", null).body());
      assertEquals(1, cluster.path("members").size());
      assertEquals("Up", cluster.path("members").get(0).path("status").asText());

      assertEquals(202, api(api, "POST", "/api/tenants", "{\"slug\":\"imaged\"}").statusCode());
      TestNodes.await("imaged READY", Duration.ofSeconds(120), () -> {
        HttpResponse<String> r = api(api, "GET", "/api/tenants/imaged", null);
        return r.statusCode() == 200 && TestNodes.JSON.readTree(r.body()).path("phase").asText().equals("READY");
      });
      TestNodes.await("imaged routable", Duration.ofSeconds(30),
          () -> status("http://127.0.0.1:" + router + "/", "imaged.localhost:" + router) == 200);
    } finally {
      if (containerId != null) {
        docker.removeContainerCmd(containerId).withForce(true).exec();
      }
      nodes.removeContainers();
      docker.removeImageCmd(tag).withForce(true).exec();
    }
  }
}
