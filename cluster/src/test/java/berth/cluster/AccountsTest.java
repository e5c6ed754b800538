package berth.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import static org.junit.jupiter.api.Assertions.assertTrue;

import berth.persistence.Database;
import berth.persistence.DatabaseSettings;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * People on a real node (PostgreSQL, sharded account entities, dockerd for the tenant): the owner
 * signs up with the printed setup code and nothing else; accounts of every role sign in; each role
 * meets each endpoint as docs/api.md's matrix says; CSRF, session expiry and revocation, API tokens
 * (shown once, hash at rest, revoked, expired), throttled and audited failed sign-ins; a second node
 * honours the first one's sessions; the operator's name is on the tenant's events. Passwords and
 * tokens are then searched for in the database and the log: zero hits.
 */
class AccountsTest {
  static final Duration WITHIN = Duration.ofSeconds(120);
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final String OWNER = "owner@berth.test";
  static final String OPERATOR = "operator@berth.test";
  static final String VIEWER = "viewer@berth.test";
  static final String AUDITOR = "auditor@berth.test";

  @TempDir Path dir;
  final String password = "pw-" + UUID.randomUUID(); // a canary: it must be found nowhere
  final List<String> answers = new ArrayList<>();

  /** A browser: its session cookie and CSRF token. */
  record Browser(String cookie, String csrf) {}

  HttpResponse<String> send(BerthNode node, String method, String path, String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminAddress().getPort() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) b.headers(headers);
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    answers.add(r.headers().map() + " " + r.body());
    return r;
  }

  HttpResponse<String> as(BerthNode node, Browser who, String method, String path, String body) throws Exception {
    return send(node, method, path, body, "Cookie", "berth_session=" + who.cookie(), "X-CSRF-Token", who.csrf());
  }

  HttpResponse<String> withToken(BerthNode node, String token, String method, String path, String body) throws Exception {
    return send(node, method, path, body, "Authorization", "Bearer " + token);
  }

  Browser signIn(BerthNode node, String email) throws Exception {
    HttpResponse<String> r = send(node, "POST", "/api/session",
        "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}");
    assertEquals(200, r.statusCode(), r.body());
    String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
    assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"), setCookie);
    Matcher m = Pattern.compile("berth_session=([^;]+)").matcher(setCookie);
    assertTrue(m.find(), setCookie);
    return new Browser(m.group(1), TestNodes.JSON.readTree(r.body()).get("csrfToken").asText());
  }

  static JsonNode json(HttpResponse<String> r) throws Exception {
    return TestNodes.JSON.readTree(r.body());
  }

  /** Role → the endpoints it may use; every other role gets 403. Mirrors the matrix in docs/api.md. */
  static final Map<String, Set<String>> MATRIX = new LinkedHashMap<>();
  static final Map<String, String> BODIES = new LinkedHashMap<>();

  static void row(String request, String body, String... roles) {
    MATRIX.put(request, Set.of(roles));
    BODIES.put(request, body);
  }

  static {
    String all = "owner operator viewer auditor";
    row("GET /api/tenants", null, all.split(" "));
    row("POST /api/tenants", "{}", "owner", "operator");
    row("GET /api/tenants/nobody", null, all.split(" "));
    row("DELETE /api/tenants/nobody", null, "owner", "operator");
    row("POST /api/tenants/nobody/retry", null, "owner", "operator");
    row("POST /api/tenants/nobody/restore", null, "owner", "operator");
    row("POST /api/tenants/nobody/purge", null, "owner", "operator");
    row("GET /api/tenants/nobody/events", null, all.split(" "));
    row("GET /api/tenants/nobody/state?at=2026-01-01T00:00:00Z", null, all.split(" "));
    row("GET /api/audit", null, "owner", "auditor");
    row("GET /api/audit/verify", null, "owner", "auditor");
    row("GET /api/tenants/nobody/logs", null, "owner", "operator");
    row("GET /api/tenants/nobody/logs/stream", null, "owner", "operator");
    row("GET /api/tenants/nobody/secrets", null, all.split(" "));
    row("PUT /api/tenants/nobody/secrets", "{\"A\":\"b\"}", "owner", "operator");
    row("PUT /api/tenants/nobody/secrets/A", "{\"value\":\"b\"}", "owner", "operator");
    row("DELETE /api/tenants/nobody/secrets/A", null, "owner", "operator");
    row("POST /api/tenants/nobody/sso", null, "owner", "operator");
    row("GET /api/cluster", null, all.split(" "));
    row("GET /api/accounts", null, "owner", "auditor");
    row("POST /api/accounts", "{}", "owner");
    row("GET /api/accounts/nobody@berth.test", null, "owner", "auditor");
    row("PUT /api/accounts/nobody@berth.test/role", "{\"role\":\"viewer\"}", "owner");
    row("POST /api/accounts/nobody@berth.test/disable", null, "owner");
    row("POST /api/accounts/nobody@berth.test/enable", null, "owner");
    row("PUT /api/accounts/nobody@berth.test/password", "{\"password\":\"long enough password\"}", "owner");
    row("DELETE /api/accounts/nobody@berth.test/sessions", null, "owner");
    row("GET /api/accounts/nobody@berth.test/tokens", null, "owner", "auditor");
    row("DELETE /api/accounts/nobody@berth.test/tokens/abc", null, "owner");
    row("GET /api/tokens", null, all.split(" "));
    row("POST /api/tokens", "{}", all.split(" "));
    row("GET /api/session", null, all.split(" "));
  }

  @Test
  void theOwnerSignsUpWithTheSetupCodeAndEachRoleGetsExactlyItsRights() throws Exception {
    TestNodes nodes = new TestNodes(dir);
    ListAppender<ILoggingEvent> logged = TestNodes.captureLog();
    String operatorToken;
    try (BerthNode node = BerthNode.start(nodes.config(), BerthNode.Hooks.NONE)) {
      String code = TestNodes.setupCode(logged);

      // ---- first run: the setup code and nothing else makes an owner
      assertTrue(json(send(node, "GET", "/api/setup", null)).get("open").asBoolean());
      String signUp = "{\"email\":\"" + OWNER + "\",\"displayName\":\"Olga Owner\",\"password\":\"" + password + "\"";
      assertEquals(403, send(node, "POST", "/api/setup", signUp + "}").statusCode(), "no code");
      assertEquals(403, send(node, "POST", "/api/setup", signUp + ",\"code\":\"AAAA-BBBB-CCCC-DDDD\"}").statusCode());
      assertEquals(400, send(node, "POST", "/api/setup", "{\"code\":\"" + code + "\",\"email\":\"" + OWNER
          + "\",\"password\":\"short\"}").statusCode(), "a weak password is refused before the code is spent");
      HttpResponse<String> owned = send(node, "POST", "/api/setup", signUp + ",\"code\":\"" + code + "\"}");
      assertEquals(201, owned.statusCode(), owned.body());
      assertEquals("owner", json(owned).get("role").asText());
      HttpResponse<String> again = send(node, "POST", "/api/setup",
          "{\"email\":\"x@berth.test\",\"password\":\"" + password + "\",\"code\":\"" + code + "\"}");
      assertEquals(403, again.statusCode(), "sign-up is closed once an owner exists");
      assertEquals("forbidden", json(again).get("error").asText());
      assertFalse(json(send(node, "GET", "/api/setup", null)).get("open").asBoolean());
      assertEquals(401, send(node, "GET", "/api/tenants", null).statusCode(), "no credentials");

      // ---- the owner signs in and creates one account per role; CSRF is enforced for cookies
      assertEquals(401, send(node, "POST", "/api/session",
          "{\"email\":\"" + OWNER + "\",\"password\":\"wrong password!\"}").statusCode());
      assertEquals(403, send(node, "POST", "/api/session", "{\"email\":\"" + OWNER + "\",\"password\":\"" + password
          + "\"}", "Origin", "http://evil.example").statusCode(), "a cross-site sign-in (login CSRF) is refused");
      Browser owner = signIn(node, OWNER);
      String operatorBody = "{\"email\":\"" + OPERATOR + "\",\"displayName\":\"Oscar Operator\",\"role\":\"operator\","
          + "\"password\":\"" + password + "\",\"reason\":\"hired\"}";
      HttpResponse<String> forged = send(node, "POST", "/api/accounts", operatorBody, "Cookie", "berth_session=" + owner.cookie());
      assertEquals(403, forged.statusCode(), "an unsafe request with the cookie alone (a CSRF attempt)");
      assertEquals("csrf", json(forged).get("error").asText());
      assertEquals(201, as(node, owner, "POST", "/api/accounts", operatorBody).statusCode());
      for (String[] a : new String[][] {{VIEWER, "viewer"}, {AUDITOR, "auditor"}}) {
        assertEquals(201, as(node, owner, "POST", "/api/accounts", "{\"email\":\"" + a[0] + "\",\"role\":\"" + a[1]
            + "\",\"password\":\"" + password + "\"}").statusCode());
      }
      assertEquals(409, as(node, owner, "PUT", "/api/accounts/" + OWNER + "/role", "{\"role\":\"viewer\"}").statusCode(),
          "an owner cannot demote themselves");
      Map<String, Browser> browsers = new LinkedHashMap<>();
      browsers.put("owner", owner);
      browsers.put("operator", signIn(node, OPERATOR));
      browsers.put("viewer", signIn(node, VIEWER));
      browsers.put("auditor", signIn(node, AUDITOR));

      // ---- the role matrix
      List<String> wrong = new ArrayList<>();
      for (var entry : MATRIX.entrySet()) {
        String[] request = entry.getKey().split(" ", 2);
        for (var b : browsers.entrySet()) {
          HttpResponse<String> r = as(node, b.getValue(), request[0], request[1], BODIES.get(entry.getKey()));
          boolean allowed = entry.getValue().contains(b.getKey());
          if (allowed ? r.statusCode() == 401 || r.statusCode() == 403 : r.statusCode() != 403) {
            wrong.add(b.getKey() + " " + entry.getKey() + " -> " + r.statusCode() + " " + r.body());
          }
        }
      }
      assertEquals(List.of(), wrong, "role × endpoint");

      // ---- API tokens: bounded by the role, shown once, hash only at rest, revocable, expiring
      assertEquals(403, as(node, browsers.get("viewer"), "POST", "/api/tokens",
          "{\"name\":\"escalate\",\"role\":\"operator\"}").statusCode(), "a viewer cannot issue an operator token");
      HttpResponse<String> issued = as(node, browsers.get("operator"), "POST", "/api/tokens",
          "{\"name\":\"ci\",\"role\":\"operator\"}");
      assertEquals(201, issued.statusCode(), issued.body());
      operatorToken = json(issued).get("token").asText();
      String tokenId = json(issued).get("id").asText();
      assertEquals(200, withToken(node, operatorToken, "GET", "/api/tenants", null).statusCode());
      assertEquals(400, withToken(node, operatorToken, "POST", "/api/tenants", "{}").statusCode(),
          "a token needs no CSRF header (and reaches validation)");
      assertEquals(403, withToken(node, operatorToken, "GET", "/api/accounts", null).statusCode());
      HttpResponse<String> listed = as(node, browsers.get("operator"), "GET", "/api/tokens", null);
      assertFalse(listed.body().contains(operatorToken.substring(operatorToken.length() - 20)), "shown once");
      assertEquals("ci", json(listed).get("tokens").get(0).get("name").asText());
      TestNodes.await("the token's last use recorded", WITHIN, () ->
          !json(as(node, browsers.get("operator"), "GET", "/api/tokens", null)).get("tokens").get(0).get("lastUsedAt").isNull());

      assertEquals(403, withToken(node, operatorToken, "POST", "/api/tokens", "{\"name\":\"offspring\"}").statusCode(),
          "a token cannot mint tokens (a leaked one would outlive its expiry and revocation)");
      String ownersViewerToken = json(as(node, owner, "POST", "/api/tokens", "{\"name\":\"ro\",\"role\":\"viewer\"}"))
          .get("token").asText();
      assertEquals(403, withToken(node, ownersViewerToken, "DELETE", "/api/accounts/" + OWNER + "/sessions", null)
          .statusCode(), "a viewer-bounded token manages nothing, not even its own account");
      assertEquals(200, withToken(node, ownersViewerToken, "GET", "/api/tenants", null).statusCode());
      String shortLived = json(as(node, browsers.get("viewer"), "POST", "/api/tokens",
          "{\"name\":\"brief\",\"expiresAt\":\"" + Instant.now().plusSeconds(2) + "\"}")).get("token").asText();
      assertEquals(200, withToken(node, shortLived, "GET", "/api/tenants", null).statusCode());
      TestNodes.await("the short-lived token expired", WITHIN,
          () -> withToken(node, shortLived, "GET", "/api/tenants", null).statusCode() == 401);
      assertEquals(401, withToken(node, "berth_" + "0".repeat(24) + "_" + "0".repeat(64), "GET", "/api/tenants", null)
          .statusCode());

      // ---- a second node (same database, cluster) honours the first one's sessions and tokens;
      // its idle timeout is short, to see a session expire
      String seed = org.apache.pekko.cluster.typed.Cluster.get(node.system()).selfMember().address().toString();
      Config secondConfig = ConfigFactory.parseString(nodes.dbSettings(node.databaseUrl()) + """

          pekko.cluster.seed-nodes = ["%s"]
          berth.api.token-file = "%s"
          berth.api.sessions.idle-timeout = 3s
          """.formatted(seed, dir.resolve("second-token"))).withFallback(nodes.config());
      try (BerthNode second = BerthNode.start(secondConfig, BerthNode.Hooks.NONE)) {
        Browser fresh = signIn(node, VIEWER);
        HttpResponse<String> there = as(second, fresh, "GET", "/api/session", null);
        assertEquals(200, there.statusCode(), there.body());
        assertEquals(VIEWER, json(there).get("principal").asText());
        assertEquals(200, withToken(second, operatorToken, "GET", "/api/tenants", null).statusCode());
        Thread.sleep(3500);
        assertEquals(401, as(second, fresh, "GET", "/api/session", null).statusCode(), "idle past the timeout");
        assertEquals(401, as(node, fresh, "GET", "/api/session", null).statusCode(), "and ended on every node");

        // revocation by the owner, seen by the other node at once
        Browser viewer = signIn(node, VIEWER);
        assertEquals(200, as(second, viewer, "GET", "/api/tenants", null).statusCode());
        HttpResponse<String> revoked = as(node, owner, "DELETE", "/api/accounts/" + VIEWER + "/sessions", null);
        assertEquals(200, revoked.statusCode(), revoked.body());
        assertEquals(401, as(second, viewer, "GET", "/api/tenants", null).statusCode());

        assertEquals(200, as(node, browsers.get("operator"), "DELETE", "/api/tokens/" + tokenId, null).statusCode());
        assertEquals(401, withToken(second, operatorToken, "GET", "/api/tenants", null).statusCode(), "revoked");
        assertEquals(401, withToken(node, operatorToken, "GET", "/api/tenants", null).statusCode());
      }

      // ---- a disabled account is out at once, its tokens for good; failed sign-ins are throttled and audited
      String auditorToken = json(as(node, browsers.get("auditor"), "POST", "/api/tokens", "{\"name\":\"export\"}"))
          .get("token").asText();
      assertEquals(200, withToken(node, auditorToken, "GET", "/api/accounts", null).statusCode());
      assertEquals(200, as(node, owner, "POST", "/api/accounts/" + AUDITOR + "/disable",
          "{\"reason\":\"left the company\"}").statusCode());
      assertEquals(401, as(node, browsers.get("auditor"), "GET", "/api/tenants", null).statusCode());
      assertEquals(401, withToken(node, auditorToken, "GET", "/api/tenants", null).statusCode());
      assertEquals(403, send(node, "POST", "/api/session",
          "{\"email\":\"" + AUDITOR + "\",\"password\":\"" + password + "\"}").statusCode());
      assertEquals(200, as(node, owner, "POST", "/api/accounts/" + AUDITOR + "/enable", null).statusCode());
      assertEquals(401, withToken(node, auditorToken, "GET", "/api/tenants", null).statusCode(),
          "enabling the account again does not bring its old tokens back");

      // a new password ends every session of the account (the old one's holder is out)
      Browser operatorBefore = browsers.get("operator");
      assertEquals(403, as(node, operatorBefore, "PUT", "/api/accounts/" + OPERATOR + "/password",
          "{\"password\":\"" + password + "\",\"currentPassword\":\"not it at all\"}").statusCode());
      assertEquals(200, as(node, operatorBefore, "PUT", "/api/accounts/" + OPERATOR + "/password",
          "{\"password\":\"" + password + "\",\"currentPassword\":\"" + password + "\"}").statusCode());
      assertEquals(401, as(node, operatorBefore, "GET", "/api/tenants", null).statusCode());
      browsers.put("operator", signIn(node, OPERATOR));
      assertEquals(405, as(node, browsers.get("operator"), "GET", "/api/tenants/nobody/sso", null).statusCode(),
          "a browser session starts the SSO handoff with a CSRF-checked POST only");
      for (int i = 0; i < 5; i++) {
        assertEquals(401, send(node, "POST", "/api/session",
            "{\"email\":\"" + VIEWER + "\",\"password\":\"not the password " + i + "\"}").statusCode());
      }
      HttpResponse<String> throttled = send(node, "POST", "/api/session",
          "{\"email\":\"" + VIEWER + "\",\"password\":\"" + password + "\"}");
      assertEquals(429, throttled.statusCode(), "even the right password waits once the account is throttled");
      assertTrue(throttled.headers().firstValue("Retry-After").isPresent());

      // ---- onboarding by the operator: two secrets in one request; the events name the operator
      HttpResponse<String> created = as(node, browsers.get("operator"), "POST", "/api/tenants",
          "{\"slug\":\"onboarded\",\"secrets\":{\"API_KEY\":\"k-1\",\"DB_PASSWORD\":\"k-2\"},\"reason\":\"new customer\"}");
      assertEquals(202, created.statusCode(), created.body());
      JsonNode t = TestNodes.awaitPhase(node, "onboarded", "READY", WITHIN);
      assertTrue(TestNodes.get("http://" + t.get("endpoint").asText() + "/").contains("data-count=\"2\""));
      JsonNode first = json(as(node, browsers.get("operator"), "GET", "/api/tenants/onboarded/events", null))
          .get("events").get(0);
      assertEquals("ProvisioningRequested", first.get("type").asText());
      assertEquals(OPERATOR, first.get("principal").asText(), first.toString());

      // ---- the journal has the people's history: who created whom, sign-ins, failures, revocations
      try (Database db = Database.open(DatabaseSettings.fromConfig(
          ConfigFactory.parseString(nodes.dbSettings(node.databaseUrl()))
              .withFallback(nodes.config())))) {
        assertEquals(5, TestNodes.count(db, "SELECT count(*) FROM event_journal WHERE persistence_id = ? AND event_ser_manifest LIKE ?",
            "Account|" + VIEWER, "%SignInFailed"), "each failed sign-in recorded on the account");
        assertEquals(1, TestNodes.count(db, "SELECT count(*) FROM event_journal WHERE persistence_id = ? AND event_ser_manifest LIKE ?",
            "Account|" + AUDITOR, "%AccountDisabled"));
        // ---- no password, no token, anywhere: journal, snapshots, credential tables, answers, log
        for (String secret : List.of(password, operatorToken, shortLived, auditorToken, ownersViewerToken)) {
          byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
          assertEquals(0, TestNodes.count(db, "SELECT count(*) FROM event_journal WHERE position(? in event_payload) > 0", bytes));
          assertEquals(0, TestNodes.count(db, "SELECT count(*) FROM snapshot WHERE position(? in snapshot_payload) > 0", bytes));
          assertEquals(0, TestNodes.count(db, "SELECT count(*) FROM account_passwords WHERE hash LIKE '%' || ? || '%'", secret));
          assertEquals(0, TestNodes.count(db, "SELECT count(*) FROM account_tokens WHERE position(? in hash) > 0", bytes));
        }
        assertEquals(0, TestNodes.count(db, "SELECT count(*) FROM account_passwords WHERE hash NOT LIKE '$argon2id$%'"));
      }
      for (String a : answers) {
        assertFalse(a.contains(password), "an API answer shows a password");
      }
      long tokenAnswers = answers.stream().filter(a -> a.contains(operatorToken)).count();
      assertEquals(1, tokenAnswers, "the token appears in exactly one answer: the one that issued it");
    } finally {
      TestNodes.releaseLog(logged);
      nodes.removeContainers();
    }
    for (ILoggingEvent e : logged.list) {
      String line = e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage());
      assertFalse(line.contains(password), "logged: " + line);
      assertFalse(line.contains(operatorToken), "logged: " + line);
    }
  }

}
