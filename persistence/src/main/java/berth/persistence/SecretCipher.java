package berth.persistence;

import com.typesafe.config.Config;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM under key-encryption keys from configuration ({@code berth.secrets}). Each ciphertext
 * records the id of its key, and binds the tenant and the secret's name as associated data: a row
 * copied to another tenant, or renamed, does not decrypt.
 */
public final class SecretCipher {
  private static final String AAD_LABEL = "berth-secret-v1";
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final int KEY_BYTES = 32;

  /** One encrypted value. */
  public record Sealed(String keyId, byte[] nonce, byte[] ciphertext) {}

  private final Map<String, SecretKeySpec> keys;
  private final String activeKey;
  private final SecureRandom random = new SecureRandom();

  SecretCipher(Map<String, byte[]> keys, String activeKey) {
    if (!keys.containsKey(activeKey)) {
      throw new IllegalArgumentException("berth.secrets.active-key '" + activeKey + "' is not among berth.secrets.keys "
          + keys.keySet());
    }
    this.keys = new LinkedHashMap<>();
    keys.forEach((id, k) -> {
      if (k.length != KEY_BYTES) {
        throw new IllegalArgumentException("berth.secrets key '" + id + "' must be " + KEY_BYTES
            + " bytes (base64 of 32 random bytes: head -c 32 /dev/urandom | base64)");
      }
      this.keys.put(id, new SecretKeySpec(k, "AES"));
    });
    this.activeKey = activeKey;
  }

  /**
   * The keys {@code berth.secrets} configures: {@code keys} as {@code id:base64[,id:base64…]} and the
   * {@code active-key} new values are sealed with. With no keys configured, one key ({@code local}) is
   * generated on first start and kept in {@code key-file} (mode 0600).
   */
  public static SecretCipher fromConfig(Config root) {
    Config c = root.getConfig("berth.secrets");
    Map<String, byte[]> keys = new LinkedHashMap<>();
    String configured = c.getString("keys").strip();
    if (configured.isEmpty()) {
      String generated = berth.tenant.NodeSecret.resolve("", Path.of(c.getString("key-file")),
          "berth.secrets.key-file (BERTH_SECRETS_KEY_FILE)").value();
      byte[] key = Base64.getUrlDecoder().decode(generated);
      // named by its fingerprint: a node that generated another key (a cluster left unconfigured)
      // finds ids it does not have, and refuses to start, instead of failing to decrypt later
      String id = "local-" + fingerprint(key);
      keys.put(id, key);
      return new SecretCipher(keys, id);
    }
    for (String entry : configured.split(",")) {
      int colon = entry.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("berth.secrets.keys must be id:base64 pairs separated by commas");
      }
      keys.put(entry.substring(0, colon).strip(), Base64.getMimeDecoder().decode(entry.substring(colon + 1).strip()));
    }
    String active = c.getString("active-key").strip();
    return new SecretCipher(keys, active.isEmpty() ? keys.keySet().iterator().next() : active);
  }

  private static String fingerprint(byte[] key) {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(key);
      return java.util.HexFormat.of().formatHex(digest).substring(0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  String activeKey() {
    return activeKey;
  }

  Set<String> keyIds() {
    return keys.keySet();
  }

  Sealed seal(String slug, String name, String value) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
      aes.init(Cipher.ENCRYPT_MODE, keys.get(activeKey), new GCMParameterSpec(TAG_BITS, nonce));
      aes.updateAAD(aad(slug, name));
      return new Sealed(activeKey, nonce, aes.doFinal(value.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is unavailable", e);
    }
  }

  /** The value, or an exception that names the tenant, the secret and the key, never the value. */
  String open(String slug, String name, Sealed sealed) {
    SecretKeySpec key = keys.get(sealed.keyId());
    if (key == null) {
      throw new IllegalStateException("secret " + name + " of tenant " + slug + " is sealed with key '" + sealed.keyId()
          + "', which berth.secrets.keys does not provide");
    }
    try {
      Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
      aes.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed.nonce()));
      aes.updateAAD(aad(slug, name));
      return new String(aes.doFinal(sealed.ciphertext()), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("secret " + name + " of tenant " + slug
          + " does not decrypt: it was not sealed for this tenant and name, or was altered");
    }
  }

  private static byte[] aad(String slug, String name) {
    byte[] s = slug.getBytes(StandardCharsets.UTF_8);
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    byte[] label = AAD_LABEL.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(label.length + 8 + s.length + n.length)
        .put(label).putInt(s.length).put(s).putInt(n.length).put(n).array();
  }

  @Override
  public String toString() {
    return "SecretCipher[active=" + activeKey + ", keys=" + keys.keySet() + "]";
  }
}
