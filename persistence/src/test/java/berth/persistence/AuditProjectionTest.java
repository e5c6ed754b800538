package berth.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import berth.audit.AuditLog;
import berth.tenant.Provenance;
import berth.tenant.TenantEvent;
import berth.tenant.TenantSpec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit projection's handler on a real PostgreSQL, fed journal envelopes directly: a new
 * incarnation's entry names what its spec changed, within one group and across groups; a group
 * delivered again (a replay after a crash) appends nothing twice; the chain verifies.
 */
class AuditProjectionTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  long position;

  static TenantSpec spec(long memory, Map<String, String> labels) {
    return new TenantSpec("berth/reference-tenant:1", 8080, memory, 500_000_000L, 256, labels, List.of("BERTH_TENANT"),
        "berth-tenants", true, 64L << 20, "65534:65534");
  }

  EventEnvelope<Object> provisioned(String slug, int incarnation, TenantSpec spec) {
    position++;
    Provenance by = new Provenance("ops@example.com", "incarnation " + incarnation, Instant.parse("2026-11-27T10:00:00Z")
        .plusSeconds(position), "corr-" + position, "127.0.0.1", "test");
    return EventEnvelope.create(Sequence.apply(position), "Tenant|" + slug, position,
        new TenantEvent.ProvisioningRequested(slug, slug, incarnation, spec, "berth-" + slug, "berth-" + slug + "-data", by,
            incarnation > 1), 0L);
  }

  static void project(Database db, List<EventEnvelope<Object>> group) throws Exception {
    DataSourceJdbcSession session = new DataSourceJdbcSession(db.dataSource());
    try {
      new AuditProjection.Handler().process(session, group);
      session.commit();
    } finally {
      session.close();
    }
  }

  static List<JsonNode> details(Database db) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    try (Connection c = db.dataSource().getConnection();
        ResultSet rs = c.createStatement().executeQuery("SELECT details::text FROM audit_log ORDER BY seq")) {
      while (rs.next()) out.add(JSON.readTree(rs.getString(1)));
      c.rollback();
    }
    return out;
  }

  @Test
  void aNewIncarnationsEntryNamesWhatItsSpecChangedAndAReplayedGroupAppendsNothingTwice() throws Exception {
    DatabaseSettings settings = DatabaseSettings.fromConfig(ConfigFactory.parseString(
        "berth.db.embedded.data-dir = \"" + dir.resolve("pg") + "\"").withFallback(ConfigFactory.load()));
    try (Database db = Database.open(settings)) {
      EventEnvelope<Object> first = provisioned("acme", 1, spec(256L << 20, Map.of("berth.tenant", "acme")));
      EventEnvelope<Object> bigger = provisioned("acme", 2, spec(512L << 20, Map.of("berth.tenant", "acme", "team", "pay")));
      EventEnvelope<Object> other = provisioned("globex", 1, spec(256L << 20, Map.of("berth.tenant", "globex")));
      project(db, List.of(first, bigger, other)); // within one group
      EventEnvelope<Object> same = provisioned("acme", 3, spec(512L << 20, Map.of("berth.tenant", "acme", "team", "pay")));
      project(db, List.of(same)); // the previous spec read back from the trail
      project(db, List.of(bigger, same)); // delivered again after a crash

      List<JsonNode> entries = details(db);
      assertEquals(4, entries.size(), entries.toString());
      assertFalse(entries.get(0).has("specChanges"), "a first incarnation has nothing to compare with");
      assertEquals(JSON.readTree("{\"labels.team\":{\"from\":null,\"to\":\"pay\"},"
          + "\"memoryBytes\":{\"from\":268435456,\"to\":536870912}}"), entries.get(1).get("specChanges"));
      assertFalse(entries.get(2).has("specChanges"), "another tenant's first incarnation");
      assertEquals(JSON.readTree("{}"), entries.get(3).get("specChanges"), "the same spec again: no change");

      AuditLog.Verification v = new JdbcAuditLog(db.dataSource(), Runnable::run).verify().toCompletableFuture().get();
      assertTrue(v.intact(), v.toString());
      assertEquals(4, v.verified());
    }
  }
}
