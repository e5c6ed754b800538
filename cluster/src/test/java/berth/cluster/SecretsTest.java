package berth.cluster;

import static berth.cluster.TestNodes.awaitPhase;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import berth.guest.GuestSettings;
import berth.guest.HttpTenantGuest;
import berth.persistence.Database;
import berth.persistence.DatabaseSettings;
import berth.persistence.JdbcSecretStore;
import berth.persistence.SecretCipher;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenant secrets end to end on a real node, PostgreSQL and dockerd, with canary values: set at
 * creation, delivered to the tenant (which proves it by a keyed fingerprint), changed and delivered
 * again, re-sealed under a new key, torn down. Then every place a value could leak is searched: the
 * journal and snapshot tables, the read models, every API answer, the node's log, the container's
 * configuration. Zero hits.
 */
class SecretsTest {
  static final Duration WITHIN = Duration.ofSeconds(120);
  static final String K1 = "k1:" + java.util.Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());
  static final String K2 = "k2:" + java.util.Base64.getEncoder().encodeToString("fedcba9876543210fedcba9876543210".getBytes());

  @TempDir Path dir;
  final List<String> answers = new ArrayList<>();

  HttpResponse<String> call(BerthNode node, String method, String path, String body) throws Exception {
    HttpResponse<String> r = TestNodes.call(node, method, path, body);
    answers.add(r.headers().map() + " " + r.body());
    return r;
  }

  static Config withKeys(Config base, String keys, String active) {
    return ConfigFactory.parseString("berth.secrets { keys = \"" + keys + "\", active-key = \"" + active + "\" }")
        .withFallback(base);
  }

  /** What the reference tenant shows for a secret: HMAC-SHA256 under its guest credential, 12 hex digits. */
  static String fingerprint(Config config, String slug, int incarnation, String name, String value) throws Exception {
    String credential = new HttpTenantGuest(GuestSettings.fromConfig(config), s -> Map.of()).credentialFor(slug, incarnation);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(credential.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal((name + "=" + value).getBytes(StandardCharsets.UTF_8))).substring(0, 12);
  }


  @Test
  void secretValuesReachTheTenantAndNothingElse() throws Exception {
    TestNodes nodes = new TestNodes(dir);
    DockerClient docker = nodes.docker();
    String canary = "canary-" + UUID.randomUUID();
    String canary2 = "canary2-" + UUID.randomUUID();
    ListAppender<ILoggingEvent> logged = TestNodes.captureLog();
    Config first = withKeys(nodes.config(), K1, "k1");
    String inspected;
    try {
      try (BerthNode node = BerthNode.start(first, BerthNode.Hooks.NONE)) {
        var created = call(node, "POST", "/api/tenants", "{\"slug\":\"vault\",\"secrets\":{\"API_KEY\":\"" + canary
            + "\",\"DB_PASSWORD\":\"pw-" + canary + "\"}}");
        assertEquals(202, created.statusCode(), created.body());
        awaitPhase(node, "vault", "READY", WITHIN);
        JsonNode t = TestNodes.tenant(node, "vault");
        String page = TestNodes.get("http://" + t.get("endpoint").asText() + "/");
        assertTrue(page.contains("data-count=\"2\""), "the tenant received two secrets: " + page);
        assertTrue(page.contains("<code>API_KEY</code> " + fingerprint(first, "vault", 1, "API_KEY", canary)), page);

        JsonNode listed = TestNodes.JSON.readTree(call(node, "GET", "/api/tenants/vault/secrets", null).body());
        assertEquals(List.of("API_KEY", "DB_PASSWORD"),
            List.of(listed.get("secrets").get(0).get("name").asText(), listed.get("secrets").get(1).get("name").asText()));
        assertEquals("admin", listed.get("secrets").get(0).get("updatedBy").asText());

        var changed = call(node, "PUT", "/api/tenants/vault/secrets/API_KEY", "{\"value\":\"" + canary2 + "\"}");
        assertEquals(200, changed.statusCode(), changed.body());
        String expected = "<code>API_KEY</code> " + fingerprint(first, "vault", 1, "API_KEY", canary2);
        TestNodes.await("the changed secret delivered", WITHIN,
            () -> TestNodes.get("http://" + t.get("endpoint").asText() + "/").contains(expected));
        assertEquals(400, call(node, "PUT", "/api/tenants/vault/secrets/lower", "{\"value\":\"x\"}").statusCode());
        assertEquals(400, call(node, "PUT", "/api/tenants/vault/secrets", "{\"A\":1}").statusCode());
        inspected = docker.inspectContainerCmd(nodes.containerName("vault")).exec().toString();
        call(node, "GET", "/api/tenants/vault/events", null);
      }

      // rotation: a second key becomes active, every secret is re-sealed, the first key is dropped
      Config both = withKeys(nodes.config(), K1 + "," + K2, "k2");
      try (Database db = Database.open(DatabaseSettings.fromConfig(both))) {
        assertEquals(2, new JdbcSecretStore(db.dataSource(), Runnable::run, SecretCipher.fromConfig(both)).rotate());
      }
      Config second = withKeys(nodes.config(), K2, "k2");
      try (BerthNode node = BerthNode.start(second, BerthNode.Hooks.NONE)) {
        awaitPhase(node, "vault", "READY", WITHIN);
        var again = call(node, "PUT", "/api/tenants/vault/secrets/DB_PASSWORD", "{\"value\":\"pw2-" + canary + "\"}");
        assertEquals(200, again.statusCode(), again.body());
        String[] history = {""};
        try {
          TestNodes.await("re-sealed secrets still delivered", Duration.ofSeconds(60), () -> {
            history[0] = call(node, "GET", "/api/tenants/vault/events", null).body();
            return TestNodes.JSON.readTree(history[0]).path("events").findValues("type").stream()
                .filter(ty -> ty.asText().equals("SecretsDelivered")).count() >= 2;
          });
        } catch (AssertionError e) {
          throw new AssertionError(e.getMessage() + "; tenant " + TestNodes.tenant(node, "vault") + "; history " + history[0]);
        }
        call(node, "DELETE", "/api/tenants/vault", null);
        awaitPhase(node, "vault", "RETIRED", WITHIN);
        call(node, "GET", "/api/tenants/vault/logs", null);
        call(node, "GET", "/api/tenants", null);
      }
      try (Database db = Database.open(DatabaseSettings.fromConfig(second))) {
        for (String canaryValue : List.of(canary, canary2)) {
          byte[] value = canaryValue.getBytes(StandardCharsets.UTF_8);
          assertEquals(0, TestNodes.count(db, "SELECT count(*) FROM event_journal WHERE position(? in event_payload) > 0", value));
          assertEquals(0, TestNodes.count(db, "SELECT count(*) FROM snapshot WHERE position(? in snapshot_payload) > 0", value));
          assertEquals(0, TestNodes.count(db, "SELECT count(*) FROM tenant_directory WHERE position(convert_from(?, 'UTF8') in "
              + "concat_ws(' ', display_name, last_error, container_name)) > 0", value));
          assertEquals(0, TestNodes.count(db, "SELECT count(*) FROM tenant_logs WHERE position(convert_from(?, 'UTF8') in output) > 0",
              value));
          assertEquals(0, TestNodes.count(db, "SELECT count(*) FROM tenant_secrets WHERE position(? in ciphertext) > 0", value));
        }
      }
    } finally {
      TestNodes.releaseLog(logged);
      nodes.removeContainers();
    }
    for (String value : List.of(canary, canary2)) {
      assertFalse(String.join("\n", answers).contains(value), "an API answer carried a secret value");
      assertFalse(inspected.contains(value), "the container's configuration carried a secret value");
      for (ILoggingEvent e : logged.list) {
        assertFalse(e.getFormattedMessage().contains(value), "the node logged a secret value: " + e.getFormattedMessage());
      }
    }
    assertTrue(answers.size() > 8, "the answers searched");
    assertTrue(logged.list.size() > 20, "the log searched");
  }
}
