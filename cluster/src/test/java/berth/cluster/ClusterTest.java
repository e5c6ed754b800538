package berth.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import berth.persistence.EmbeddedPostgresServer;
import berth.tenant.Labels;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three Berth nodes as separate JVMs (this test's classpath, {@code berth.cluster.Main}) on one real
 * PostgreSQL and the real Docker engine: they form a cluster; tenants created through one node are
 * routable through the others; two nodes asked for the same slug at once make one tenant; a node
 * killed with SIGKILL loses no tenant and creates no second container. The failover time is printed.
 */
@TestMethodOrder(MethodOrderer.Random.class) // each scenario brings the cluster and tenants it needs
class ClusterTest {
  static final Duration WITHIN = Duration.ofSeconds(120);
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir static Path dir;
  static TestNodes nodes;
  static EmbeddedPostgresServer pg;
  static final List<Node> cluster = new ArrayList<>();
  static final List<String> SLUGS = List.of("c1", "c2", "c3", "c4", "c5", "c6");
  static int seedPort;

  /** One node process and its ports. */
  record Node(int index, Process process, int remote, int api, int router, int management) {
    String address() {
      return "pekko://berth@127.0.0.1:" + remote;
    }
  }

  static Node startNode(String askTimeout) throws Exception {
    List<Node> live = alive();
    return startNode(cluster.size() + 1, live.isEmpty() ? seedPort : live.get(0).remote(), askTimeout);
  }

  /**
   * @param askTimeout the admin API's wait for an entity: 3 s on the first three nodes, so that polling
   *     measures failover finely; the production default (10 s) where a test wants no failed request
   */
  static Node startNode(int index, int seedPort, String askTimeout) throws Exception {
    int remote = index == 1 ? seedPort : TestNodes.freePort();
    int api = TestNodes.freePort();
    int router = TestNodes.freePort();
    int management = TestNodes.freePort();
    Path home = Files.createDirectories(dir.resolve("node-" + index));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx384m",
        "-Dberth.tenant.name-prefix=berth-it" + nodes.run + "-",
        "-Dberth.reconcile.initial-delay=300ms", "-Dberth.reconcile.interval=1s",
        "-Dberth.read-model.poll-interval=100ms",
        "-Dberth.api.ask-timeout=" + askTimeout,
        "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
        "berth.cluster.Main")
        .directory(home.toFile())
        .redirectErrorStream(true)
        .redirectOutput(home.resolve("node.log").toFile());
    Map<String, String> env = pb.environment();
    env.put("BERTH_REMOTE_PORT", String.valueOf(remote));
    env.put("BERTH_API_PORT", String.valueOf(api));
    env.put("BERTH_ROUTER_PORT", String.valueOf(router));
    env.put("BERTH_MANAGEMENT_PORT", String.valueOf(management));
    env.put("BERTH_SEED_NODES", "127.0.0.1:" + seedPort);
    env.put("BERTH_DB_URL", pg.jdbcUrl());
    env.put("BERTH_DB_USER", "postgres");
    env.put("BERTH_DB_PASSWORD", pg.password());
    env.put("BERTH_ADMIN_TOKEN", TestNodes.TOKEN);
    env.put("BERTH_SSO_SECRET", TestNodes.SSO_SECRET);
    env.put("BERTH_GUEST_SECRET", TestNodes.GUEST_SECRET);
    env.put("BERTH_FLEET", nodes.fleet());
    Node node = new Node(index, pb.start(), remote, api, router, management);
    cluster.add(node);
    return node;
  }

  static HttpResponse<String> api(Node n, String method, String path, String body) throws Exception {
    return TestNodes.callProcess(n.api(), method, path, body);
  }

  static int routed(Node n, String slug) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.router() + "/"))
          .timeout(Duration.ofSeconds(5))
          .header("Host", slug + ".localhost:" + n.router()).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return 0;
    }
  }

  static int health(Node n, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.management() + path))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return 0;
    }
  }

  static JsonNode json(HttpResponse<String> r) throws Exception {
    return TestNodes.JSON.readTree(r.body());
  }

  static void await(String what, TestNodes.Check check) throws Exception {
    TestNodes.await(what, WITHIN, check);
  }

  static boolean ready(Node via, String slug) {
    try {
      HttpResponse<String> r = api(via, "GET", "/api/tenants/" + slug, null);
      return r.statusCode() == 200 && json(r).path("phase").asText().equals("READY");
    } catch (Exception e) {
      return false;
    }
  }

  static int upMembers(Node via) {
    try {
      HttpResponse<String> r = api(via, "GET", "/api/cluster", null);
      if (r.statusCode() != 200) return 0;
      int up = 0;
      for (JsonNode m : json(r).path("members")) if (m.path("status").asText().equals("Up")) up++;
      return up;
    } catch (Exception e) {
      return 0;
    }
  }

  static List<com.github.dockerjava.api.model.Container> containersOf(DockerClient docker, String slug) {
    return docker.listContainersCmd().withShowAll(true)
        .withLabelFilter(Map.of(Labels.TENANT, slug, Labels.FLEET, nodes.fleet())).exec();
  }

  static List<Node> alive() {
    return cluster.stream().filter(n -> n.process().isAlive()).toList();
  }

  /**
   * Three running nodes, all members Up and ready, whatever scenarios ran before: nodes a scenario
   * stopped are replaced by new ones (new process, new ports) that join a live node, and a node a
   * scenario added is stopped.
   */
  static List<Node> threeLiveNodes() throws Exception {
    while (alive().size() > 3) {
      Node extra = alive().get(alive().size() - 1);
      extra.process().destroy(); // SIGTERM: it leaves gracefully
      extra.process().onExit().get(60, TimeUnit.SECONDS);
    }
    while (alive().size() < 3) {
      Node started = startNode("3s");
      if (alive().size() == 1) {
        await("node " + started.index() + " up", () -> upMembers(started) == 1); // the others join it
      }
    }
    List<Node> live = alive();
    for (Node n : live) {
      await("3 members Up seen by node " + n.index(), () -> upMembers(n) == 3);
      await("node " + n.index() + " ready", () -> health(n, "/ready") == 200);
    }
    return live;
  }

  /**
   * Waits until rebalancing is over: every member hosts its share of the tenant shards (the most and
   * the least loaded differ by at most one, which is where the allocation strategy stops moving them).
   * It moves one shard per rebalance interval (10 s), so this can take a while after a join.
   */
  static void awaitShardsSettled(Node via) throws Exception {
    await("tenant shards balanced", () -> {
      HttpResponse<String> r = api(via, "GET", "/api/cluster", null);
      if (r.statusCode() != 200) return false;
      int min = Integer.MAX_VALUE;
      int max = 0;
      for (JsonNode m : json(r).path("members")) {
        if (!m.path("status").asText().equals("Up")) continue;
        min = Math.min(min, m.path("shards").asInt());
        max = Math.max(max, m.path("shards").asInt());
      }
      if (max - min > 1) Thread.sleep(500);
      return max > 0 && max - min <= 1;
    });
  }

  /** The end of every node's log (the hand-over is in the last lines), for whoever investigates a failure. */
  static void printNodeLogs() throws Exception {
    for (Node n : cluster) {
      Path log = dir.resolve("node-" + n.index()).resolve("node.log");
      if (!Files.exists(log)) continue;
      List<String> lines = Files.readAllLines(log);
      System.out.println("---- node " + n.index() + " (" + n.address() + "), last lines of " + lines.size());
      lines.subList(Math.max(0, lines.size() - 60), lines.size()).forEach(System.out::println);
    }
  }

  /** The six tenants every failover scenario moves around, READY (created now if no scenario did). */
  static void sixReadyTenants(Node via) throws Exception {
    for (String slug : SLUGS) create(via, slug);
    for (String slug : SLUGS) await(slug + " READY", () -> ready(via, slug));
  }

  @BeforeAll
  static void startCluster() throws Exception {
    nodes = new TestNodes(dir);
    pg = EmbeddedPostgresServer.start(dir.resolve("pg"), 0);
    // the reference image is built once, in this JVM, before three nodes would race to build it
    berth.docker.ReferenceImage.ensure(nodes.docker(), berth.docker.DockerSettings.fromConfig(nodes.config()));
    seedPort = TestNodes.freePort();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    for (Node n : cluster) n.process().destroy();
    for (Node n : cluster) n.process().onExit().get(60, TimeUnit.SECONDS);
    if (pg != null) pg.close();
    nodes.removeContainers();
  }

  @Test
  void threeNodesFormAClusterAndEveryNodeRoutesTenantsCreatedThroughAnother() throws Exception {
    List<Node> live = threeLiveNodes();
    for (Node n : live) {
      assertEquals(200, health(n, "/alive"));
    }
    Node first = live.get(0);
    sixReadyTenants(first);
    for (String slug : SLUGS) {
      for (Node n : live) {
        await(slug + " routable through node " + n.index(), () -> routed(n, slug) == 200);
      }
    }
  }

  @Test
  void twoNodesAskedForTheSameSlugAtOnceMakeOneTenantWithOneContainer() throws Exception {
    List<Node> live = threeLiveNodes();
    Node second = live.get(1);
    Node third = live.get(2);
    // the race under test is between two writers, not against a cold cluster: with the 3 s ask timeout
    // of these nodes, a shard still being allocated (or the entity's first recovery on a busy machine)
    // can answer both creates with 503. Wait until both nodes reach the entity and it answers "unknown".
    await("contested answers 404 through both nodes", () ->
        api(second, "GET", "/api/tenants/contested", null).statusCode() == 404
            && api(third, "GET", "/api/tenants/contested", null).statusCode() == 404);
    String body = "{\"slug\":\"contested\"}";
    var a = CompletableFuture.supplyAsync(() -> created(second, body));
    var b = CompletableFuture.supplyAsync(() -> created(third, body));
    List<HttpResponse<String>> answers = List.of(a.get(30, TimeUnit.SECONDS), b.get(30, TimeUnit.SECONDS));
    List<Integer> statuses = new ArrayList<>();
    for (HttpResponse<String> r : answers) statuses.add(r.statusCode());
    statuses.sort(null);
    assertEquals(List.of(202, 409), statuses, () -> "exactly one creation wins; answers: "
        + answers.stream().map(r -> r.statusCode() + " " + r.body()).toList());
    await("contested READY", () -> ready(second, "contested"));
    assertEquals(1, containersOf(nodes.docker(), "contested").size());
    long created = 0;
    for (JsonNode e : json(api(third, "GET", "/api/tenants/contested/events", null)).path("events")) {
      if (e.path("type").asText().equals("ProvisioningRequested")) created++;
    }
    assertEquals(1, created);
  }

  @Test
  void aNodeStoppedWithSigtermHandsOverWhileTheOthersKeepServingAndNodesRejoinAfterRestart() throws Exception {
    List<Node> live = threeLiveNodes();
    Node first = live.get(0);
    Node leaving = live.get(1); // neither the proxy path (first) nor the admin path (rejoined)
    sixReadyTenants(first);
    // the third node is replaced by one with the production ask timeout, through which admin requests go
    Node replaced = live.get(2);
    replaced.process().destroy();
    replaced.process().onExit().get(60, TimeUnit.SECONDS);
    Node rejoined = startNode("10s");
    await("3 members Up after the replacement", () -> upMembers(first) == 3 && health(rejoined, "/ready") == 200);
    // a rolling restart waits for the shards to settle on the new node before stopping the next one:
    // a node leaving while shards still move to another can hold one shard past the ask timeout
    awaitShardsSettled(first);

    List<String> slugs = SLUGS;
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
    java.util.concurrent.atomic.AtomicInteger served = new java.util.concurrent.atomic.AtomicInteger();
    Thread load = new Thread(() -> {
      int i = 0;
      while (running.get()) {
        String slug = slugs.get(i++ % slugs.size());
        try {
          HttpResponse<String> admin = api(rejoined, "GET", "/api/tenants/" + slug, null);
          int proxied = routed(first, slug);
          if (admin.statusCode() != 200) {
            failures.add("admin " + slug + " " + admin.statusCode() + " " + admin.body());
          }
          if (proxied != 200) failures.add("proxied " + slug + " " + proxied);
          served.addAndGet(2);
        } catch (Exception e) {
          failures.add(slug + " " + e);
        }
      }
    }, "cluster-load");
    load.start();
    Thread.sleep(2000);
    leaving.process().destroy(); // SIGTERM: CoordinatedShutdown hands its shards over and leaves
    int exit = leaving.process().onExit().get(60, TimeUnit.SECONDS).exitValue();
    assertTrue(exit == 0 || exit == 143, "exit after SIGTERM: " + exit); // 143: the JVM's usual status for SIGTERM
    String leavingLog = Files.readString(dir.resolve("node-" + leaving.index()).resolve("node.log"));
    assertTrue(leavingLog.contains("as [Leaving]"), "it left the cluster gracefully");
    Thread.sleep(3000);
    running.set(false);
    load.join();
    System.out.println("cluster rolling restart: " + served.get() + " requests (admin via node " + rejoined.index()
        + ", proxied via node " + first.index() + ") while node " + leaving.index() + " left, " + failures.size()
        + " failed " + failures);
    if (!failures.isEmpty()) {
      printNodeLogs(); // for whoever investigates: what each node said during the hand-over
    }
    assertEquals(List.of(), failures, "the rest of the cluster kept serving");

    Node restarted = startNode("3s");
    await("3 members Up after the restart", () -> upMembers(first) == 3 && health(restarted, "/ready") == 200);
    for (String slug : slugs) {
      await(slug + " READY via the restarted node", () -> ready(restarted, slug) && routed(restarted, slug) == 200);
      assertEquals(1, containersOf(nodes.docker(), slug).size());
    }
  }

  /**
   * Creates a tenant as a client should: a 503 (the entity did not answer in time, e.g. while the
   * fresh cluster allocates its first shards) may or may not have taken effect, and repeating the
   * create is safe — 409 then means an earlier attempt did.
   */
  static void create(Node via, String slug) throws Exception {
    long deadline = System.nanoTime() + WITHIN.toNanos();
    int status;
    while ((status = api(via, "POST", "/api/tenants", "{\"slug\":\"" + slug + "\"}").statusCode()) == 503) {
      assertTrue(System.nanoTime() < deadline, "create of " + slug + " kept answering 503");
      Thread.sleep(500);
    }
    assertTrue(status == 202 || status == 409, "create of " + slug + " answered " + status);
  }

  static HttpResponse<String> created(Node n, String body) {
    try {
      return api(n, "POST", "/api/tenants", body);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aNodeKilledWithSigkillLosesNoTenantAndCreatesNoSecondContainer() throws Exception {
    List<Node> live = threeLiveNodes();
    Node first = live.get(0);
    sixReadyTenants(first);
    Map<String, String> hostOf = new HashMap<>();
    for (String slug : SLUGS) {
      hostOf.put(slug, json(api(first, "GET", "/api/tenants/" + slug, null)).path("node").asText());
    }
    Node victim = live.get(2);
    List<String> onVictim = hostOf.entrySet().stream().filter(e -> e.getValue().equals(victim.address()))
        .map(Map.Entry::getKey).sorted().toList();
    Map<String, String> containerOf = new HashMap<>();
    DockerClient docker = nodes.docker();
    for (String slug : hostOf.keySet()) containerOf.put(slug, containersOf(docker, slug).get(0).getId());

    long t0 = System.nanoTime();
    victim.process().destroyForcibly(); // SIGKILL
    victim.process().onExit().get(30, TimeUnit.SECONDS);
    List<Node> survivors = List.of(live.get(0), live.get(1));
    List<String> victimsFirst = new ArrayList<>(onVictim);
    hostOf.keySet().stream().filter(s -> !onVictim.contains(s)).forEach(victimsFirst::add);
    for (String slug : victimsFirst) {
      for (Node n : survivors) {
        await(slug + " READY via node " + n.index(), () -> ready(n, slug) && routed(n, slug) == 200);
      }
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("cluster failover: tenants " + onVictim + " of the killed node READY and routable through "
        + "both survivors after " + ms + " ms");
    for (String slug : hostOf.keySet()) {
      var containers = containersOf(docker, slug);
      assertEquals(1, containers.size(), slug + " has one container");
      assertEquals(containerOf.get(slug), containers.get(0).getId(), slug + "'s container adopted, not re-created");
      String host = json(api(first, "GET", "/api/tenants/" + slug, null)).path("node").asText();
      assertTrue(!host.equals(victim.address()), slug + " now lives on a survivor");
    }
  }
}
