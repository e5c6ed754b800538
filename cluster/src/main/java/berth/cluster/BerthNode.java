package berth.cluster;

import berth.api.AdminPorts;
import berth.api.AdminRoutes;
import berth.api.AdminServer;
import berth.api.ApiSettings;
import berth.tenant.NodeSecret;
import berth.account.AccountEntity;
import berth.api.SetupCode;
import berth.api.SsoIssuer;
import berth.api.SsoKeys;
import berth.docker.DockerEngine;
import berth.docker.DockerSettings;
import berth.docker.DockerTenantDriver;
import berth.docker.LightImage;
import berth.docker.ReferenceImage;
import berth.guest.GuestSettings;
import berth.guest.HttpTenantGuest;
import berth.persistence.AuditProjection;
import berth.persistence.Database;
import berth.persistence.DatabaseHealth;
import berth.persistence.DatabaseSettings;
import berth.persistence.JdbcAccountCredentials;
import berth.persistence.JdbcAuditLog;
import berth.persistence.JdbcLogArchive;
import berth.persistence.JdbcSecretStore;
import berth.persistence.SecretCipher;
import berth.persistence.JdbcTenantDirectory;
import berth.persistence.TenantDirectoryProjection;
import berth.router.ReplicatedRouteTable;
import berth.router.RouterServer;
import berth.router.RouterSettings;
import berth.tenant.ContainerWatch;
import berth.tenant.LogArchive;
import berth.tenant.Reconciler;
import berth.tenant.TenantDirectory;
import berth.tenant.TenantDriver;
import berth.tenant.TenantEntity;
import berth.tenant.TenantGuest;
import berth.tenant.TenantPorts;
import berth.tenant.TenantSettings;
import com.github.dockerjava.api.DockerClient;
import com.typesafe.config.Config;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Berth node, wired, and nothing else: each module reads its own settings and registers its
 * own parts. Startup order matters: every dependency that can be missing (Docker, the database) is
 * checked before the actor system exists, so a misconfigured node fails fast with a clear message.
 * Everything opened here is closed by CoordinatedShutdown (SIGTERM, {@link #close()}, or a failed start).
 */
public final class BerthNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BerthNode.class);
  private static final long BIND_TIMEOUT_SECONDS = 30;

  /**
   * Seams for tests that interrupt a real node: the tenant driver and the guest API client can be
   * wrapped (crash injection between a side effect and its answer, hanging calls).
   */
  public record Hooks(UnaryOperator<TenantDriver> driver, UnaryOperator<TenantGuest> guest) {
    public static final Hooks NONE = new Hooks(UnaryOperator.identity(), UnaryOperator.identity());

    public static Hooks wrapDriver(UnaryOperator<TenantDriver> driver) {
      return new Hooks(driver, UnaryOperator.identity());
    }

    public Hooks wrapGuest(UnaryOperator<TenantGuest> wrapper) {
      return new Hooks(driver, wrapper);
    }
  }

  private final ActorSystem<Void> system;
  private final InetSocketAddress adminAddress;
  private final InetSocketAddress routerAddress;
  private final ReplicatedRouteTable routes;
  private final NodeSecret token;
  private final String dockerVersion;
  private final String databaseUrl;
  private final String managementUri;
  private final RouterSettings routerSettings;
  private final boolean adminHttps;

  private BerthNode(ActorSystem<Void> system, InetSocketAddress adminAddress, InetSocketAddress routerAddress,
      ReplicatedRouteTable routes, NodeSecret token, String dockerVersion, String databaseUrl, String managementUri,
      RouterSettings routerSettings, boolean adminHttps) {
    this.system = system;
    this.adminAddress = adminAddress;
    this.routerAddress = routerAddress;
    this.routes = routes;
    this.token = token;
    this.dockerVersion = dockerVersion;
    this.databaseUrl = databaseUrl;
    this.managementUri = managementUri;
    this.routerSettings = routerSettings;
    this.adminHttps = adminHttps;
  }

  public static BerthNode start(Config config, Hooks hooks) {
    // settings that can be wrong (key stores, secrets) are read before the node joins a cluster
    RemotingTls.check(config, Clock.systemUTC());
    Optional<SSLContext> adminTls = ApiSettings.check(config);
    RouterSettings routerSettings = RouterSettings.fromConfig(config);
    SsoKeys ssoKeys = SsoKeys.fromConfig(config);
    GuestSettings guestSettings = GuestSettings.fromConfig(config);
    DockerSettings dockerSettings = DockerSettings.fromConfig(config);
    DockerClient docker = DockerEngine.connect(dockerSettings);
    String dockerVersion = DockerEngine.requireReachable(docker, dockerSettings);
    if (dockerSettings.buildReferenceImage()) {
      ReferenceImage.ensure(docker, dockerSettings);
    }
    if (dockerSettings.buildLightImage()) {
      try {
        LightImage.ensure(docker, dockerSettings);
      } catch (RuntimeException e) { // an optional image: tenants that name it fail at create, saying it is missing
        log.warn("The light tenant image {} could not be built; the node runs without it: {}",
            dockerSettings.lightImageTag(), e.toString());
      }
    }
    Database database = Database.open(DatabaseSettings.fromConfig(config));
    SecretCipher cipher;
    try {
      cipher = secretCipher(database, config);
    } catch (RuntimeException e) {
      database.close();
      throw e;
    }
    ExecutorService dockerCalls = Executors.newFixedThreadPool(dockerSettings.threads(), threads("berth-docker"));
    ActorSystem<Void> system;
    try {
      system = ActorSystem.create(Behaviors.empty(), "berth", database.pekkoConfig(config).withFallback(config));
    } catch (RuntimeException e) {
      closeQuietly(database, dockerCalls, docker);
      throw e;
    }
    // after the entities and projections have stopped writing, just before the actor system goes
    closeOnShutdown(system, "berth-close-resources", () -> closeQuietly(database, dockerCalls, docker));

    try {
      joinCluster(system, config);
      var management = PekkoManagement.get(Adapter.toClassic(system)).start().toCompletableFuture()
          .get(BIND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      if (config.getBoolean("berth.cluster-bootstrap")) {
        ClusterBootstrap.get(Adapter.toClassic(system)).start(); // finds contact points through management
      }

      Clock clock = Clock.systemUTC();
      ReplicatedRouteTable routes = new ReplicatedRouteTable(system, routerSettings.replicationTimeout());
      TenantDriver driver = hooks.driver().apply(new DockerTenantDriver(docker, dockerSettings, dockerCalls));
      TenantGuest guest = hooks.guest().apply(new HttpTenantGuest(guestSettings,
          ssoKeys::verificationKeyFor));
      var blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
      LogArchive logs = new JdbcLogArchive(database.dataSource(), blocking);
      JdbcSecretStore secrets = new JdbcSecretStore(database.dataSource(), blocking, cipher);
      TenantEntity.init(system, new TenantPorts(driver, guest, routes, logs, secrets), TenantSettings.fromConfig(config),
          clock);

      AccountEntity.init(system);
      JdbcAccountCredentials credentials = new JdbcAccountCredentials(database.dataSource(), blocking);

      TenantDirectoryProjection.init(system, database.dataSource());
      AuditProjection.init(system, database.dataSource());
      TenantDirectory directory = new JdbcTenantDirectory(database.dataSource(), blocking);
      Reconciler.init(system, directory, driver, Reconciler.Settings.fromConfig(config), clock);
      seedRoutes(routes, directory);
      MetricsRouteProvider.countFrom(system, routes);
      ContainerWatch.start(system, driver);

      var router = RouterServer.start(system, routes, routerSettings).toCompletableFuture()
          .get(BIND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      int routerPort = router.localAddress().getPort();
      SsoIssuer sso = SsoIssuer.fromConfig(config, ssoKeys, slug -> routerSettings.tenantUrl(slug, routerPort), clock);
      ApiSettings api = ApiSettings.fromConfig(config, adminTls); // late: a token it generates is printed once
      DatabaseHealth health = new DatabaseHealth(database.dataSource(), database.settings().healthInterval());
      closeOnShutdown(system, "berth-database-health", health::close);
      var admin = AdminServer.start(system, new AdminRoutes(system,
          new AdminPorts(directory, logs, secrets, credentials, driver,
              new JdbcAuditLog(database.dataSource(), blocking)), api, sso, health::available, clock).routes(), api)
          .toCompletableFuture().get(BIND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      SetupCode.issueIfNoOwner(credentials, api, clock);
      ServingCheck.Serving.get(system).flag.set(true);
      log.info("Berth node up: Docker {}, database {}, admin API on {}, router on {}, management on {}", dockerVersion,
          database.settings(), admin.localAddress(), router.localAddress(), management);
      return new BerthNode(system, admin.localAddress(), router.localAddress(), routes, api.token(), dockerVersion,
          database.settings().url(), management.toString(), routerSettings, api.tls().isPresent());
    } catch (Exception e) {
      // logged here: with exit-jvm on, the JVM may exit (status 1, StartFailed) before the caller prints it
      log.error("Berth node failed to start: {}", e.getMessage(), e);
      CoordinatedShutdown.get(system).run(StartFailed.INSTANCE);
      system.getWhenTerminated().toCompletableFuture().join();
      throw new IllegalStateException("Berth node failed to start: " + e.getMessage(), e);
    }
  }

  /** Why a node that failed to start shuts down: exits with status 1 (application.conf, reason-overrides). */
  public static final class StartFailed implements CoordinatedShutdown.Reason {
    static final StartFailed INSTANCE = new StartFailed();

    private StartFailed() {}
  }

  /**
   * The tenant secret store; a node refuses to start when a stored secret is sealed with a key the
   * configuration does not provide.
   */
  static SecretCipher secretCipher(Database database, Config config) {
    SecretCipher cipher = SecretCipher.fromConfig(config);
    new JdbcSecretStore(database.dataSource(), Runnable::run, cipher).requireKeysForStoredSecrets();
    return cipher;
  }

  /** One read-model query at start: known tenants are routable before their entities wake (never 404). */
  private static void seedRoutes(ReplicatedRouteTable routes, TenantDirectory directory) throws Exception {
    java.util.Map<String, berth.tenant.RouteTable.Route> known = new java.util.HashMap<>();
    for (var t : directory.list().toCompletableFuture().get(BIND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      if (t.phase().active()) {
        known.put(t.slug(), new berth.tenant.RouteTable.Route(t.phase(), t.endpoint(), t.incarnation()));
      }
    }
    routes.seed(known);
  }

  /** Joins the configured seed nodes, or the cluster bootstrap, or else forms a cluster of one. */
  private static void joinCluster(ActorSystem<?> system, Config config) {
    Cluster cluster = Cluster.get(system);
    if (!config.getBoolean("berth.cluster-bootstrap") && config.getStringList("pekko.cluster.seed-nodes").isEmpty()) {
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
  }

  private static void closeOnShutdown(ActorSystem<?> system, String name, Runnable close) {
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), name, () -> {
      close.run();
      return CompletableFuture.completedFuture(Done.getInstance());
    });
  }

  private static void closeQuietly(Database database, ExecutorService dockerCalls, DockerClient docker) {
    dockerCalls.shutdownNow();
    database.close();
    try {
      docker.close();
    } catch (Exception e) {
      log.debug("Closing the Docker client: {}", e.toString());
    }
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  public Config config() {
    return system.settings().config();
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public InetSocketAddress adminAddress() {
    return adminAddress;
  }

  /** JDBC URL of the database this node uses (the embedded server's, when none was configured). */
  public String databaseUrl() {
    return databaseUrl;
  }

  public InetSocketAddress routerAddress() {
    return routerAddress;
  }

  /** Base URI of pekko-management: {@code /alive}, {@code /ready}, {@code /cluster/members}. */
  public String managementUri() {
    return managementUri;
  }

  /** The admin UI's URL on this node (the API is under {@code api}). */
  public String adminUrl() {
    return (adminHttps ? "https" : "http") + "://" + adminAddress.getHostString() + ":" + adminAddress.getPort() + "/";
  }

  /** The URL browsers reach tenant {@code slug} at through this node's router. */
  public String tenantUrl(String slug) {
    return routerSettings.tenantUrl(slug, routerAddress.getPort());
  }

  public ReplicatedRouteTable routes() {
    return routes;
  }

  public NodeSecret token() {
    return token;
  }

  public String dockerVersion() {
    return dockerVersion;
  }

  /** How long {@link #close()} waits for the node to stop: well past the sum of the coordinated-shutdown phases. */
  static final Duration STOP_WITHIN = Duration.ofMinutes(3);

  /**
   * Leaves the cluster and stops through CoordinatedShutdown, which closes the database and Docker client.
   * A node that has not stopped within {@link #STOP_WITHIN} logs every thread's stack (what it is stuck
   * on) and this throws, rather than blocking its caller forever.
   */
  @Override
  public void close() {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(STOP_WITHIN.toSeconds(), TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      StringBuilder dump = new StringBuilder();
      Thread.getAllStackTraces().forEach((thread, stack) -> {
        dump.append('\n').append('"').append(thread.getName()).append("\" ").append(thread.getState());
        for (StackTraceElement frame : stack) dump.append("\n    at ").append(frame);
      });
      log.error("Berth node {} did not stop within {}; its threads:{}", system.address(), STOP_WITHIN, dump);
      throw new IllegalStateException("Berth node did not stop within " + STOP_WITHIN + " (threads logged)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the Berth node to stop", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("Berth node stopped with an error", e.getCause());
    }
  }
}
