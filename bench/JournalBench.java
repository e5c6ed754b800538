import berth.persistence.Database;
import berth.persistence.DatabaseSettings;
import berth.tenant.ContainerInfo;
import berth.tenant.ContainerSpec;
import berth.tenant.Endpoint;
import berth.tenant.Labels;
import berth.tenant.Provenance;
import berth.tenant.TenantCommand;
import berth.tenant.TenantDriver;
import berth.tenant.TenantEntity;
import berth.tenant.TenantGuest;
import berth.tenant.TenantPorts;
import berth.tenant.TenantSettings;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/**
 * {@code ./berth bench journal}: whole tenant lifecycles through the real {@code TenantEntity} (sharded,
 * event-sourced, the admission line and step runner as in a node) on the real PostgreSQL journal, with
 * {@link NoopDriver} and {@link NoopGuest} (every container and guest call succeeds at once), so the
 * journal is what is measured. Per round: TENANTS tenants asked to provision at once, until every one
 * is READY; then all asked to tear down, until every one is RETIRED. Reports events persisted per
 * second (rows the round added to the journal ÷ wall time from the first command to the last write).
 */
public final class JournalBench {
  public static void main(String[] args) throws Exception {
    int tenants = Integer.parseInt(args[0]);
    int rounds = Integer.parseInt(args[1]);
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN); // a line per tenant step would be the bottleneck
    Config node = ConfigFactory.load();
    try (Database db = Database.open(DatabaseSettings.fromConfig(node))) {
      Config config = ConfigFactory.parseString("""
          pekko.loglevel = WARNING
          pekko.remote.artery.canonical.port = 0
          pekko.cluster.jmx.enabled = off
          pekko.coordinated-shutdown.exit-jvm = off
          berth.tenant.concurrent-steps = 1000000
          """).withFallback(db.pekkoConfig(node)).withFallback(node).resolve();
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "berth", config);
      try {
        Cluster cluster = Cluster.get(system);
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
        while (cluster.selfMember().status() != MemberStatus.up()) Thread.sleep(50);
        TenantEntity.init(system, TenantPorts.of(new NoopDriver(), new NoopGuest()), TenantSettings.fromConfig(config),
            Clock.systemUTC());
        Config journal = config.getConfig("jdbc-journal");
        System.out.printf("journal: pekko-persistence-jdbc, batchSize %d, parallelism %d, bufferSize %d; pool %d "
            + "connections (berth.db.pool-size); synchronous_commit %s, fsync %s%n",
            journal.getInt("batchSize"), journal.getInt("parallelism"), journal.getInt("bufferSize"),
            config.getInt("berth.db.pool-size"), show(db, "synchronous_commit"), show(db, "fsync"));
        ClusterSharding sharding = ClusterSharding.get(system);
        System.out.println("| round | tenants | phase | events | events/tenant | wall s | events/s | end states |");
        System.out.println("|---:|---:|---|---:|---:|---:|---:|---|");
        for (int round = 1; round <= rounds; round++) {
          List<String> slugs = new ArrayList<>();
          for (int i = 0; i < tenants; i++) slugs.add("r" + round + "-t" + i);
          phase(db, system, sharding, round, slugs, "provision", "READY",
              (reply, slug) -> new TenantCommand.Provision(slug, by("bench provision", slug), reply));
          phase(db, system, sharding, round, slugs, "teardown", "RETIRED",
              (reply, slug) -> new TenantCommand.Teardown(by("bench teardown", slug), reply));
        }
      } finally {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  private static void phase(Database db, ActorSystem<Void> system, ClusterSharding sharding, int round, List<String> slugs,
      String name, String target, BiFunction<ActorRef<TenantCommand.Reply>, String, TenantCommand> command) throws Exception {
    // command(reply, slug)
    long before = maxOrdering(db);
    long started = System.currentTimeMillis();
    List<CompletableFuture<TenantCommand.Reply>> accepted = new ArrayList<>();
    for (String slug : slugs) {
      accepted.add(sharding.entityRefFor(TenantEntity.TYPE_KEY, slug)
          .<TenantCommand.Reply>ask(reply -> command.apply(reply, slug), Duration.ofSeconds(120))
          .toCompletableFuture());
    }
    CompletableFuture.allOf(accepted.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
    Map<String, Integer> states = awaitPhase(system, sharding, slugs, target);
    long[] written = written(db, before); // rows, last write (ms)
    double wall = (written[1] - started) / 1000.0;
    System.out.printf("| %d | %d | %s | %,d | %.1f | %.2f | **%,.0f** | %s |%n", round, slugs.size(), name, written[0],
        (double) written[0] / slugs.size(), wall, written[0] / wall, states);
  }

  /** Polls every tenant (Get) until all are in {@code target} or 5 minutes passed; the phases last seen. */
  private static Map<String, Integer> awaitPhase(ActorSystem<Void> system, ClusterSharding sharding, List<String> slugs,
      String target) throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
    while (true) {
      Map<String, Integer> phases = new TreeMap<>();
      List<CompletableFuture<TenantCommand.Reply>> views = new ArrayList<>();
      for (String slug : slugs) {
        views.add(sharding.entityRefFor(TenantEntity.TYPE_KEY, slug)
            .<TenantCommand.Reply>ask(TenantCommand.Get::new, Duration.ofSeconds(60)).toCompletableFuture());
      }
      for (CompletableFuture<TenantCommand.Reply> v : views) {
        TenantCommand.Reply r = v.get();
        String phase = r instanceof TenantCommand.Accepted a ? a.tenant().phase().name() : r.toString();
        phases.merge(phase, 1, Integer::sum);
      }
      if (phases.getOrDefault(target, 0) == slugs.size() || Instant.now().isAfter(deadline)) return phases;
      Thread.sleep(100);
    }
  }

  private static Provenance by(String reason, String correlation) {
    return new Provenance("bench@example.com", reason, Instant.now(), correlation, "127.0.0.1", "journal-bench");
  }

  private static long maxOrdering(Database db) throws Exception {
    return query(db, "SELECT coalesce(max(ordering), 0) FROM event_journal")[0];
  }

  private static long[] written(Database db, long after) throws Exception {
    return query(db, "SELECT count(*), coalesce(max(write_timestamp), 0) FROM event_journal WHERE ordering > " + after);
  }

  private static long[] query(Database db, String sql) throws Exception {
    try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      long[] row = new long[rs.getMetaData().getColumnCount()];
      for (int i = 0; i < row.length; i++) row[i] = rs.getLong(i + 1);
      c.rollback();
      return row;
    }
  }

  private static String show(Database db, String setting) throws Exception {
    try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SHOW " + setting)) {
      rs.next();
      String v = rs.getString(1);
      c.rollback();
      return v;
    }
  }

  /** A driver whose every call succeeds at once: containers exist only in this map's imagination. */
  static final class NoopDriver implements TenantDriver {
    private final AtomicInteger ports = new AtomicInteger(20000);
    private final Map<String, String> tenantOf = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public CompletionStage<Created> create(ContainerSpec spec) {
      tenantOf.put(spec.containerName(), spec.tenantId());
      return CompletableFuture.completedFuture(new Created(info("c-" + spec.containerName(), spec.containerName(),
          spec.tenantId(), null), false));
    }

    @Override
    public CompletionStage<ContainerInfo> start(String containerName, String guestCredential) {
      String tenant = tenantOf.get(containerName);
      return CompletableFuture.completedFuture(info("c-" + containerName, containerName, tenant,
          new Endpoint("127.0.0.1", ports.incrementAndGet())));
    }

    private static ContainerInfo info(String id, String name, String tenant, Endpoint endpoint) {
      return new ContainerInfo(id, name, tenant, endpoint != null, endpoint,
          Map.of(Labels.MANAGED, "true", Labels.TENANT, tenant));
    }

    @Override
    public CompletionStage<Void> stop(String containerName) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> remove(String containerName, String volumeName) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> removeContainer(String nameOrId) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Optional<Output>> logs(String containerName, int maxBytes) {
      return CompletableFuture.completedFuture(Optional.empty());
    }

    @Override
    public CompletionStage<Void> removeVolume(String volumeName) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Optional<ContainerInfo>> inspect(String containerName) {
      return CompletableFuture.completedFuture(Optional.empty());
    }

    @Override
    public CompletionStage<List<ContainerInfo>> listManaged() {
      return CompletableFuture.completedFuture(List.of());
    }
  }

  /** A guest API that is healthy and takes its init payload at once. */
  static final class NoopGuest implements TenantGuest {
    @Override
    public String credentialFor(String tenantId, int incarnation) {
      return "noop";
    }

    @Override
    public CompletionStage<Void> checkHealth(Endpoint endpoint, String credential) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> deliverInit(Endpoint endpoint, InitPayload payload, String credential) {
      return CompletableFuture.completedFuture(null);
    }
  }
}
