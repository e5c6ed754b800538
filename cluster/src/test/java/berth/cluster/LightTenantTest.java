package berth.cluster;

import static berth.cluster.TestNodes.awaitPhase;
import static berth.cluster.TestNodes.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import berth.guest.GuestSettings;
import berth.guest.HttpTenantGuest;
import berth.tenant.Labels;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The light tenant (busybox httpd, FROM scratch) on a real node and real dockerd: an operator chooses it
 * by name, it comes READY through the same guest API as the reference tenant, and its guest API refuses
 * what the contract says it must refuse — no credential, a wrong one, another tenant's payload.
 */
class LightTenantTest {
  static final Duration READY_WITHIN = Duration.ofSeconds(90);
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir static Path dir;
  static TestNodes nodes;
  static BerthNode node;
  static DockerClient docker;

  @BeforeAll
  static void start() throws Exception {
    nodes = new TestNodes(dir);
    docker = nodes.docker();
    node = BerthNode.start(nodes.config(), BerthNode.Hooks.NONE);
  }

  @AfterAll
  static void stop() {
    if (node != null) node.close();
    nodes.removeContainers();
  }

  @Test
  void anOperatorChoosesOnlyAnOfferedImageByName() throws Exception {
    JsonNode offered = TestNodes.JSON.readTree(call(node, "GET", "/api/images", null).body());
    assertEquals(node.config().getString("berth.tenant.image"), offered.path("default").asText(), offered.toString());
    assertEquals(node.config().getString("berth.tenant.images.light"), offered.path("images").path("light").asText());
    assertEquals(node.config().getString("berth.tenant.images.reference"), offered.path("images").path("reference").asText());

    for (String body : new String[] {
        "{\"slug\":\"pick-a\",\"image\":\"busybox:latest\"}", "{\"slug\":\"pick-a\",\"image\":\"\"}"}) {
      HttpResponse<String> refused = call(node, "POST", "/api/tenants", body);
      assertEquals(400, refused.statusCode(), refused.body());
      JsonNode error = TestNodes.JSON.readTree(refused.body());
      assertEquals("bad_request", error.path("error").asText(), refused.body());
      assertTrue(error.path("message").asText().contains("[light, reference]"), refused.body());
    }
    HttpResponse<String> wrongType = call(node, "POST", "/api/tenants", "{\"slug\":\"pick-a\",\"image\":7}");
    assertEquals(400, wrongType.statusCode(), wrongType.body());
    assertTrue(wrongType.body().contains("image"), wrongType.body());
    assertEquals(404, call(node, "GET", "/api/tenants/pick-a", null).statusCode(), "nothing was created");
  }

  @Test
  void aLightTenantComesReadyIsServedByTheRouterAndIsRestoredWithItsImage() throws Exception {
    String slug = "light-a";
    assertEquals(202, call(node, "POST", "/api/tenants", "{\"slug\":\"" + slug + "\",\"image\":\"light\"}").statusCode());
    JsonNode ready = awaitPhase(node, slug, "READY", READY_WITHIN);
    String image = node.config().getString("berth.tenant.images.light");
    assertEquals(image, ready.path("image").asText(), ready.toString());
    var container = docker.inspectContainerCmd(nodes.containerName(slug)).exec();
    assertEquals(image, container.getConfig().getImage());
    assertEquals("light", container.getConfig().getLabels().get(Labels.IMAGE));
    assertEquals("10001:10001", container.getConfig().getUser(), "the image's own unprivileged user");

    String page = routed(slug, "/");
    assertTrue(page.contains("<h1 id=\"tenant\">Tenant " + slug + "</h1>"), page);
    assertTrue(page.contains("initialized (incarnation 1)"), page);

    // its data is kept at teardown and it comes back on it, running the image chosen for it
    assertEquals(202, call(node, "DELETE", "/api/tenants/" + slug, null).statusCode());
    awaitPhase(node, slug, "RETIRED", READY_WITHIN);
    assertEquals(202, call(node, "POST", "/api/tenants/" + slug + "/restore", null).statusCode());
    JsonNode back = awaitPhase(node, slug, "READY", READY_WITHIN);
    assertEquals(2, back.path("incarnation").asInt());
    assertEquals(image, back.path("image").asText());
    assertTrue(routed(slug, "/").contains("initialized (incarnation 2)"));
  }

  @Test
  void itsGuestApiRefusesNoCredentialAWrongOneAndAnotherTenantsPayload() throws Exception {
    String slug = "light-b";
    assertEquals(202, call(node, "POST", "/api/tenants", "{\"slug\":\"" + slug + "\",\"image\":\"light\"}").statusCode());
    JsonNode ready = awaitPhase(node, slug, "READY", READY_WITHIN);
    String init = "http://" + ready.path("endpoint").asText() + "/.berth/init";
    HttpTenantGuest guest = new HttpTenantGuest(GuestSettings.fromConfig(node.config()), s -> Map.of());
    String credential = guest.credentialFor(slug, 1);
    String ours = "{\"tenantId\":\"" + slug + "\",\"displayName\":\"B\",\"incarnation\":1,\"sso\":{},\"secrets\":{}}";
    String theirs = "{\"tenantId\":\"light-c\",\"displayName\":\"C\",\"incarnation\":1,\"sso\":{},\"secrets\":{}}";

    assertEquals(401, post(init, ours, null).statusCode(), "no credential");
    assertEquals(401, post(init, ours, "Bearer " + credential.substring(1) + "x").statusCode(), "a wrong credential");
    String otherTenants = guest.credentialFor("light-c", 1);
    assertEquals(401, post(init, theirs, "Bearer " + otherTenants).statusCode(), "another tenant's credential");
    assertEquals(409, post(init, theirs, "Bearer " + credential).statusCode(), "another tenant's payload");
    assertEquals(200, post(init, ours, "Bearer " + credential).statusCode(), "a repeated delivery is a success");
    assertEquals(404, HTTP.send(HttpRequest.newBuilder(URI.create("http://" + ready.path("endpoint").asText()
        + "/berth-init.json")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).statusCode(),
        "the stored payload is not served");
  }

  static HttpResponse<String> post(String url, String body, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) b.header("Authorization", authorization);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String routed(String slug, String path) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.routerAddress().getPort() + path))
        .header("Host", slug + ".localhost").timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return r.body();
  }
}
