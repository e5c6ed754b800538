package berth.tenantimage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.UUID;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tenant's half of the SSO handoff, with tokens signed the way Berth signs them. */
class SsoGateTest {
  static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
  static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes();
  static final Algorithm HS = Algorithm.HMAC256(KEY);

  @TempDir Path data;
  SsoGate gate;

  @BeforeEach
  void setUp() {
    gate = gateAt(NOW);
  }

  SsoGate gateAt(Instant now) {
    SsoGate g = new SsoGate("acme", Clock.fixed(now, ZoneOffset.UTC), data.resolve("berth-sso-used.json"));
    g.configure("HS256", Base64.getUrlEncoder().encodeToString(KEY));
    return g;
  }

  @Test
  void aUsedLinkStaysUsedAfterARestart() {
    String t = token(HS, "acme", NOW, UUID.randomUUID().toString());
    assertInstanceOf(SsoGate.Admitted.class, gate.admit(t));
    SsoGate restarted = gateAt(NOW.plusSeconds(5)); // a new process on the same volume
    assertEquals("replayed", refusal(restarted.admit(t)));
  }

  @Test
  void aSessionExpiresAndSignOutEndsIt() {
    SsoGate.Admitted a = assertInstanceOf(SsoGate.Admitted.class,
        gate.admit(token(HS, "acme", NOW, UUID.randomUUID().toString())));
    assertTrue(gate.principalOf(a.session()).isPresent());
    gate.end(a.session());
    assertTrue(gate.principalOf(a.session()).isEmpty(), "signed out");

    java.util.concurrent.atomic.AtomicReference<Instant> now = new java.util.concurrent.atomic.AtomicReference<>(NOW);
    SsoGate moving = new SsoGate("acme", new Clock() {
      @Override public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
      @Override public Clock withZone(java.time.ZoneId zone) { return this; }
      @Override public Instant instant() { return now.get(); }
    }, data.resolve("moving.json"));
    moving.configure("HS256", Base64.getUrlEncoder().encodeToString(KEY));
    SsoGate.Admitted b = assertInstanceOf(SsoGate.Admitted.class,
        moving.admit(token(HS, "acme", NOW, UUID.randomUUID().toString())));
    now.set(NOW.plus(SsoGate.SESSION_TTL).minusSeconds(1));
    assertTrue(moving.principalOf(b.session()).isPresent());
    now.set(NOW.plus(SsoGate.SESSION_TTL));
    assertTrue(moving.principalOf(b.session()).isEmpty(), "expired");
  }

  static String token(Algorithm alg, String audience, Instant issuedAt, String jti) {
    return JWT.create().withIssuer("berth").withSubject("admin").withAudience(audience)
        .withIssuedAt(issuedAt).withExpiresAt(issuedAt.plus(Duration.ofSeconds(60))).withJWTId(jti).sign(alg);
  }

  static String refusal(Object outcome) {
    return assertInstanceOf(SsoGate.Refusal.class, outcome).code();
  }

  @Test
  void aValidTokenOpensASessionForItsSubject() {
    Object outcome = gate.admit(token(HS, "acme", NOW.minusSeconds(10), UUID.randomUUID().toString()));
    SsoGate.Admitted admitted = assertInstanceOf(SsoGate.Admitted.class, outcome);
    assertEquals("admin", admitted.principal());
    assertEquals("admin", gate.principalOf(admitted.session()).orElseThrow());
    assertTrue(gate.principalOf("forged-session").isEmpty());
  }

  @Test
  void aTokenIsGoodOnlyOnce() {
    String t = token(HS, "acme", NOW, UUID.randomUUID().toString());
    assertInstanceOf(SsoGate.Admitted.class, gate.admit(t));
    assertEquals("replayed", refusal(gate.admit(t)));
  }

  @Test
  void anExpiredTokenIsRefused() {
    assertEquals("expired", refusal(gate.admit(token(HS, "acme", NOW.minusSeconds(120), "old"))));
  }

  @Test
  void aTokenForAnotherTenantIsRefused() {
    assertEquals("wrong_claims", refusal(gate.admit(token(HS, "globex", NOW, "other"))));
  }

  @Test
  void aTamperedTokenIsRefused() {
    String t = token(HS, "acme", NOW, "tampered");
    String[] parts = t.split("\\.");
    String payload = new String(Base64.getUrlDecoder().decode(parts[1])).replace("\"admin\"", "\"root\"");
    String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes()) + "." + parts[2];
    assertEquals("bad_signature", refusal(gate.admit(forged)));
    assertEquals("bad_signature", refusal(gate.admit(token(Algorithm.HMAC256("another key of 32 bytes length!!"),
        "acme", NOW, "foreign"))));
    assertEquals("malformed", refusal(gate.admit("not-a-jwt")));
  }

  @Test
  void aTokenWithoutItsIdIsRefused() {
    String t = JWT.create().withIssuer("berth").withSubject("admin").withAudience("acme")
        .withExpiresAt(NOW.plusSeconds(60)).sign(HS);
    assertEquals("wrong_claims", refusal(gate.admit(t)));
  }

  @Test
  void rs256TokensVerifyWithThePublicKeyOnly() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair pair = g.generateKeyPair();
    String pem = "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder().encodeToString(pair.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
    SsoGate rsa = new SsoGate("acme", Clock.fixed(NOW, ZoneOffset.UTC), data.resolve("rsa.json"));
    rsa.configure("RS256", pem);
    Algorithm signer = Algorithm.RSA256(null, (RSAPrivateKey) pair.getPrivate());
    assertInstanceOf(SsoGate.Admitted.class, rsa.admit(token(signer, "acme", NOW, "r1")));
    // an HS256 token cannot pass an RS256 gate (no algorithm confusion)
    assertEquals("bad_signature", refusal(rsa.admit(token(HS, "acme", NOW, "r2"))));
  }

  @Test
  void aTenantWithoutItsKeyRefusesEveryToken() {
    SsoGate unconfigured = new SsoGate("acme", Clock.systemUTC(), data.resolve("none.json"));
    assertEquals("not_configured", refusal(unconfigured.admit(token(HS, "acme", Instant.now(), "x"))));
  }
}
