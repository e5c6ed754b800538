package berth.cluster;

import static berth.cluster.TestNodes.awaitPhase;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import static org.junit.jupiter.api.Assertions.assertTrue;

import berth.persistence.Database;
import berth.persistence.DatabaseSettings;
import berth.persistence.JdbcAuditLog;
import berth.tenant.ContainerSpec;
import berth.tenant.DriverException;
import berth.tenant.TenantDriver;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit trail on a real node, PostgreSQL and dockerd: a lifecycle with a healing episode and a
 * failed step tells its story with actors and reasons; filters and cursor paging (with entries
 * written while paging); NDJSON export; the state at an instant between every pair of events;
 * tampering (a row changed, a row deleted) named by verify; a rebuild from the journal giving the
 * same entries and chain head; a canary secret value nowhere in the trail.
 */
class AuditTest {
  static final Duration WITHIN = Duration.ofSeconds(120);

  @TempDir Path dir;

  /** Fails every create of a tenant whose slug starts with "doomed": a step that fails for good. */
  static final class DoomedCreates extends ForwardingDriver {
    DoomedCreates(TenantDriver real) {
      super(real);
    }

    @Override
    public CompletionStage<Created> create(ContainerSpec spec) {
      if (spec.tenantId().startsWith("doomed")) {
        return CompletableFuture.failedFuture(DriverException.permanent("image refused by the test", null));
      }
      return real.create(spec);
    }
  }


  static JsonNode json(HttpResponse<String> r) throws Exception {
    assertEquals(200, r.statusCode(), r.body());
    return TestNodes.JSON.readTree(r.body());
  }

  /** Every entry matching the query, page by page (limit 3, to page a lot). */
  static List<JsonNode> all(BerthNode node, String query) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    long after = 0;
    while (true) {
      JsonNode page = json(TestNodes.call(node, "GET", "/api/audit?limit=3&after=" + after + (query.isEmpty() ? "" : "&" + query), null));
      page.get("entries").forEach(out::add);
      if (page.get("next").isNull()) return out;
      after = page.get("next").asLong();
    }
  }

  static List<String> actions(List<JsonNode> entries) {
    return entries.stream().map(e -> e.get("action").asText()).toList();
  }

  @Test
  void theTrailTellsTheStoryVerifiesItsChainAndRebuildsTheSame() throws Exception {
    TestNodes nodes = new TestNodes(dir);
    // snapshots within the story: the state at an instant starts from one where it can
    Config config = nodes.config().withValue("berth.tenant.snapshot-every", ConfigValueFactory.fromAnyRef(4));
    BerthNode.Hooks hooks = BerthNode.Hooks.wrapDriver(DoomedCreates::new);
    String canary = "canary-" + UUID.randomUUID();
    String correlation = "ticket-" + UUID.randomUUID().toString().substring(0, 8);
    JsonNode headBefore;
    List<JsonNode> entriesBefore;
    String dbUrl;
    try {
      try (BerthNode node = BerthNode.start(config, hooks)) {
        dbUrl = node.databaseUrl();
        // ---- a lifecycle: created (with a secret), healed, torn down; and a step that fails for good
        var created = TestNodes.call(node, "POST", "/api/tenants", "{\"slug\":\"story\",\"reason\":\"customer signed\","
            + "\"secrets\":{\"API_KEY\":\"" + canary + "\"}}", "X-Correlation-Id", correlation);
        assertEquals(202, created.statusCode(), created.body());
        awaitPhase(node, "story", "READY", WITHIN);
        nodes.docker().killContainerCmd(nodes.containerName("story")).exec();
        TestNodes.await("story healed", WITHIN, () -> TestNodes.eventTypes(node, "story").contains("ContainerLost")
            && TestNodes.tenant(node, "story").path("phase").asText().equals("READY"));
        assertEquals(202, TestNodes.call(node, "DELETE", "/api/tenants/story", "{\"reason\":\"contract ended\"}").statusCode());
        awaitPhase(node, "story", "RETIRED", WITHIN);
        assertEquals(202, TestNodes.call(node, "POST", "/api/tenants", "{\"slug\":\"doomed\",\"reason\":\"trial\"}").statusCode());
        awaitPhase(node, "doomed", "FAILED", WITHIN);

        // ---- the trail tells it, with actors and reasons (once the projection caught up)
        List<String> events = TestNodes.eventTypes(node, "story");
        TestNodes.await("the trail has every event of story", WITHIN, () -> all(node, "tenant=story").size() == events.size());
        List<JsonNode> story = all(node, "tenant=story");
        assertEquals(events, actions(story));
        JsonNode first = story.get(0);
        assertEquals("admin", first.get("actor").asText());
        assertEquals("customer signed", first.get("reason").asText());
        assertEquals(correlation, first.get("correlationId").asText());
        assertEquals("127.0.0.1", first.get("sourceAddress").asText(), "asked through the API, from this address");
        assertTrue(first.get("userAgent").asText().contains("Java-http-client"), first.toString());
        JsonNode lost = story.stream().filter(e -> e.get("action").asText().equals("ContainerLost")).findFirst().orElseThrow();
        assertEquals("system", lost.get("actor").asText());
        assertTrue(lost.get("sourceAddress").isNull(), "a step Berth took by itself has no client");
        JsonNode teardown = story.stream().filter(e -> e.get("action").asText().equals("TeardownRequested")).findFirst()
            .orElseThrow();
        assertEquals("contract ended", teardown.get("reason").asText());
        TestNodes.await("doomed's failure in the trail", WITHIN, () -> actions(all(node, "tenant=doomed")).contains("StepFailed"));
        JsonNode failed = all(node, "tenant=doomed&action=StepFailed").get(0);
        assertEquals("failed", failed.get("outcome").asText());
        assertTrue(failed.get("details").get("reason").asText().contains("image refused by the test"), failed.toString());

        // ---- filters: correlation id, actor, time range; paging stable while entries are written
        List<JsonNode> byRequest = all(node, "correlationId=" + correlation);
        assertTrue(byRequest.size() >= 4, "the create and the steps carrying it out: " + actions(byRequest));
        assertTrue(byRequest.stream().allMatch(e -> e.get("correlationId").asText().equals(correlation)));
        assertTrue(all(node, "actor=admin").stream().allMatch(e -> e.get("actor").asText().equals("admin")));
        Instant lostAt = Instant.parse(lost.get("at").asText());
        List<JsonNode> window = all(node, "tenant=story&from=" + lostAt + "&to=" + lostAt.plusMillis(1));
        assertEquals(List.of("ContainerLost"), actions(window));
        assertEquals(400, TestNodes.call(node, "GET", "/api/audit?from=yesterday", null).statusCode());
        assertEquals(400, TestNodes.call(node, "GET", "/api/audit?limit=0", null).statusCode());

        List<JsonNode> everything = all(node, "");
        Set<Long> seen = new LinkedHashSet<>();
        long after = 0;
        boolean wroteWhilePaging = false;
        while (true) {
          JsonNode page = json(TestNodes.call(node, "GET", "/api/audit?limit=4&after=" + after, null));
          for (JsonNode e : page.get("entries")) assertTrue(seen.add(e.get("seq").asLong()), "no entry twice");
          if (!wroteWhilePaging) { // new entries land behind the cursor's page, not in it
            assertEquals(202, TestNodes.call(node, "POST", "/api/tenants/doomed/retry", "{\"reason\":\"once more\"}").statusCode());
            wroteWhilePaging = true;
          }
          if (page.get("next").isNull()) break;
          after = page.get("next").asLong();
        }
        List<Long> seqs = new ArrayList<>(seen);
        assertEquals(seqs.stream().sorted().toList(), seqs, "in chain order");
        assertTrue(seqs.containsAll(everything.stream().map(e -> e.get("seq").asLong()).toList()));
        TestNodes.await("the entries written while paging come after the cursor", WITHIN, () ->
            actions(all(node, "tenant=doomed")).contains("RetryRequested"));

        // ---- NDJSON: every entry, one per line
        HttpResponse<String> export = TestNodes.call(node, "GET", "/api/audit", null, "Accept", "application/x-ndjson");
        assertEquals(200, export.statusCode());
        assertTrue(export.headers().firstValue("Content-Type").orElse("").startsWith("application/x-ndjson"));
        List<JsonNode> listed = all(node, "");
        String[] lines = export.body().split("\n");
        List<Long> exported = new ArrayList<>();
        for (String line : lines) exported.add(TestNodes.JSON.readTree(line).get("seq").asLong());
        List<Long> exportedPrefix = exported.subList(0, Math.min(exported.size(), listed.size()));
        assertEquals(listed.stream().map(e -> e.get("seq").asLong()).toList().subList(0, exportedPrefix.size()),
            exportedPrefix, "the export is the trail, in order");
        assertTrue(exported.size() >= everything.size(), exported.size() + " lines, " + everything.size() + " entries");
        assertTrue(export.body().contains("API_KEY"), "the export carries the secret's name (the scan below can see)");
        assertFalse(export.body().contains(canary), "the secret's value is not in the export");

        // ---- the state at an instant: between every pair of events, what the journal said then
        Set<Long> snapshotsUsed = new LinkedHashSet<>();
        for (int i = 0; i < story.size(); i++) {
          Instant at = Instant.parse(story.get(i).get("at").asText());
          JsonNode state = json(TestNodes.call(node, "GET", "/api/tenants/story/state?at=" + at, null));
          if (!state.get("replayedFromSnapshot").isNull()) {
            long from = state.get("replayedFromSnapshot").asLong();
            assertTrue(from % 4 == 0 && from <= state.get("eventsApplied").asLong(), state.toString());
            snapshotsUsed.add(from);
          }
          // events recorded at the same instant (a create and its secrets) are all in the state at it
          int applied = (int) story.stream().filter(e -> !Instant.parse(e.get("at").asText()).isAfter(at)).count();
          assertEquals(applied, state.get("eventsApplied").asInt(), "at " + at);
          String expected = phaseAfter(actions(story.subList(0, applied)));
          assertEquals(expected, state.get("tenant").get("phase").asText(), "after " + actions(story.subList(0, applied)));
          if (story.get(i).get("action").asText().equals("ContainerLost")) {
            assertTrue(state.get("recovering").asBoolean(), "during healing the state shows the container lost");
          }
        }
        assertTrue(story.size() >= 8 && !snapshotsUsed.isEmpty(), "replays started from snapshots: " + snapshotsUsed);
        JsonNode now = json(TestNodes.call(node, "GET", "/api/tenants/story/state?at=2999-01-01T00:00:00Z", null));
        assertEquals(TestNodes.tenant(node, "story").get("phase").asText(), now.get("tenant").get("phase").asText());
        HttpResponse<String> before = TestNodes.call(node, "GET", "/api/tenants/story/state?at=2000-01-01T00:00:00Z", null);
        assertEquals(404, before.statusCode());
        assertTrue(before.body().contains("did not exist yet"), before.body());

        // ---- tamper evidence: the chain verifies; a changed row and a deleted row are named
        TestNodes.await("the retry in the trail", WITHIN, () -> actions(all(node, "tenant=doomed")).contains("RetryRequested"));
        awaitPhase(node, "doomed", "FAILED", WITHIN);
        TestNodes.await("the trail settled", WITHIN, () -> {
          int n = all(node, "").size();
          Thread.sleep(1500);
          return all(node, "").size() == n;
        });
        headBefore = json(TestNodes.call(node, "GET", "/api/audit/verify", null));
        assertTrue(headBefore.get("intact").asBoolean(), headBefore.toString());
        entriesBefore = all(node, "");
        assertEquals(entriesBefore.size(), headBefore.get("verified").asLong());
        try (Database db = open(nodes, config, dbUrl)) {
          long victim = teardown.get("position").asLong();
          sql(db, "UPDATE audit_log SET reason = 'nothing happened' WHERE position = ?", victim);
          JsonNode v = json(TestNodes.call(node, "GET", "/api/audit/verify", null));
          assertFalse(v.get("intact").asBoolean());
          assertEquals(victim, v.get("firstBadPosition").asLong(), v.toString());
          assertTrue(v.get("problem").asText().contains("does not match its hash"), v.toString());
          sql(db, "UPDATE audit_log SET reason = 'contract ended' WHERE position = ?", victim);
          assertTrue(json(TestNodes.call(node, "GET", "/api/audit/verify", null)).get("intact").asBoolean(), "restored");
          long deleted = lost.get("position").asLong();
          sql(db, "DELETE FROM audit_log WHERE position = ?", deleted);
          JsonNode d = json(TestNodes.call(node, "GET", "/api/audit/verify", null));
          assertFalse(d.get("intact").asBoolean());
          long next = entriesBefore.stream().mapToLong(e -> e.get("position").asLong()).filter(p -> p > deleted).min()
              .orElseThrow();
          assertEquals(next, d.get("firstBadPosition").asLong(), "the entry after the deleted one: " + d);
          assertTrue(d.get("problem").asText().contains("removed or changed"), d.toString());
          assertEquals(0, TestNodes.count(db, "SELECT count(*) FROM audit_log WHERE details::text LIKE ? OR reason LIKE ?",
              "%" + canary + "%", "%" + canary + "%"), "no secret value in the audit model");
        }
      }

      // ---- rebuild from the journal: the same entries, the same chain head
      // as ./berth audit rebuild does: the node is stopped, its embedded database opened by the command
      try (Database db = Database.open(DatabaseSettings.fromConfig(config))) {
        assertTrue(JdbcAuditLog.dropForRebuild(db.dataSource()) > 0);
      }
      try (BerthNode node = BerthNode.start(config, hooks)) {
        TestNodes.await("the rebuilt trail", WITHIN, () -> all(node, "").size() == entriesBefore.size());
        JsonNode rebuilt = json(TestNodes.call(node, "GET", "/api/audit/verify", null));
        assertTrue(rebuilt.get("intact").asBoolean(), rebuilt.toString());
        assertEquals(headBefore.get("headHash").asText(), rebuilt.get("headHash").asText());
        assertEquals(headBefore.get("headSeq").asLong(), rebuilt.get("headSeq").asLong());
        assertEquals(entriesBefore.toString(), all(node, "").toString());
      }
    } finally {
      nodes.removeContainers();
    }
  }

  /** The phase after these events: the read model's reading of the lifecycle, as the test's oracle. */
  static String phaseAfter(List<String> actions) {
    String phase = null;
    for (String a : actions) {
      phase = switch (a) {
        case "ProvisioningRequested", "ContainerLost" -> "PROVISIONING";
        case "ContainerStarted" -> "INITIALIZING";
        case "TenantInitialized", "ContainerRecovered" -> "READY";
        case "TeardownRequested" -> "TEARING_DOWN";
        case "TenantRetired" -> "RETIRED";
        case "StepFailed" -> "FAILED";
        default -> phase;
      };
    }
    return phase;
  }

  static Database open(TestNodes nodes, Config config, String url) {
    return Database.open(DatabaseSettings.fromConfig(ConfigFactory.parseString(nodes.dbSettings(url)).withFallback(config)));
  }

  static void sql(Database db, String statement, Object... params) throws Exception {
    try (Connection c = db.dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(statement)) {
      for (int i = 0; i < params.length; i++) ps.setObject(i + 1, params[i]);
      ps.executeUpdate();
      c.commit();
    }
  }

}
