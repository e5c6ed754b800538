package berth.tenant;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * A secret a node needs (the admin bearer token, the SSO signing secret): configured, or generated
 * once and kept in a file (mode 0600) so a development node keeps it across restarts. A cluster must
 * configure its secrets: nodes do not share generated ones.
 */
public record NodeSecret(String value, Source source, Path file) {
  public enum Source { CONFIGURED, GENERATED, FROM_FILE }

  public static NodeSecret resolve(String configured, Path file) {
    if (!configured.isBlank()) {
      return new NodeSecret(configured.strip(), Source.CONFIGURED, null);
    }
    try {
      if (Files.exists(file)) {
        String stored = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (!stored.isEmpty()) {
          return new NodeSecret(stored, Source.FROM_FILE, file);
        }
      }
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, token + "\n", StandardCharsets.UTF_8);
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException notPosix) {
        // best effort on non-POSIX file systems
      }
      return new NodeSecret(token, Source.GENERATED, file);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read or create the secret file " + file, e);
    }
  }

  @Override
  public String toString() {
    return "NodeSecret[" + source + "]"; // never the value
  }
}
