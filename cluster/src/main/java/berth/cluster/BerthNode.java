package berth.cluster;

import berth.api.AdminRoutes;
import berth.api.AdminServer;
import berth.api.ApiSettings;
import berth.api.SsoIssuer;
import berth.api.SsoKeys;
import berth.docker.DockerEngine;
import berth.docker.DockerSettings;
import berth.docker.DockerTenantDriver;
import berth.docker.ReferenceImage;
import berth.persistence.Database;
import berth.persistence.DatabaseHealth;
import berth.persistence.DatabaseSettings;
import berth.persistence.JdbcTenantDirectory;
import berth.persistence.TenantDirectoryProjection;
import berth.router.ReplicatedRouteTable;
import berth.router.RouterServer;
import berth.router.RouterSettings;
import berth.tenant.TenantCommand;
import berth.tenant.TenantDirectory;
import berth.tenant.TenantDriver;
import berth.tenant.TenantEntity;
import berth.tenant.TenantGuest;
import berth.tenant.TenantSettings;
import com.github.dockerjava.api.DockerClient;
import com.typesafe.config.Config;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Berth node, wired: Docker engine and reference image, database and migrations, the actor
 * system in its cluster, tenant sharding, the read-model projection, the reconciler, the router and the
 * admin API.
 * Startup order matters: every dependency that can be missing (Docker, the database) is checked
 * before the actor system exists, so a misconfigured node fails fast with a clear message.
 */
public final class BerthNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BerthNode.class);

  private final ActorSystem<Void> system;
  private final CompletionStage<Void> released;
  private final InetSocketAddress adminAddress;
  private final InetSocketAddress routerAddress;
  private final String databaseUrl;
  private final ReplicatedRouteTable routes;
  private final NodeSecret token;
  private final String dockerVersion;
  private final String managementUri;

  private BerthNode(ActorSystem<Void> system, CompletionStage<Void> released, InetSocketAddress adminAddress,
      InetSocketAddress routerAddress, ReplicatedRouteTable routes, NodeSecret token, String dockerVersion,
      String databaseUrl, String managementUri) {
    this.system = system;
    this.managementUri = managementUri;
    this.databaseUrl = databaseUrl;
    this.released = released;
    this.routerAddress = routerAddress;
    this.routes = routes;
    this.adminAddress = adminAddress;
    this.token = token;
    this.dockerVersion = dockerVersion;
  }

  public static BerthNode start(Config config) {
    return start(config, UnaryOperator.identity());
  }

  /**
   * Starts a node whose tenant driver is wrapped by {@code driverWrapper}: the seam through which
   * crash-injection tests interrupt a real driver between its side effect and its answer.
   */
  public static BerthNode start(Config config, UnaryOperator<TenantDriver> driverWrapper) {
    return start(config, driverWrapper, UnaryOperator.identity());
  }

  /** As above, with the guest API client wrapped too (crash injection during initialization). */
  public static BerthNode start(Config config, UnaryOperator<TenantDriver> driverWrapper,
      UnaryOperator<TenantGuest> guestWrapper) {
    DockerSettings dockerSettings = DockerSettings.fromConfig(config);
    TenantSettings tenantSettings = TenantSettings.fromConfig(config);
    DockerClient docker = DockerEngine.connect(dockerSettings);
    String dockerVersion = DockerEngine.requireReachable(docker, dockerSettings);
    if (dockerSettings.buildReferenceImage()) {
      ReferenceImage.ensure(docker, dockerSettings, config.getString("berth.docker.reference-image.tag"));
    }

    Database database = Database.open(DatabaseSettings.fromConfig(config));
    ExecutorService dockerCalls = Executors.newFixedThreadPool(dockerSettings.threads(), threads("berth-docker"));
    ActorSystem<Void> system;
    try {
      system = ActorSystem.create(Behaviors.empty(), "berth", database.pekkoConfig(config).withFallback(config));
    } catch (RuntimeException e) {
      database.close();
      dockerCalls.shutdown();
      throw e;
    }
    CompletionStage<Void> released = system.getWhenTerminated().thenRun(() -> {
      dockerCalls.shutdownNow();
      database.close();
      try {
        docker.close();
      } catch (IOException ignored) {
        // closing
      }
    });

    try {
      Cluster cluster = Cluster.get(system);
      boolean bootstrap = config.getBoolean("berth.cluster-bootstrap");
      if (!bootstrap && config.getStringList("pekko.cluster.seed-nodes").isEmpty()) {
        cluster.manager().tell(Join.create(cluster.selfMember().address())); // a cluster of one
      }
      // /alive and /ready for orchestrators; Cluster Bootstrap finds its contact points through it too
      var management = PekkoManagement.get(Adapter.toClassic(system)).start().toCompletableFuture().get(30, TimeUnit.SECONDS);
      if (bootstrap) {
        ClusterBootstrap.get(Adapter.toClassic(system)).start();
      }

      Clock clock = Clock.systemUTC();
      SsoKeys ssoKeys = ssoKeys(config);
      RouterSettings routerSettings = RouterSettings.fromConfig(config);
      ReplicatedRouteTable routes = new ReplicatedRouteTable(system, routerSettings.replicationTimeout());
      Config guest = config.getConfig("berth.guest");
      TenantDriver driver = driverWrapper.apply(new DockerTenantDriver(docker, dockerSettings, dockerCalls));
      TenantEntity.init(system, driver,
          guestWrapper.apply(new HttpTenantGuest(guest.getDuration("connect-timeout"), guest.getDuration("health-timeout"),
              guest.getDuration("init-timeout"), ssoKeys::verificationKeyFor)),
          tenantSettings, routes, clock);
      TenantDirectoryProjection.init(system, database.dataSource());
      TenantDirectory directory = new JdbcTenantDirectory(database.dataSource(),
          system.dispatchers().lookup(DispatcherSelector.blocking()));
      Config reconcile = config.getConfig("berth.reconcile");
      Reconciler.init(system, directory, driver, new Reconciler.Settings(reconcile.getDuration("initial-delay"),
          reconcile.getDuration("interval"), reconcile.getDuration("orphan-grace"), reconcile.getDuration("ask-timeout")),
          clock);
      watchContainers(system, driver);

      var router = RouterServer.start(system, routes, routerSettings).toCompletableFuture().get(30, TimeUnit.SECONDS);
      int routerPort = router.localAddress().getPort();
      SsoIssuer sso = new SsoIssuer(ssoKeys, config.getDuration("berth.sso.token-ttl"),
          slug -> routerSettings.tenantUrl(slug, routerPort), clock);
      NodeSecret token = NodeSecret.resolve(config.getString("berth.api.token"), Path.of(config.getString("berth.api.token-file")));
      ApiSettings api = ApiSettings.fromConfig(config, token.value());
      DatabaseHealth health = new DatabaseHealth(database.dataSource(), config.getDuration("berth.db.health-interval"));
      system.getWhenTerminated().thenRun(health::close);
      var binding = AdminServer.start(system, new AdminRoutes(system, directory, api, sso, health::available, clock).routes(), api)
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      ServingCheck.Serving.get(system).flag.set(true);
      log.info("Berth node up: Docker {}, database {}, admin API on {}, router on {}, management on {}", dockerVersion,
          database.settings(), binding.localAddress(), router.localAddress(), management);
      return new BerthNode(system, released, binding.localAddress(), router.localAddress(), routes, token,
          dockerVersion, database.settings().url(), management.toString());
    } catch (Exception e) {
      system.terminate();
      released.toCompletableFuture().join();
      throw new IllegalStateException("Berth node failed to start: " + e.getMessage(), e);
    }
  }

  /** Every node follows container events; a dying tenant container is checked by its entity at once. */
  private static void watchContainers(ActorSystem<?> system, TenantDriver driver) {
    ClusterSharding sharding = ClusterSharding.get(system);
    AutoCloseable watch = driver.watch(e -> sharding.entityRefFor(TenantEntity.TYPE_KEY, e.tenantId())
        .tell(new TenantCommand.CheckContainer("container event: " + e.action())));
    system.getWhenTerminated().thenRun(() -> {
      try {
        watch.close();
      } catch (Exception ignored) {
        // stopping anyway
      }
    });
  }

  /** The SSO signing keys; a misconfigured key pair stops the node at start, not at the first sign-in. */
  private static SsoKeys ssoKeys(Config config) {
    Config c = config.getConfig("berth.sso");
    String algorithm = c.getString("algorithm");
    return switch (algorithm) {
      case "HS256" -> SsoKeys.hs256(NodeSecret.resolve(c.getString("secret"), Path.of(c.getString("secret-file")))
          .value().getBytes(StandardCharsets.UTF_8));
      case "RS256" -> {
        if (c.getString("private-key-file").isBlank() || c.getString("public-key-file").isBlank()) {
          throw new IllegalArgumentException("berth.sso.algorithm = RS256 needs berth.sso.private-key-file and public-key-file");
        }
        yield SsoKeys.rs256(Path.of(c.getString("private-key-file")), Path.of(c.getString("public-key-file")));
      }
      default -> throw new IllegalArgumentException("berth.sso.algorithm must be HS256 or RS256, not '" + algorithm + "'");
    };
  }

  private static java.util.concurrent.ThreadFactory threads(String prefix) {
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

  public ReplicatedRouteTable routes() {
    return routes;
  }

  public NodeSecret token() {
    return token;
  }

  public String dockerVersion() {
    return dockerVersion;
  }

  /** Leaves the cluster and stops, through CoordinatedShutdown; then closes the database. */
  @Override
  public void close() {
    system.terminate();
    released.toCompletableFuture().join();
  }
}
