package berth.api;

import com.auth0.jwt.JWT;
import com.typesafe.config.Config;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.function.Function;

/**
 * Mints SSO handoff tokens (docs/tenant-contract.md): a JWT with issuer {@code berth}, subject = the
 * admin principal, audience = the tenant's slug, a unique {@code jti}, and a short lifetime, and the
 * tenant URL that redeems it.
 */
public final class SsoIssuer {
  static final String ISSUER = "berth";
  static final String REDEEM_PATH = "/.berth/sso";

  private final SsoKeys keys;
  private final Duration ttl;
  private final Function<String, String> tenantUrl;
  private final Clock clock;

  /** A minted handoff; {@code url} carries the token and is as secret as it, until it is used. */
  public record Handoff(String url, String tokenId, Instant expiresAt) {
    @Override
    public String toString() {
      return "Handoff[" + tokenId + ", expires " + expiresAt + "]";
    }
  }

  /** The issuer the {@code berth.sso} namespace configures (the links' lifetime, {@code token-ttl}). */
  public static SsoIssuer fromConfig(Config root, SsoKeys keys, Function<String, String> tenantUrl, Clock clock) {
    return new SsoIssuer(keys, root.getDuration("berth.sso.token-ttl"), tenantUrl, clock);
  }

  /**
   * @param tenantUrl the base URL a browser reaches a tenant at (scheme, host and port, no path),
   *     from the slug
   */
  public SsoIssuer(SsoKeys keys, Duration ttl, Function<String, String> tenantUrl, Clock clock) {
    this.keys = keys;
    this.ttl = ttl;
    this.tenantUrl = tenantUrl;
    this.clock = clock;
  }

  public Handoff mint(String principal, String slug) {
    Instant now = clock.instant();
    Instant expiresAt = now.plus(ttl);
    String jti = UUID.randomUUID().toString();
    String token = JWT.create()
        .withIssuer(ISSUER)
        .withSubject(principal)
        .withAudience(slug)
        .withIssuedAt(now)
        .withNotBefore(now)
        .withExpiresAt(expiresAt)
        .withJWTId(jti)
        .sign(keys.signerFor(slug));
    String url = tenantUrl.apply(slug) + REDEEM_PATH + "?token=" + URLEncoder.encode(token, StandardCharsets.US_ASCII);
    return new Handoff(url, jti, expiresAt);
  }
}
