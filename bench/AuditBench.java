import berth.persistence.Database;
import berth.persistence.DatabaseSettings;
import berth.tenant.ContainerLoss;
import berth.tenant.Endpoint;
import berth.tenant.Provenance;
import berth.tenant.TenantEntity;
import berth.tenant.TenantEvent;
import berth.tenant.TenantSettings;
import berth.tenant.TenantState;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByTagQuery;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The program behind bench/audit.sh (./berth bench audit), compiled against the node jar so that it
 * writes and reads the journal with the node's own classes, serializers and plugin settings. The
 * database comes from BERTH_DB_URL / BERTH_DB_USER / BERTH_DB_PASSWORD. Modes:
 *
 * <ul>
 *   <li>{@code populate TENANTS EVENTS_EACH DEEP_EVENTS INSTANTS_FILE}: writes real tenant events
 *       (TenantEvent records, tagged and serialized as the entity does, snapshots every
 *       berth.tenant.snapshot-every events, their instants taken from the clock as they are made) for
 *       TENANTS tenants plus one tenant "deep" with DEEP_EVENTS; every tenant ends retired and purged,
 *       so a node started on this journal owes nothing to the engine. Writes the deep tenant's event
 *       instants to INSTANTS_FILE.</li>
 *   <li>{@code replay}: every audit-tagged event read back through the read journal, deserialized
 *       and folded with {@link TenantState#apply} per tenant, against a plain JDBC scan of the same
 *       rows (bytes only, and deserialized and folded), each three times in a fresh actor system; and
 *       the deep tenant's whole journal folded from its first event (what state-at costs without snapshots).</li>
 *   <li>{@code state-at ADMIN_PORT TOKEN INSTANTS_FILE SAMPLES}: asks a running node for the deep
 *       tenant's state at SAMPLES instants spread over its history (HTTP, one at a time, after a
 *       warm-up), checks each answer's event count, and prints the latency distribution.</li>
 *   <li>{@code fill-audit TOTAL}: appends synthetic rows to audit_log until it holds TOTAL entries
 *       (for the export measurement only: they are not a valid chain).</li>
 * </ul>
 */
public final class AuditBench {
  record Write(List<TenantEvent> events, ActorRef<Done> replyTo) {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "populate" -> populate(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Path.of(args[4]));
      case "replay" -> replay();
      case "state-at" -> stateAt(Integer.parseInt(args[1]), args[2], Path.of(args[3]), Integer.parseInt(args[4]));
      case "fill-audit" -> fillAudit(Long.parseLong(args[1]));
      default -> throw new IllegalArgumentException("mode: populate | state-at | fill-audit");
    }
  }

  // ---------------------------------------------------------------- populate + replay

  static void populate(int tenants, int eachEvents, int deepEvents, Path instantsFile) throws Exception {
    Config node = ConfigFactory.load();
    TenantSettings settings = TenantSettings.fromConfig(node);
    try (Database db = Database.open(DatabaseSettings.fromConfig(node))) {
      ActorSystem<Void> system = system(db, node);
      try {
        long t0 = System.nanoTime();
        List<Instant> deepInstants = new ArrayList<>();
        write(system, settings, "deep", deepEvents, deepInstants);
        Files.write(instantsFile, deepInstants.stream().map(Instant::toString).toList());
        // the others, eight at a time
        List<CompletableFuture<Void>> running = new ArrayList<>();
        for (int i = 0; i < tenants; i++) {
          String slug = "t" + i;
          running.add(CompletableFuture.runAsync(() -> write(system, settings, slug, eachEvents, null)));
          if (running.size() == 8) {
            running.forEach(CompletableFuture::join);
            running.clear();
          }
        }
        running.forEach(CompletableFuture::join);
        // planner statistics, as autovacuum would have them on a journal that was not just bulk-written
        try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
          c.setAutoCommit(true);
          st.execute("ANALYZE");
        }
        long total = total(db);
        System.out.printf("populate: %,d events in the journal (%d tenants x ~%d + deep %d), written in %.1f s%n",
            total, tenants, eachEvents, deepEvents, (System.nanoTime() - t0) / 1e9);
        System.out.printf("populate: snapshots of deep: %d%n", count(db, "SELECT count(*) FROM snapshot WHERE persistence_id = '"
            + TenantEntity.persistenceId("deep").id() + "'"));

      } finally {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  static void replay() throws Exception {
    Config node = ConfigFactory.load();
    try (Database db = Database.open(DatabaseSettings.fromConfig(node))) {
      ActorSystem<Void> system = system(db, node);
      try {
        long total = total(db);
        CurrentEventsByTagQuery byTag = PersistenceQuery.get(system)
            .getReadJournalFor(CurrentEventsByTagQuery.class, "jdbc-read-journal");
        CurrentEventsByPersistenceIdQuery byId = PersistenceQuery.get(system)
            .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, "jdbc-read-journal");
        for (int round = 1; round <= 3; round++) {
          long s = System.nanoTime();
          Map<String, TenantState> states = byTag.currentEventsByTag(Provenance.AUDIT_TAG, Offset.noOffset())
              .runFold(new HashMap<String, TenantState>(), (m, env) -> {
                TenantEvent e = (TenantEvent) env.event();
                m.compute(env.persistenceId(), (id, st) -> (st == null ? TenantState.empty(id) : st).apply(e));
                return m;
              }, system).toCompletableFuture().get(10, TimeUnit.MINUTES);
          double replay = (System.nanoTime() - s) / 1e9;
          long retired = states.values().stream().filter(st -> st.phase().name().equals("RETIRED")).count();
          s = System.nanoTime();
          long[] scanned = scan(db, null);
          double plain = (System.nanoTime() - s) / 1e9;
          s = System.nanoTime();
          scan(db, org.apache.pekko.serialization.SerializationExtension.get(system));
          double scanFold = (System.nanoTime() - s) / 1e9;
          System.out.printf("replay round %d: read journal + deserialize + fold: %,d events in %.2f s = %,.0f events/s"
              + " (%d tenants, %d retired) | plain JDBC scan of the same rows: %,d rows, %.1f MB in %.2f s = %,.0f rows/s"
              + " | the scan + deserialize + fold: %.2f s = %,.0f events/s%n",
              round, total, replay, total / replay, states.size(), retired, scanned[0], scanned[1] / 1e6, plain, scanned[0] / plain,
              scanFold, total / scanFold);
        }
        for (int round = 1; round <= 3; round++) {
          long s = System.nanoTime();
          long[] n = {0};
          byId.currentEventsByPersistenceId(TenantEntity.persistenceId("deep").id(), 0, Long.MAX_VALUE)
              .runFold(TenantState.empty("deep"), (st, env) -> {
                n[0]++;
                return st.apply((TenantEvent) env.event());
              }, system).toCompletableFuture().get(5, TimeUnit.MINUTES);
          System.out.printf("deep tenant, whole journal folded from its first event (no snapshot): %,d events in %.0f ms%n",
              n[0], (System.nanoTime() - s) / 1e6);
        }
      } finally {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  static ActorSystem<Void> system(Database db, Config node) {
    Config config = ConfigFactory.parseString("pekko.actor.provider = local\npekko.loglevel = WARNING\n"
        + "pekko.cluster.jmx.enabled = off\npekko.management.http.port = 0")
        .withFallback(db.pekkoConfig(node)).withFallback(node).resolve();
    return ActorSystem.create(Behaviors.empty(), "audit-bench", config);
  }

  /** One tenant's history, as its entity would write it: created, READY, healed and signed into often, retired, purged. */
  static void write(ActorSystem<Void> system, TenantSettings settings, String slug, int events, List<Instant> instants) {
    int snapshotEvery = settings.snapshotEvery();
    ActorRef<Write> writer = system.systemActorOf(writer(slug, snapshotEvery, settings.snapshotsKept()),
        "writer-" + slug, org.apache.pekko.actor.typed.Props.empty());
    String id = "c-" + UUID.randomUUID();
    Endpoint ep = new Endpoint("127.0.0.1", 40000);
    String corr = "bench-" + slug;
    int[] made = {0};
    java.util.function.Function<String, Provenance> by = reason -> new Provenance(made[0]++ % 2 == 0 ? "ops@example.com" : Provenance.SYSTEM,
        reason, Instant.now(), corr, "127.0.0.1", "audit-bench");
    List<TenantEvent> all = new ArrayList<>();
    all.add(new TenantEvent.ProvisioningRequested(slug, slug, 1, settings.specFor(slug, 1), settings.containerName(slug),
        settings.volumeName(slug), by.apply("customer signed")));
    all.add(new TenantEvent.ContainerCreated(id, false, by.apply("create")));
    all.add(new TenantEvent.ContainerStarted(id, ep, by.apply("start")));
    all.add(new TenantEvent.TenantInitialized(ep, by.apply("initialized")));
    int tail = 4;
    while (all.size() < events - tail) {
      int k = all.size() % 10;
      if (k == 4) all.add(new TenantEvent.ContainerLost(id, ContainerLoss.EXITED, by.apply("container exited")));
      else if (k == 5) all.add(new TenantEvent.ContainerRecovered(id, ep, by.apply("restarted")));
      else all.add(new TenantEvent.SsoHandoffIssued(UUID.randomUUID().toString(), Instant.now().plusSeconds(60), by.apply("SSO handoff")));
    }
    all.add(new TenantEvent.TeardownRequested(by.apply("customer left")));
    all.add(new TenantEvent.TenantRetired(settings.containerName(slug), settings.volumeName(slug), Instant.now(), by.apply("removed")));
    all.add(new TenantEvent.PurgeRequested(by.apply("purge")));
    all.add(new TenantEvent.VolumePurged(settings.volumeName(slug), by.apply("purged")));
    // written as the entity writes them: a few at a time, so snapshots fall where they would; the
    // instants are the clock's when each batch is made, as an entity stamps each command's events
    int batch = Math.min(snapshotEvery, 10);
    for (int i = 0; i < all.size(); i += batch) {
      List<TenantEvent> chunk = all.subList(i, Math.min(all.size(), i + batch)).stream().map(AuditBench::now).toList();
      if (instants != null) chunk.forEach(e -> instants.add(e.provenance().at()));
      CompletionStage<Done> done = AskPattern.ask(writer, r -> new Write(chunk, r), Duration.ofSeconds(60), system.scheduler());
      done.toCompletableFuture().join();
    }
  }

  /** The event with its provenance stamped now. */
  static TenantEvent now(TenantEvent e) {
    Provenance p = e.provenance();
    Provenance q = new Provenance(p.principal(), p.reason(), Instant.now(), p.correlationId(), p.source(), p.userAgent());
    if (e instanceof TenantEvent.ProvisioningRequested x) return new TenantEvent.ProvisioningRequested(x.slug(), x.displayName(),
        x.incarnation(), x.spec(), x.containerName(), x.volumeName(), q, x.restored());
    if (e instanceof TenantEvent.ContainerCreated x) return new TenantEvent.ContainerCreated(x.containerId(), x.adopted(), q);
    if (e instanceof TenantEvent.ContainerStarted x) return new TenantEvent.ContainerStarted(x.containerId(), x.endpoint(), q);
    if (e instanceof TenantEvent.TenantInitialized x) return new TenantEvent.TenantInitialized(x.endpoint(), q, x.secretsVersion());
    if (e instanceof TenantEvent.ContainerLost x) return new TenantEvent.ContainerLost(x.containerId(), x.observed(), q);
    if (e instanceof TenantEvent.ContainerRecovered x) return new TenantEvent.ContainerRecovered(x.containerId(), x.endpoint(), q, x.secretsVersion());
    if (e instanceof TenantEvent.SsoHandoffIssued x) return new TenantEvent.SsoHandoffIssued(x.tokenId(), x.expiresAt(), q);
    if (e instanceof TenantEvent.TeardownRequested) return new TenantEvent.TeardownRequested(q);
    if (e instanceof TenantEvent.TenantRetired x) return new TenantEvent.TenantRetired(x.containerName(), x.volumeName(), x.dataRetainedUntil(), q);
    if (e instanceof TenantEvent.PurgeRequested) return new TenantEvent.PurgeRequested(q);
    if (e instanceof TenantEvent.VolumePurged x) return new TenantEvent.VolumePurged(x.volumeName(), q);
    throw new IllegalArgumentException(e.getClass().getName());
  }

  /** Persists what it is given with the tenant entity's persistence id, tags, event handler and snapshot rule. */
  static Behavior<Write> writer(String slug, int snapshotEvery, int snapshotsKept) {
    return new EventSourcedBehavior<Write, TenantEvent, TenantState>(TenantEntity.persistenceId(slug)) {
      @Override
      public TenantState emptyState() {
        return TenantState.empty(slug);
      }

      @Override
      public CommandHandler<Write, TenantEvent, TenantState> commandHandler() {
        return newCommandHandlerBuilder().forAnyState()
            .onCommand(Write.class, (s, w) -> Effect().persist(w.events()).thenRun(x -> w.replyTo().tell(Done.getInstance())))
            .build();
      }

      @Override
      public EventHandler<TenantState, TenantEvent> eventHandler() {
        return newEventHandlerBuilder().forAnyState().onAnyEvent(TenantState::apply);
      }

      @Override
      public Set<String> tagsFor(TenantEvent event) {
        return Set.of(TenantEntity.TAG, Provenance.AUDIT_TAG);
      }

      @Override
      public RetentionCriteria retentionCriteria() {
        return RetentionCriteria.snapshotEvery(snapshotEvery, snapshotsKept);
      }
    };
  }

  /**
   * The baseline: the same rows in journal order through one plain JDBC cursor, bytes only; or, given
   * the serialization, each deserialized and folded as the replay does (what the read journal adds is the rest).
   */
  static long[] scan(Database db, org.apache.pekko.serialization.Serialization serialization) throws Exception {
    Map<String, TenantState> states = new HashMap<>();
    try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
      st.setFetchSize(1000);
      long rows = 0, bytes = 0;
      try (ResultSet rs = st.executeQuery("SELECT j.ordering, j.persistence_id, j.sequence_number, j.event_ser_id, "
          + "j.event_ser_manifest, j.event_payload FROM event_journal j JOIN event_tag t ON t.event_id = j.ordering "
          + "WHERE t.tag = '" + Provenance.AUDIT_TAG + "' ORDER BY j.ordering")) {
        while (rs.next()) {
          rows++;
          byte[] payload = rs.getBytes(6);
          bytes += payload.length + rs.getString(2).length();
          if (serialization != null) {
            TenantEvent e = (TenantEvent) serialization.deserialize(payload, rs.getInt(4), rs.getString(5)).get();
            states.compute(rs.getString(2), (id, was) -> (was == null ? TenantState.empty(id) : was).apply(e));
          }
        }
      }
      c.rollback();
      return new long[] {rows, bytes};
    }
  }

  static long total(Database db) throws Exception {
    return count(db, "SELECT count(*) FROM event_tag WHERE tag = '" + Provenance.AUDIT_TAG + "'");
  }

  static long count(Database db, String sql) throws Exception {
    try (Connection c = db.dataSource().getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      long n = rs.getLong(1);
      c.rollback();
      return n;
    }
  }

  // ---------------------------------------------------------------- state at an instant, over HTTP

  static void stateAt(int port, String token, Path instantsFile, int samples) throws Exception {
    List<Instant> instants = Files.readAllLines(instantsFile).stream().map(Instant::parse).toList();
    HttpClient http = HttpClient.newHttpClient();
    Pattern applied = Pattern.compile("\"eventsApplied\":(\\d+)");
    Pattern fromSnapshot = Pattern.compile("\"replayedFromSnapshot\":(null|\\d+)");
    List<Double> ms = new ArrayList<>();
    long fromSnapshots = 0;
    int warmup = 20;
    for (int i = -warmup; i < samples; i++) {
      // spread over the READY part of the history; events made in one batch may share an instant
      int index = 4 + (int) ((long) Math.abs(i) * 7919 % (instants.size() - 8));
      Instant at = instants.get(index);
      int expected = 0;
      // the API compares instants to the microsecond, as the trail and the database keep them
      while (expected < instants.size() && !instants.get(expected).truncatedTo(java.time.temporal.ChronoUnit.MICROS).isAfter(at)) expected++;
      HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/tenants/deep/state?at=" + at))
          .header("Authorization", "Bearer " + token).build();
      long s = System.nanoTime();
      HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
      double took = (System.nanoTime() - s) / 1e6;
      if (r.statusCode() != 200) throw new IllegalStateException("state-at " + at + ": " + r.statusCode() + " " + r.body());
      Matcher m = applied.matcher(r.body());
      if (!m.find() || Integer.parseInt(m.group(1)) != expected) {
        throw new IllegalStateException("state-at " + at + ": expected " + expected + " events applied, got " + r.body());
      }
      Matcher f = fromSnapshot.matcher(r.body());
      if (i >= 0) {
        ms.add(took);
        if (f.find() && !f.group(1).equals("null")) fromSnapshots++;
      }
    }
    double[] sorted = ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    System.out.printf("state-at over HTTP, tenant with %,d events: %d instants, %d started from a snapshot; "
            + "median %.1f ms, p95 %.1f ms, max %.1f ms (every answer's event count checked)%n",
        instants.size(), sorted.length, fromSnapshots, sorted[sorted.length / 2], sorted[(int) (sorted.length * 0.95)],
        sorted[sorted.length - 1]);
  }

  // ---------------------------------------------------------------- audit rows for the export

  static void fillAudit(long total) throws Exception {
    Config node = ConfigFactory.load();
    try (Database db = Database.open(DatabaseSettings.fromConfig(node));
        Connection c = db.dataSource().getConnection(); Statement st = c.createStatement()) {
      long s = System.nanoTime();
      long before;
      try (ResultSet rs = st.executeQuery("SELECT coalesce(max(seq), 0), coalesce(max(position), 0) FROM audit_log")) {
        rs.next();
        before = rs.getLong(1);
        long pos = rs.getLong(2);
        st.executeUpdate("INSERT INTO audit_log (seq, position, at, actor, action, resource_type, resource_id, sequence_nr,"
            + " reason, correlation_id, outcome, source_address, user_agent, details, prev_hash, hash)"
            + " SELECT g, " + pos + " + g, now() - interval '1 second' * (" + total + " - g), 'ops@example.com',"
            + " 'SsoHandoffIssued', 'tenant', 't' || (g % 1000), g, 'SSO handoff: sign-in link into the tenant',"
            + " 'bench-' || g, 'ok', '127.0.0.1', 'audit-bench',"
            + " jsonb_build_object('tokenId', md5(g::text), 'expiresAt', now()),"
            + " sha256(('p' || g)::bytea), sha256(('h' || g)::bytea)"
            + " FROM generate_series(" + (before + 1) + ", " + total + ") g");
      }
      c.commit();
      System.out.printf("fill-audit: %,d entries before, %,d now (%.1f s)%n", before, total, (System.nanoTime() - s) / 1e9);
    }
  }
}
