package berth.api;

import berth.tenant.NodeSecret;
import com.auth0.jwt.algorithms.Algorithm;
import com.typesafe.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys of the SSO handoff. With HS256 each tenant gets its own key, derived from Berth's secret
 * (HMAC-SHA256 of the slug), so a tenant that learns its key can neither sign for another tenant nor
 * recover Berth's secret. With RS256 Berth signs with its private key and tenants get only the public
 * key. {@link #verificationKeyFor} is what the init payload hands the tenant; it is a secret (for
 * HS256) and is never logged or journaled.
 */
public final class SsoKeys {
  private static final String DERIVATION_LABEL = "berth-sso-v1:";
  private static final int MIN_SECRET_BYTES = 32;

  private final String algorithm;
  private final byte[] secret;
  private final RSAPrivateKey privateKey;
  private final RSAPublicKey publicKey;
  private final String publicKeyPem;

  private SsoKeys(String algorithm, byte[] secret, RSAPrivateKey privateKey, RSAPublicKey publicKey, String publicKeyPem) {
    this.algorithm = algorithm;
    this.secret = secret;
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.publicKeyPem = publicKeyPem;
  }

  /**
   * The keys the {@code berth.sso} namespace configures. A misconfigured key pair stops the node at
   * start, not at the first sign-in.
   */
  public static SsoKeys fromConfig(Config root) {
    Config c = root.getConfig("berth.sso");
    String algorithm = c.getString("algorithm");
    return switch (algorithm) {
      case "HS256" -> hs256(NodeSecret.resolve(c.getString("secret"), Path.of(c.getString("secret-file")),
          "berth.sso.secret (BERTH_SSO_SECRET)")
          .value().getBytes(StandardCharsets.UTF_8));
      case "RS256" -> {
        if (c.getString("private-key-file").isBlank() || c.getString("public-key-file").isBlank()) {
          throw new IllegalArgumentException("berth.sso.algorithm = RS256 needs berth.sso.private-key-file and public-key-file");
        }
        yield rs256(Path.of(c.getString("private-key-file")), Path.of(c.getString("public-key-file")));
      }
      default -> throw new IllegalArgumentException("berth.sso.algorithm must be HS256 or RS256, not '" + algorithm + "'");
    };
  }

  /** HS256 with per-tenant keys derived from {@code secret} (at least 32 bytes). */
  public static SsoKeys hs256(byte[] secret) {
    if (secret.length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException("the SSO secret must be at least " + MIN_SECRET_BYTES + " bytes");
    }
    return new SsoKeys("HS256", secret.clone(), null, null, null);
  }

  /** RS256 with a PKCS#8 private key and an X.509 public key, both PEM files. */
  public static SsoKeys rs256(Path privateKeyPem, Path publicKeyPem) {
    try {
      String publicPem = Files.readString(publicKeyPem, StandardCharsets.US_ASCII);
      KeyFactory rsa = KeyFactory.getInstance("RSA");
      var priv = (RSAPrivateKey) rsa.generatePrivate(new PKCS8EncodedKeySpec(pem(
          Files.readString(privateKeyPem, StandardCharsets.US_ASCII), "PRIVATE KEY", privateKeyPem)));
      var pub = (RSAPublicKey) rsa.generatePublic(new X509EncodedKeySpec(pem(publicPem, "PUBLIC KEY", publicKeyPem)));
      return new SsoKeys("RS256", null, priv, pub, publicPem.strip() + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the SSO key pair", e);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("the SSO key pair is not a PKCS#8 RSA private key and an X.509 RSA public key: "
          + e.getClass().getSimpleName());
    }
  }

  public String algorithm() {
    return algorithm;
  }

  Algorithm signerFor(String slug) {
    return secret != null ? Algorithm.HMAC256(tenantKey(slug)) : Algorithm.RSA256(publicKey, privateKey);
  }

  /** The {@code sso} object of a tenant's init payload: what it needs to verify its handoff tokens. */
  public Map<String, String> verificationKeyFor(String slug) {
    return secret != null
        ? Map.of("alg", algorithm, "key", Base64.getUrlEncoder().withoutPadding().encodeToString(tenantKey(slug)))
        : Map.of("alg", algorithm, "publicKey", publicKeyPem);
  }

  private byte[] tenantKey(String slug) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal((DERIVATION_LABEL + slug).getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }

  private static byte[] pem(String text, String type, Path file) {
    String begin = "-----BEGIN " + type + "-----";
    int start = text.indexOf(begin);
    int end = text.indexOf("-----END " + type + "-----");
    if (start < 0 || end < start) {
      throw new IllegalArgumentException(file + " holds no " + type + " block");
    }
    return Base64.getMimeDecoder().decode(text.substring(start + begin.length(), end));
  }

  @Override
  public String toString() {
    return "SsoKeys[" + algorithm + "]"; // never key material
  }
}
