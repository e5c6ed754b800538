package berth.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import berth.tenant.SecretStore.SecretInfo;
import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tenant secrets on a real PostgreSQL: write-only reads, sealing at rest, binding, rotation, missing keys. */
class JdbcSecretStoreTest {
  static final byte[] K1 = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  static final byte[] K2 = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);
  static final Executor DIRECT = Runnable::run;
  static final Instant AT = Instant.parse("2026-11-27T10:00:00Z");

  @TempDir static Path dir;
  static Database db;

  @BeforeAll
  static void open() {
    db = Database.open(DatabaseSettings.fromConfig(ConfigFactory.parseString(
        "berth.db.embedded.data-dir = \"" + dir.resolve("pg") + "\"").withFallback(ConfigFactory.load())));
  }

  @AfterAll
  static void close() {
    db.close();
  }

  static JdbcSecretStore store(Map<String, byte[]> keys, String active) {
    return new JdbcSecretStore(db.dataSource(), DIRECT, new SecretCipher(keys, active));
  }

  static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }

  static long rowsContaining(String needle) throws Exception {
    try (Connection c = db.dataSource().getConnection(); var ps = c.prepareStatement(
        "SELECT count(*) FROM tenant_secrets WHERE position(? in ciphertext) > 0 OR position(? in nonce) > 0")) {
      ps.setBytes(1, needle.getBytes(StandardCharsets.UTF_8));
      ps.setBytes(2, needle.getBytes(StandardCharsets.UTF_8));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        long n = rs.getLong(1);
        c.rollback();
        return n;
      }
    }
  }

  @Test
  void valuesAreSealedAtRestAndReadsGiveNamesVersionsAndWhoNeverAValue() throws Exception {
    String canary = "canary-" + UUID.randomUUID();
    JdbcSecretStore s = store(Map.of("k1", K1), "k1");
    String slug = "sec-" + UUID.randomUUID().toString().substring(0, 8);
    long v1 = join(s.replaceAll(slug, Map.of("API_KEY", canary, "DB_PASSWORD", "pw-1"), "alice", AT));
    long v2 = join(s.put(slug, "DB_PASSWORD", "pw-2", "bob", AT.plusSeconds(1)));
    long v3 = join(s.delete(slug, "NOT_THERE", "bob", AT.plusSeconds(2)));
    assertTrue(v1 < v2 && v2 < v3, "every change is a new version");
    List<SecretInfo> listed = join(s.list(slug));
    assertEquals(List.of("API_KEY", "DB_PASSWORD"), listed.stream().map(SecretInfo::name).toList());
    assertEquals("bob", listed.get(1).updatedBy());
    assertFalse(listed.toString().contains(canary));
    assertEquals(0, rowsContaining(canary), "no plaintext at rest");
    var delivery = join(s.forDelivery(slug));
    assertEquals(Map.of("API_KEY", canary, "DB_PASSWORD", "pw-2"), delivery.values());
    assertEquals(v3, delivery.version());
    assertFalse(delivery.toString().contains(canary));

    join(s.replaceAll(slug, Map.of("ONLY", "x"), "carol", AT.plusSeconds(3)));
    assertEquals(List.of("ONLY"), join(s.list(slug)).stream().map(SecretInfo::name).toList(), "replaced, not merged");
    join(s.purge(slug));
    assertTrue(join(s.list(slug)).isEmpty());
    assertEquals(0, join(s.forDelivery(slug)).version());
  }

  @Test
  void aCiphertextMovedToAnotherTenantDoesNotDecrypt() throws Exception {
    JdbcSecretStore s = store(Map.of("k1", K1), "k1");
    String victim = "victim-" + UUID.randomUUID().toString().substring(0, 8);
    String thief = "thief-" + UUID.randomUUID().toString().substring(0, 8);
    join(s.put(victim, "TOKEN", "victims-token", "alice", AT));
    join(s.put(thief, "OTHER", "x", "mallory", AT));
    try (Connection c = db.dataSource().getConnection(); var ps = c.prepareStatement(
        "INSERT INTO tenant_secrets SELECT ?, name, key_id, nonce, ciphertext, version, updated_at, updated_by "
            + "FROM tenant_secrets WHERE slug = ?")) {
      ps.setString(1, thief);
      ps.setString(2, victim);
      ps.executeUpdate();
      c.commit();
    }
    CompletionException e = assertThrows(CompletionException.class, () -> join(s.forDelivery(thief)));
    assertTrue(e.getCause().getMessage().contains("does not decrypt"), e.getCause().getMessage());
    assertFalse(e.getCause().getMessage().contains("victims-token"));
  }

  @Test
  void rotationReSealsUnderTheNewKeyAndANodeMissingAStoredKeyRefusesToStart() {
    String slug = "rot-" + UUID.randomUUID().toString().substring(0, 8);
    join(store(Map.of("k1", K1), "k1").put(slug, "TOKEN", "rotate-me", "alice", AT));
    JdbcSecretStore both = store(Map.of("k1", K1, "k2", K2), "k2");
    assertTrue(both.rotate() >= 1);
    assertEquals(0, both.rotate(), "nothing left under the old key");
    JdbcSecretStore onlyNew = store(Map.of("k2", K2), "k2");
    onlyNew.requireKeysForStoredSecrets();
    assertEquals("rotate-me", join(onlyNew.forDelivery(slug)).values().get("TOKEN"));

    JdbcSecretStore onlyOld = store(Map.of("k1", K1), "k1");
    IllegalStateException refused = assertThrows(IllegalStateException.class, onlyOld::requireKeysForStoredSecrets);
    assertTrue(refused.getMessage().contains("[k2]"), refused.getMessage());
  }
}
