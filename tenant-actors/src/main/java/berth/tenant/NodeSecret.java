package berth.tenant;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A secret a node needs (the admin bearer token, the SSO, guest and secrets keys): configured, or
 * generated once and kept in a file created with mode 0600 in one step, so a development node keeps
 * it across restarts. A configured value must look like a secret: at least 32 characters of some
 * variety, and none of the placeholders manifests ship with (k8s/secret.yaml's "replace-me…"). A kept
 * file that others can read is refused. A cluster must configure its secrets: nodes do not share
 * generated ones.
 */
public record NodeSecret(String value, Source source, Path file) {
  public enum Source { CONFIGURED, GENERATED, FROM_FILE }

  static final int MIN_LENGTH = 32;
  /** Enough to refuse "aaaa…" and "abab…", not a random hex token (a 32-hex-digit one has 8 or more). */
  static final int MIN_DISTINCT = 8;
  private static final List<String> PLACEHOLDERS =
      List.of("replace-me", "replace_me", "replaceme", "change-me", "changeme", "change_me", "placeholder", "example");
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  /**
   * @param setting how an operator names the setting in messages, e.g. {@code berth.api.token (BERTH_ADMIN_TOKEN)}
   */
  public static NodeSecret resolve(String configured, Path file, String setting) {
    if (!configured.isBlank()) {
      String value = configured.strip();
      requireSecretLooking(value, setting);
      return new NodeSecret(value, Source.CONFIGURED, null);
    }
    try {
      if (Files.exists(file)) {
        requireOwnerOnly(file, setting);
        String stored = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (!stored.isEmpty()) {
          return new NodeSecret(stored, Source.FROM_FILE, file);
        }
        Files.delete(file);
      }
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY)); // 0600 from the first byte
      } catch (UnsupportedOperationException notPosix) {
        Files.createFile(file);
      }
      Files.writeString(file, token + "\n", StandardCharsets.UTF_8);
      return new NodeSecret(token, Source.GENERATED, file);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read or create the secret file " + file + " for " + setting, e);
    }
  }

  /** Refuses placeholders and values too short or too uniform to be secrets; the message names the setting. */
  static void requireSecretLooking(String value, String setting) {
    requireNoPlaceholder(value, setting);
    if (value.length() < MIN_LENGTH || value.chars().distinct().count() < MIN_DISTINCT) {
      throw new IllegalArgumentException(setting + " is too weak to be a secret (at least " + MIN_LENGTH
          + " characters, not a repeated pattern): head -c 32 /dev/urandom | base64");
    }
  }

  /** Refuses the placeholders manifests and libraries ship with; the message names the setting. */
  public static void requireNoPlaceholder(String value, String setting) {
    String lower = value.toLowerCase(Locale.ROOT);
    for (String placeholder : PLACEHOLDERS) {
      if (lower.contains(placeholder)) {
        throw new IllegalArgumentException(setting + " is a placeholder (it contains '" + placeholder
            + "'): set a real secret, for example: head -c 32 /dev/urandom | base64");
      }
    }
  }

  private static void requireOwnerOnly(Path file, String setting) throws IOException {
    try {
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
      if (!OWNER_ONLY.containsAll(mode)) {
        throw new IllegalStateException("the file " + file + " keeping " + setting + " can be read by others ("
            + PosixFilePermissions.toString(mode) + "): chmod 600 it, or remove it to have a new secret generated");
      }
    } catch (UnsupportedOperationException notPosix) {
      // no POSIX permissions to check on this file system
    }
  }

  @Override
  public String toString() {
    return "NodeSecret[" + source + "]"; // never the value
  }
}
