package berth.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import berth.tenant.ContainerInfo;
import berth.tenant.ContainerSpec;
import berth.tenant.DriverException;
import berth.tenant.Labels;
import berth.tenant.TenantDriver;
import berth.tenant.TenantSettings;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Docker driver against the real Docker engine, with the reference tenant image built locally. */
class DockerTenantDriverTest {
  static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  static final Config CONFIG = ConfigFactory.parseString(
      "berth.docker.fleet = \"test-" + RUN + "\"\nberth.tenant.name-prefix = \"berth-t" + RUN + "-\"")
      .withFallback(ConfigFactory.load());
  static DockerSettings settings = DockerSettings.fromConfig(CONFIG);
  static TenantSettings tenants = TenantSettings.fromConfig(CONFIG);
  static ExecutorService executor = Executors.newFixedThreadPool(4);
  static DockerClient docker;
  static TenantDriver driver;

  @BeforeAll
  static void connect() {
    docker = DockerEngine.connect(settings);
    DockerEngine.requireReachable(docker, settings);
    ReferenceImage.ensure(docker, settings, tenants.image());
    driver = new DockerTenantDriver(docker, settings, executor);
  }

  @AfterAll
  static void cleanUp() {
    TestFleet.removeAll(docker, settings.fleet());
    executor.shutdown();
  }

  static ContainerSpec spec(String slug) {
    return new ContainerSpec(slug, 1, tenants.containerName(slug), tenants.volumeName(slug),
        tenants.specFor(slug, 1), Map.of("BERTH_TENANT_ID", slug, "BERTH_TENANT_INCARNATION", "1"), credential(slug));
  }

  /** {@link #spec(String)} running another image. */
  static ContainerSpec spec(String slug, String image) {
    ContainerSpec base = spec(slug);
    var s = base.spec();
    return new ContainerSpec(base.tenantId(), 1, base.containerName(), base.volumeName(),
        new berth.tenant.TenantSpec(image, s.containerPort(), s.memoryBytes(), s.nanoCpus(), s.pidsLimit(), s.labels(),
            s.envNames(), s.network(), s.readOnlyRootfs(), s.tmpBytes(), s.user()), base.env(), base.guestCredential());
  }

  static String credential(String slug) {
    return "credential-of-" + slug + "-" + RUN;
  }

  static <T> T await(java.util.concurrent.CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }

  static HttpResponse<String> get(String url) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      try {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
      } catch (java.io.IOException notYet) {
        if (System.nanoTime() > deadline) throw notYet;
        Thread.sleep(100);
      }
    }
  }

  @Test
  void createdContainerCarriesLabelsVolumeLimitsAndALoopbackBinding() throws Exception {
    ContainerSpec spec = spec("alpha");
    TenantDriver.Created created = await(driver.create(spec));
    assertFalse(created.adopted());
    var inspect = docker.inspectContainerCmd(spec.containerName()).exec();
    Map<String, String> labels = inspect.getConfig().getLabels();
    assertEquals("true", labels.get(Labels.MANAGED));
    assertEquals("alpha", labels.get(Labels.TENANT));
    assertEquals(settings.fleet(), labels.get(Labels.FLEET));
    var host = inspect.getHostConfig();
    assertEquals(tenants.memoryBytes(), host.getMemory());
    assertEquals(tenants.nanoCpus(), host.getNanoCPUs());
    assertEquals(tenants.pidsLimit(), host.getPidsLimit());
    assertEquals(java.util.List.of("no-new-privileges"), host.getSecurityOpts());
    assertEquals(java.util.List.of(Capability.ALL), Arrays.asList(host.getCapDrop()));
    assertTrue(java.util.Set.of("", "no").contains(host.getRestartPolicy().getName()), "no restart policy");
    assertTrue(inspect.getMounts().stream().anyMatch(m -> spec.volumeName().equals(m.getName())
        && "/data".equals(m.getDestination().getPath())));
    assertTrue(Arrays.asList(inspect.getConfig().getEnv()).contains("BERTH_TENANT_ID=alpha"));
    // isolated and hardened
    assertEquals(java.util.Set.of(tenants.network()), inspect.getNetworkSettings().getNetworks().keySet());
    assertTrue(host.getReadonlyRootfs());
    assertEquals("rw,nosuid,nodev,noexec,size=" + tenants.tmpBytes(), host.getTmpFs().get("/tmp"));
    assertEquals("10001:10001", inspect.getConfig().getUser(), "the image's own non-root user");
    assertEquals("json-file", host.getLogConfig().getType().getType());
    assertEquals(settings.logMaxSize(), host.getLogConfig().getConfig().get("max-size"));
    // the guest credential is in no part of the container's configuration
    String configuration = docker.inspectContainerCmd(spec.containerName()).exec().toString();
    assertFalse(configuration.contains(spec.guestCredential()), "credential in the container configuration");

    ContainerInfo started = await(driver.start(spec.containerName(), spec.guestCredential()));
    assertTrue(started.running());
    assertEquals("127.0.0.1", started.endpoint().host());
    var bindings = docker.inspectContainerCmd(spec.containerName()).exec().getNetworkSettings().getPorts().getBindings();
    bindings.values().forEach(bs -> Arrays.stream(bs).forEach(b -> assertEquals("127.0.0.1", b.getHostIp())));

    HttpResponse<String> page = get("http://" + started.endpoint().authority() + "/");
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("Tenant alpha"), page.body());
    assertEquals(200, get("http://" + started.endpoint().authority() + "/.berth/health").statusCode());
    // ... but on the data volume, for the container's user alone
    try (var in = docker.copyArchiveFromContainerCmd(spec.containerName(), "/data/.berth/guest-token").exec();
         var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(in)) {
      var entry = tar.getNextTarEntry();
      assertEquals(10001, entry.getLongUserId());
      assertEquals(0400, entry.getMode() & 0777);
      assertEquals(spec.guestCredential(), new String(tar.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  @Test
  void aContainersOutputIsReadBoundedToTheLimit() throws Exception {
    ContainerSpec spec = spec("india");
    await(driver.create(spec));
    ContainerInfo started = await(driver.start(spec.containerName(), spec.guestCredential()));
    assertEquals(200, get("http://" + started.endpoint().authority() + "/.berth/health").statusCode());
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    TenantDriver.Output all = await(driver.logs(spec.containerName(), 1 << 20)).orElseThrow();
    while (!all.text().contains("listening on") && System.nanoTime() < deadline) {
      Thread.sleep(100); // the output reaches the engine a moment after the port answers
      all = await(driver.logs(spec.containerName(), 1 << 20)).orElseThrow();
    }
    assertTrue(all.text().contains("tenant india listening on"), all.text());
    assertFalse(all.truncated());
    assertEquals(started.id(), all.containerId());
    TenantDriver.Output tail = await(driver.logs(spec.containerName(), 10)).orElseThrow();
    assertTrue(tail.truncated());
    assertTrue(tail.text().getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 10, tail.text());
    assertTrue(all.text().endsWith(tail.text()), "the last bytes");
    assertTrue(await(driver.logs("berth-no-such-container-" + RUN, 100)).isEmpty());
  }

  @Test
  void theTenantNetworkIsOwnedByBerthAndKeepsContainersApart() {
    await(driver.create(spec("golf")));
    var network = docker.inspectNetworkCmd().withNetworkId(tenants.network()).exec();
    assertEquals("false", network.getOptions().get(TenantNetwork.ICC), "no inter-container traffic");
    assertEquals(settings.networkBridgeName(), network.getOptions().get(TenantNetwork.BRIDGE_NAME));
    assertEquals(settings.networkSubnet(), network.getIpam().getConfig().get(0).getSubnet());
    assertEquals("true", network.getLabels().get(Labels.MANAGED));
  }

  @Test
  void aNetworkThatLetsContainersReachEachOtherIsRefused() {
    String leaky = "berth-leaky-" + RUN;
    docker.createNetworkCmd().withName(leaky).withDriver("bridge").exec();
    try {
      ContainerSpec base = spec("hotel");
      var s = base.spec();
      var spec = new ContainerSpec(base.tenantId(), 1, base.containerName(), base.volumeName(),
          new berth.tenant.TenantSpec(s.image(), s.containerPort(), s.memoryBytes(), s.nanoCpus(), s.pidsLimit(),
              s.labels(), s.envNames(), leaky, true, s.tmpBytes(), s.user()), base.env(), base.guestCredential());
      CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
          () -> await(driver.create(spec)));
      DriverException de = assertInstanceOf(DriverException.class, e.getCause());
      assertFalse(de.retryable());
      assertTrue(de.getMessage().contains("lets containers reach each other"), de.getMessage());
    } finally {
      docker.removeNetworkCmd(leaky).exec();
    }
  }

  @Test
  void creatingAnExistingContainerAdoptsItInsteadOfDuplicating() {
    ContainerSpec spec = spec("bravo");
    String first = await(driver.create(spec)).container().id();
    TenantDriver.Created again = await(driver.create(spec));
    assertTrue(again.adopted());
    assertEquals(first, again.container().id());
    assertEquals(1, docker.listContainersCmd().withShowAll(true)
        .withLabelFilter(Map.of(Labels.TENANT, "bravo", Labels.FLEET, settings.fleet())).exec().size());
  }

  @Test
  void aContainerNameTakenByAStrangerIsAPermanentError() {
    ContainerSpec spec = spec("charlie");
    docker.createContainerCmd(tenants.image()).withName(spec.containerName()).exec();
    try {
      CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
          () -> await(driver.create(spec)));
      DriverException de = assertInstanceOf(DriverException.class, e.getCause());
      assertFalse(de.retryable());
    } finally {
      docker.removeContainerCmd(spec.containerName()).withForce(true).exec();
    }
  }

  @Test
  void aContainerWhoseImageTagIsGoneIsStillAdopted() {
    String alias = "berth-test-alias-" + RUN;
    docker.tagImageCmd(tenants.image(), alias, "1").exec();
    ContainerSpec spec = spec("foxtrot", alias + ":1");
    String first = await(driver.create(spec)).container().id();
    docker.removeImageCmd(alias + ":1").exec(); // only the tag: the image stays, under its own tag and for the container
    // the same driver (the image's user still cached, so the engine's create meets the missing tag), then
    // one that has not seen the image (a restarted node retrying the create step)
    for (TenantDriver d : List.of(driver, new DockerTenantDriver(docker, settings, executor))) {
      TenantDriver.Created again = await(d.create(spec));
      assertTrue(again.adopted());
      assertEquals(first, again.container().id());
    }
  }

  @Test
  void aMissingImageIsAPermanentError() {
    ContainerSpec spec = spec("delta", "berth-no-such-image:0");
    CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
        () -> await(driver.create(spec)));
    assertFalse(((DriverException) e.getCause()).retryable());
  }

  @Test
  void removeTakesContainerAndVolumeAndIsIdempotent() {
    ContainerSpec spec = spec("echo");
    await(driver.create(spec));
    await(driver.start(spec.containerName(), spec.guestCredential()));
    await(driver.remove(spec.containerName(), spec.volumeName()));
    assertTrue(await(driver.inspect(spec.containerName())).isEmpty());
    org.junit.jupiter.api.Assertions.assertThrows(NotFoundException.class,
        () -> docker.inspectVolumeCmd(spec.volumeName()).exec());
    await(driver.remove(spec.containerName(), spec.volumeName()));
  }

  @Test
  void listManagedReportsOnlyThisFleetsContainers() {
    ContainerSpec spec = spec("foxtrot");
    String id = await(driver.create(spec)).container().id();
    var listed = await(driver.listManaged());
    assertTrue(listed.stream().anyMatch(c -> c.id().equals(id)));
    listed.forEach(c -> assertEquals(settings.fleet(), c.labels().get(Labels.FLEET)));
    assertNotNull(listed.get(0).tenantId());
    assertNotEquals(0, listed.size());
    // the listing alone (no inspection) says what an inspection says, stopped and running
    ContainerInfo created = listed.stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
    assertEquals(await(driver.inspect(spec.containerName())).orElseThrow(), created);
    await(driver.start(spec.containerName(), spec.guestCredential()));
    ContainerInfo running = await(driver.listManaged()).stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
    assertTrue(running.running() && running.endpoint() != null, running.toString());
    assertEquals(await(driver.inspect(spec.containerName())).orElseThrow(), running);
  }

  @Test
  void anUnreachableEngineIsReportedClearly() {
    DockerSettings nowhere = DockerSettings.fromConfig(ConfigFactory.parseString(
        "berth.docker.host = \"unix:///nonexistent/docker.sock\"").withFallback(CONFIG));
    var e = org.junit.jupiter.api.Assertions.assertThrows(DockerEngine.EngineUnreachableException.class,
        () -> DockerEngine.requireReachable(DockerEngine.connect(nowhere), nowhere));
    assertTrue(e.getMessage().contains("unix:///nonexistent/docker.sock"), e.getMessage());
  }
}
