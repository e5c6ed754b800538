package berth.tenantimage;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.AlgorithmMismatchException;
import com.auth0.jwt.exceptions.IncorrectClaimException;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.MissingClaimException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyFactory;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tenant side of Berth's SSO handoff (docs/tenant-contract.md, "SSO handoff"): verifies a
 * handoff token — signature, issuer, audience (this tenant), expiry, and single use of its {@code jti}
 * — and keeps the browser sessions it opens. Used token ids are kept on the tenant's volume, so a
 * link cannot be replayed after a restart. Sessions live in memory and expire after
 * {@link #SESSION_TTL}: a restarted tenant asks for a new handoff, which is what a short-lived admin
 * session should do anyway.
 */
final class SsoGate {
  static final String ISSUER = "berth";
  static final String COOKIE = "berth_session";
  private static final long LEEWAY_SECONDS = 5;
  static final Duration SESSION_TTL = Duration.ofHours(8);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Why a token was refused; the message is shown to the person holding it. */
  record Refusal(String code, String message) {}

  /** A verified handoff: who it signs in. */
  record Admitted(String principal, String session) {}

  private final String tenantId;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Instant> usedTokenIds = new ConcurrentHashMap<>();
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final Path usedIdsFile;
  private volatile JWTVerifier verifier;

  private record Session(String principal, Instant expiresAt) {}

  /** @param usedIdsFile where used token ids are kept across restarts (read here if it exists) */
  SsoGate(String tenantId, Clock clock, Path usedIdsFile) {
    this.tenantId = tenantId;
    this.clock = clock;
    this.usedIdsFile = usedIdsFile;
    try {
      if (Files.exists(usedIdsFile)) {
        JSON.readTree(usedIdsFile.toFile()).fields()
            .forEachRemaining(e -> usedTokenIds.put(e.getKey(), Instant.parse(e.getValue().asText())));
      }
    } catch (IOException | RuntimeException e) {
      System.err.println("ignoring unreadable used SSO token ids in " + usedIdsFile + ": " + e.getClass().getSimpleName());
    }
  }

  /**
   * Installs the verification key from the init payload's {@code sso} object:
   * {@code {"alg":"HS256","key":"<base64url>"}} or {@code {"alg":"RS256","publicKey":"<PEM>"}}.
   */
  void configure(String alg, String material) {
    Algorithm algorithm = switch (alg) {
      case "HS256" -> Algorithm.HMAC256(Base64.getUrlDecoder().decode(material));
      case "RS256" -> Algorithm.RSA256(publicKey(material), null);
      default -> throw new IllegalArgumentException("unsupported SSO algorithm " + alg);
    };
    // BaseVerification is what JWT.require returns; only it takes the clock that tests move.
    verifier = ((JWTVerifier.BaseVerification) JWT.require(algorithm)
        .withIssuer(ISSUER)
        .withAudience(tenantId)
        .withClaimPresence("jti")
        .withClaimPresence("exp")
        .withClaimPresence("sub")
        .acceptLeeway(LEEWAY_SECONDS))
        .build(clock);
  }

  boolean configured() {
    return verifier != null;
  }

  /** Verifies {@code token} and, if it is good and unused, opens a session for its subject. */
  Object admit(String token) {
    JWTVerifier v = verifier;
    if (v == null) {
      return new Refusal("not_configured", "This tenant has not received its SSO key yet.");
    }
    DecodedJWT jwt;
    try {
      jwt = v.verify(token);
    } catch (TokenExpiredException e) {
      return new Refusal("expired", "The sign-in link has expired. Ask for a new one.");
    } catch (IncorrectClaimException | MissingClaimException e) {
      return new Refusal("wrong_claims", "The sign-in link is not for this tenant.");
    } catch (SignatureVerificationException | AlgorithmMismatchException e) {
      return new Refusal("bad_signature", "The sign-in link is not signed by Berth.");
    } catch (JWTDecodeException e) {
      return new Refusal("malformed", "The sign-in link is malformed.");
    } catch (JWTVerificationException e) {
      return new Refusal("invalid", "The sign-in link is not valid.");
    }
    pruneUsed();
    Instant expiresAt = jwt.getExpiresAtAsInstant().plusSeconds(LEEWAY_SECONDS);
    if (usedTokenIds.putIfAbsent(jwt.getId(), expiresAt) != null) {
      return new Refusal("replayed", "This sign-in link was already used.");
    }
    try {
      keepUsedIds(); // before the session opens: a link is never good twice, even across a crash
    } catch (IOException e) {
      usedTokenIds.remove(jwt.getId());
      return new Refusal("unavailable", "The sign-in could not be recorded; try a new link.");
    }
    byte[] id = new byte[32];
    random.nextBytes(id);
    String session = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    sessions.put(session, new Session(jwt.getSubject(), clock.instant().plus(SESSION_TTL)));
    return new Admitted(jwt.getSubject(), session);
  }

  /** The principal of a session that exists and has not expired. */
  Optional<String> principalOf(String session) {
    Session s = session == null ? null : sessions.get(session);
    if (s == null) {
      return Optional.empty();
    }
    if (!s.expiresAt().isAfter(clock.instant())) {
      sessions.remove(session);
      return Optional.empty();
    }
    return Optional.of(s.principal());
  }

  /** Ends a session (sign-out); an unknown one is already ended. */
  void end(String session) {
    if (session != null) {
      sessions.remove(session);
    }
  }

  private synchronized void keepUsedIds() throws IOException {
    ObjectNode out = JSON.createObjectNode();
    usedTokenIds.forEach((jti, until) -> out.put(jti, until.toString()));
    Path tmp = usedIdsFile.resolveSibling(usedIdsFile.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tmp, JSON.writeValueAsString(out), StandardCharsets.UTF_8);
    Files.move(tmp, usedIdsFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** A used token id need only be remembered until the token would have expired anyway. */
  private void pruneUsed() {
    Instant now = clock.instant();
    usedTokenIds.values().removeIf(expiry -> expiry.isBefore(now));
  }

  private static RSAPublicKey publicKey(String pem) {
    String base64 = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
    try {
      return (RSAPublicKey) KeyFactory.getInstance("RSA")
          .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
    } catch (Exception e) {
      throw new IllegalArgumentException("the SSO public key is not an X.509 RSA public key", e);
    }
  }
}
