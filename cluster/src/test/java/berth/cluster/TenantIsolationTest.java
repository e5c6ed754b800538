package berth.cluster;

import static berth.cluster.TestNodes.awaitPhase;
import static berth.cluster.TestNodes.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.WaitContainerResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an attacker who owns one tenant can try against another, on a real node and real dockerd:
 * connections from inside tenant A's network namespace (a probe container sharing it, built here FROM
 * the reference image) to tenant B and to every Berth port on the network's gateway; re-keying B's
 * SSO through its guest API without B's credential; reaching the guest API through the router in any
 * spelling; planting a cookie for the parent domain.
 */
class TenantIsolationTest {
  static final Duration READY_WITHIN = Duration.ofSeconds(120);
  static final String PROBE_IMAGE = "berth-tenant-probe:test";
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir static Path dir;
  static TestNodes nodes;
  static BerthNode node;
  static DockerClient docker;

  @BeforeAll
  static void start() throws Exception {
    nodes = new TestNodes(dir);
    docker = nodes.docker();
    node = BerthNode.start(nodes.config(), BerthNode.Hooks.NONE);
    TestNodes.buildEntryPointImage(docker, node.config().getString("berth.docker.reference-image.tag"), PROBE_IMAGE,
        "berth.tenantimage.ConnectProbe");
    for (String slug : List.of("iso-a", "iso-b")) {
      assertEquals(202, call(node, "POST", "/api/tenants", "{\"slug\":\"" + slug + "\"}").statusCode());
    }
    for (String slug : List.of("iso-a", "iso-b")) {
      awaitPhase(node, slug, "READY", READY_WITHIN);
    }
  }

  @AfterAll
  static void stop() {
    if (node != null) node.close();
    nodes.removeContainers();
    try {
      docker.removeImageCmd(PROBE_IMAGE).withForce(true).exec();
    } catch (RuntimeException alreadyGone) {
      // nothing to clean
    }
  }

  static String network() {
    return node.config().getString("berth.tenant.network");
  }

  static String addressOf(String slug) {
    return docker.inspectContainerCmd(nodes.containerName(slug)).exec()
        .getNetworkSettings().getNetworks().get(network()).getIpAddress();
  }

  /** Runs the probe in {@code slug}'s network namespace; each target's line: "host:port open|closed (...)". */
  static Map<String, String> probeFrom(String slug, List<String> targets) throws Exception {
    String tenant = docker.inspectContainerCmd(nodes.containerName(slug)).exec().getId();
    String probe = docker.createContainerCmd(PROBE_IMAGE)
        .withHostConfig(HostConfig.newHostConfig().withNetworkMode("container:" + tenant))
        .withCmd(targets)
        .exec().getId();
    try {
      docker.startContainerCmd(probe).exec();
      docker.waitContainerCmd(probe).exec(new WaitContainerResultCallback()).awaitStatusCode(60, TimeUnit.SECONDS);
      StringBuilder out = new StringBuilder();
      docker.logContainerCmd(probe).withStdOut(true).withStdErr(true).exec(new ResultCallback.Adapter<Frame>() {
        @Override
        public void onNext(Frame frame) {
          out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
        }
      }).awaitCompletion(30, TimeUnit.SECONDS);
      Map<String, String> result = new LinkedHashMap<>();
      out.toString().lines().filter(l -> l.contains(" ")).forEach(l -> result.put(l.substring(0, l.indexOf(' ')),
          l.substring(l.indexOf(' ') + 1)));
      return result;
    } finally {
      docker.removeContainerCmd(probe).withForce(true).exec();
    }
  }

  @Test
  void aTenantReachesNeitherAnotherTenantNorBerthsPortsButItsOwnAndAHostServiceOnTheGateway() throws Exception {
    String gateway = docker.inspectContainerCmd(nodes.containerName("iso-a")).exec()
        .getNetworkSettings().getNetworks().get(network()).getGateway();
    URI db = URI.create(node.databaseUrl().substring("jdbc:".length()));
    Map<String, Integer> berthPorts = new LinkedHashMap<>();
    berthPorts.put("admin API", node.adminAddress().getPort());
    berthPorts.put("router", node.routerAddress().getPort());
    berthPorts.put("management", URI.create(node.managementUri()).getPort());
    berthPorts.put("remoting", node.system().address().getPort().get());
    berthPorts.put("PostgreSQL", db.getPort());
    // a control: a service that does listen on the gateway address is reachable, so "closed" below
    // means Berth's ports are out of reach, not that the probe cannot connect at all
    try (ServerSocket control = new ServerSocket()) {
      control.bind(new InetSocketAddress(InetAddress.getByName(gateway), 0));
      String b = addressOf("iso-b") + ":8080";
      String own = "127.0.0.1:8080";
      String controlTarget = gateway + ":" + control.getLocalPort();
      List<String> targets = new ArrayList<>(List.of(b, own, controlTarget));
      berthPorts.values().forEach(p -> targets.add(gateway + ":" + p));
      Thread acceptor = new Thread(() -> {
        try (Socket s = control.accept()) {
          // accepted: the control is reachable
        } catch (Exception ignored) {
          // closed at the end of the test
        }
      });
      acceptor.start();

      Map<String, String> seen = probeFrom("iso-a", targets);
      assertEquals("open", seen.get(own), "the probe works: its own tenant answers; " + seen);
      assertEquals("open", seen.get(controlTarget), "the gateway is routable; " + seen);
      assertTrue(seen.get(b).startsWith("closed"), "tenant B is out of reach: " + seen);
      berthPorts.forEach((what, port) -> assertTrue(seen.get(gateway + ":" + port).startsWith("closed"),
          what + " is out of reach through the gateway: " + seen));
    }
  }

  static HttpResponse<String> postInit(JsonNode tenant, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + tenant.get("endpoint").asText() + "/.berth/init"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"tenantId\":\"iso-b\",\"displayName\":\"Owned\",\"incarnation\":1,"
            + "\"sso\":{\"alg\":\"HS256\",\"key\":\"" + "a".repeat(44) + "\"}}"));
    if (authorization != null) b.header("Authorization", authorization);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theGuestApiRefusesAnInitWithoutTheTenantsCredentialAndTheTenantStaysAsItWas() throws Exception {
    JsonNode b = TestNodes.tenant(node, "iso-b");
    String before = TestNodes.get("http://" + b.get("endpoint").asText() + "/");
    assertTrue(before.contains("Initialized as <b>iso-b</b>"), before);
    assertEquals(401, postInit(b, null).statusCode());
    assertEquals(401, postInit(b, "Bearer not-the-credential").statusCode());
    assertEquals(401, postInit(b, "Basic aXNvLWI6eA==").statusCode());
    assertEquals(before, TestNodes.get("http://" + b.get("endpoint").asText() + "/"), "nothing changed");
    // and Berth's own sign-in still works: the SSO key was not replaced
    HttpResponse<String> handoff = call(node, "POST", "/api/tenants/iso-b/sso", null);
    assertEquals(303, handoff.statusCode());
    URI url = URI.create(TestNodes.JSON.readTree(handoff.body()).get("url").asText());
    RawResponse landing = throughRouter("iso-b", url.getRawPath() + "?" + url.getRawQuery());
    assertEquals(303, landing.status(), landing.text());
  }

  static RawResponse throughRouter(String slug, String rawPath) throws Exception {
    // a raw socket: java.net.http would normalize some of these spellings before sending them
    try (Socket s = new Socket("127.0.0.1", node.routerAddress().getPort())) {
      s.setSoTimeout(10_000);
      String request = "GET " + rawPath + " HTTP/1.1\r\nHost: " + slug + ".localhost\r\nAccept: application/json\r\n"
          + "Connection: close\r\n\r\n";
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      return new RawResponse(Integer.parseInt(response.substring(9, 12)), response);
    }
  }

  @Test
  void noSpellingOfTheGuestApiIsForwardedByTheRouter() throws Exception {
    for (String path : List.of("/.berth/init", "/.BERTH/init", "/%2eberth/init", "/%2Eberth/init", "/.berth%2Finit",
        "/.berth;x=1/init", "//.berth/init", "/./.berth/init", "/a/../.berth/init", "/.berth/health")) {
      RawResponse r = throughRouter("iso-b", path);
      assertTrue(r.status() == 404 || r.status() == 400, path + " answered " + r.status());
      assertFalse(r.text().contains("\"status\":\"ok\""), path + " reached the guest API: " + r.text());
    }
    assertEquals(200, throughRouter("iso-b", "/").status(), "the tenant itself is served");
  }

  @Test
  void aCookieForTheParentDomainDoesNotReachTheBrowser() throws Exception {
    RawResponse planted = throughRouter("iso-a", "/set-cookie?domain=localhost");
    assertEquals(200, planted.status(), planted.text());
    assertFalse(planted.text().toLowerCase().contains("set-cookie:"), planted.text());
    RawResponse own = throughRouter("iso-a", "/set-cookie?domain=iso-a.localhost");
    assertTrue(own.text().toLowerCase().contains("set-cookie: planted=1"), "a cookie for its own host passes: " + own.text());
  }

  /** The status and the whole raw response (headers and body) of a request sent on a socket. */
  record RawResponse(int status, String text) {}
}
