package berth.cluster;

import berth.api.AdminRoutes;
import berth.api.AdminServer;
import berth.api.ApiSettings;
import berth.docker.DockerEngine;
import berth.docker.DockerSettings;
import berth.docker.DockerTenantDriver;
import berth.docker.ReferenceImage;
import berth.persistence.Database;
import berth.persistence.DatabaseSettings;
import berth.persistence.JdbcTenantDirectory;
import berth.persistence.TenantDirectoryProjection;
import berth.tenant.TenantDirectory;
import berth.tenant.TenantDriver;
import berth.tenant.TenantEntity;
import berth.tenant.TenantSettings;
import com.github.dockerjava.api.DockerClient;
import com.typesafe.config.Config;
import java.io.IOException;
import java.net.InetSocketAddress;
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
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Berth node, wired: Docker engine and reference image, database and migrations, the actor
 * system in its cluster, tenant sharding, the read-model projection, the resumer and the admin API.
 * Startup order matters: every dependency that can be missing (Docker, the database) is checked
 * before the actor system exists, so a misconfigured node fails fast with a clear message.
 */
public final class BerthNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BerthNode.class);

  private final ActorSystem<Void> system;
  private final CompletionStage<Void> released;
  private final InetSocketAddress adminAddress;
  private final AdminToken token;
  private final String dockerVersion;

  private BerthNode(ActorSystem<Void> system, CompletionStage<Void> released, InetSocketAddress adminAddress,
      AdminToken token, String dockerVersion) {
    this.system = system;
    this.released = released;
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
      if (config.getStringList("pekko.cluster.seed-nodes").isEmpty()) {
        cluster.manager().tell(Join.create(cluster.selfMember().address())); // a cluster of one
      }

      Clock clock = Clock.systemUTC();
      Config guest = config.getConfig("berth.guest");
      TenantEntity.init(system, driverWrapper.apply(new DockerTenantDriver(docker, dockerSettings, dockerCalls)),
          new HttpTenantGuest(guest.getDuration("connect-timeout"), guest.getDuration("health-timeout"),
              guest.getDuration("init-timeout")),
          tenantSettings, clock);
      TenantDirectoryProjection.init(system, database.dataSource());
      TenantDirectory directory = new JdbcTenantDirectory(database.dataSource(),
          system.dispatchers().lookup(DispatcherSelector.blocking()));
      Config resume = config.getConfig("berth.resume");
      Resumer.init(system, directory, resume.getDuration("initial-delay"), resume.getDuration("interval"));

      AdminToken token = AdminToken.resolve(config.getString("berth.api.token"), Path.of(config.getString("berth.api.token-file")));
      ApiSettings api = ApiSettings.fromConfig(config, token.value());
      var binding = AdminServer.start(system, new AdminRoutes(system, directory, api, clock).routes(), api)
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      log.info("Berth node up: Docker {}, database {}, admin API on {}", dockerVersion, database.settings(), binding.localAddress());
      return new BerthNode(system, released, binding.localAddress(), token, dockerVersion);
    } catch (Exception e) {
      system.terminate();
      released.toCompletableFuture().join();
      throw new IllegalStateException("Berth node failed to start: " + e.getMessage(), e);
    }
  }

  private static java.util.concurrent.ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public InetSocketAddress adminAddress() {
    return adminAddress;
  }

  public AdminToken token() {
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
