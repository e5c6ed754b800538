package berth.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The admin bearer token: configured (berth.api.token / BERTH_ADMIN_TOKEN), or generated once and kept
 * in the token file (mode 0600) so a development node keeps its token across restarts.
 */
public record AdminToken(String value, Source source, Path file) {
  public enum Source { CONFIGURED, GENERATED, FROM_FILE }

  public static AdminToken resolve(String configured, Path file) {
    if (!configured.isBlank()) {
      return new AdminToken(configured.strip(), Source.CONFIGURED, null);
    }
    try {
      if (Files.exists(file)) {
        String stored = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (!stored.isEmpty()) {
          return new AdminToken(stored, Source.FROM_FILE, file);
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
      return new AdminToken(token, Source.GENERATED, file);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read or create the admin token file " + file, e);
    }
  }

  @Override
  public String toString() {
    return "AdminToken[" + source + "]"; // never the value
  }
}
