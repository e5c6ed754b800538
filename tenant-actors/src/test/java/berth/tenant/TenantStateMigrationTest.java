package berth.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import berth.tenant.testing.FakeTenantDriver;
import berth.tenant.testing.FakeTenantGuest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.persistence.testkit.SnapshotMeta;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Tenants journaled by the previous version recover in this one. The fixture
 * ({@code fixtures/journal-v1.json}, see its README) holds the CBOR bytes, serializer ids and manifests
 * of three tenants' events and snapshots as the version before TenantState was grouped wrote them,
 * with the state that version computed; nothing in it is produced by today's code.
 */
class TenantStateMigrationTest {

  static final ActorTestKit testKit = ActorTestKit.create(TenantEntityTest.CONFIG);
  static final Serialization serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
  static final JsonNode fixture = load();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  static JsonNode load() {
    try (InputStream in = TenantStateMigrationTest.class.getResourceAsStream("/fixtures/journal-v1.json")) {
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Object read(JsonNode stored) {
    return serialization.deserialize(Base64.getDecoder().decode(stored.get("payload").asText()),
        stored.get("serializerId").asInt(), stored.get("manifest").asText()).get();
  }

  static JsonNode tenant(String slug) {
    for (JsonNode t : fixture.get("tenants")) {
      if (t.get("persistenceId").asText().equals(TenantEntity.persistenceId(slug).id())) return t;
    }
    throw new AssertionError("no " + slug + " in the fixture");
  }

  static List<TenantEvent> events(JsonNode tenant, long upTo) {
    List<TenantEvent> out = new ArrayList<>();
    for (JsonNode e : tenant.get("events")) {
      if (e.get("sequenceNr").asLong() <= upTo) out.add((TenantEvent) read(e));
    }
    return out;
  }

  /** A fresh entity for the slug whose storage holds the given journal (and snapshot), restarted to recover. */
  static TenantState recover(String slug, List<TenantEvent> journal, JsonNode snapshot) {
    // a tenant recovered mid-step stays as the journal left it: no step call ever answers
    FakeTenantDriver driver = new FakeTenantDriver();
    for (FakeTenantDriver.Op op : FakeTenantDriver.Op.values()) driver.hold(op);
    FakeTenantGuest guest = new FakeTenantGuest();
    guest.neverHealthy();
    var kit = EventSourcedBehaviorTestKit.<TenantCommand, TenantEvent, TenantState>create(testKit.system(),
        TenantEntity.create(slug, TenantPorts.of(driver, guest), TenantEntityTest.settings, Clock.systemUTC()));
    String pid = TenantEntity.persistenceId(slug).id();
    kit.persistenceTestKit().persistForRecovery(pid, new ArrayList<>(journal));
    if (snapshot != null) {
      SnapshotMeta meta = SnapshotMeta.create(snapshot.get("sequenceNr").asLong(), snapshot.get("timestamp").asLong());
      kit.snapshotTestKit().orElseThrow().persistForRecovery(pid, List.of(Pair.create(meta, read(snapshot))));
    }
    kit.restart();
    TenantState state = kit.getState();
    kit.clear();
    return state;
  }

  /** The fixture's JSON view wrote instants as decimal seconds, which a double holds to the microsecond. */
  static void assertSameInstant(JsonNode epochSeconds, Instant actual) {
    double seconds = actual.getEpochSecond() + actual.getNano() / 1e9;
    assertEquals(epochSeconds.asDouble(), seconds, 2e-6, "instant " + actual);
  }

  /** What the previous version computed for the tenant, field by field against today's shape. */
  static void assertSameAsBefore(JsonNode before, TenantState now) {
    assertEquals(before.get("phase").asText(), now.phase().name());
    assertEquals(before.get("displayName").asText(), now.displayName());
    assertEquals(before.get("incarnation").asInt(), now.incarnation());
    assertEquals(before.get("spec").get("image").asText(), now.spec().image());
    assertEquals(before.get("containerName").asText(), now.containerName());
    assertEquals(before.get("volumeName").asText(), now.volumeName());
    assertEquals(before.get("containerId").isNull() ? null : before.get("containerId").asText(), now.containerId());
    assertEquals(before.get("endpoint").isNull() ? null : before.get("endpoint").get("port").asInt(),
        now.endpoint() == null ? null : now.endpoint().port());
    assertEquals(before.get("failure").isNull() ? null : before.get("failure").get("reason").asText(),
        now.failure() == null ? null : now.failure().reason());
    assertEquals(before.get("operationCorrelationId").asText(), now.operationCorrelationId());
    assertSameInstant(before.get("createdAt"), now.createdAt());
    assertSameInstant(before.get("updatedAt"), now.updatedAt());
    assertEquals(before.get("recovering").asBoolean(), now.recovering());
    assertEquals(before.get("losses").size(), now.recovery().losses().size());
    for (int i = 0; i < now.recovery().losses().size(); i++) {
      assertSameInstant(before.get("losses").get(i), now.recovery().losses().get(i));
    }
  }

  @Test
  void everyVersion1SnapshotReadsAsTheStateItsEventsReplayTo() {
    int snapshots = 0;
    for (JsonNode t : fixture.get("tenants")) {
      String slug = t.get("persistenceId").asText().substring("Tenant|".length());
      for (JsonNode snapshot : t.get("snapshots")) {
        TenantState migrated = (TenantState) read(snapshot);
        TenantState replayed = recover(slug, events(t, snapshot.get("sequenceNr").asLong()), null);
        assertEquals(replayed, migrated, slug + " at " + snapshot.get("sequenceNr"));
        snapshots++;
      }
    }
    assertEquals(4, snapshots);
  }

  @Test
  void aVersion1JournalWithItsLatestSnapshotRecoversToTheStateThatVersionComputed() {
    for (String slug : List.of("fixture-a", "fixture-b", "fixture-c")) {
      JsonNode t = tenant(slug);
      JsonNode snapshots = t.get("snapshots");
      TenantState recovered = recover(slug, events(t, Long.MAX_VALUE), snapshots.get(snapshots.size() - 1));
      assertSameAsBefore(t.get("finalStateAsJson"), recovered);
      assertEquals(recovered, recover(slug, events(t, Long.MAX_VALUE), null), slug + ": snapshot or full replay");
    }
  }

  @Test
  void version1LossesReadAsTheirKind() {
    List<TenantEvent> a = events(tenant("fixture-a"), Long.MAX_VALUE);
    assertEquals(ContainerLoss.EXITED, ((TenantEvent.ContainerLost) a.get(4)).observed());
    assertEquals(ContainerLoss.REMOVED, ((TenantEvent.ContainerLost) a.get(7)).observed());
    TenantState b = recover("fixture-b", events(tenant("fixture-b"), Long.MAX_VALUE), null);
    assertEquals(Phase.PROVISIONING, b.phase());
    assertNotNull(b.containerId(), "an exited container is kept and restarted");
    assertEquals(Step.START, b.pendingStep());
    TenantState c = recover("fixture-c", events(tenant("fixture-c"), Long.MAX_VALUE), null);
    assertEquals(Step.START, c.failure().step());
    assertNull(c.pendingStep());
    assertFalse(c.recovering());
  }
}
