package berth.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeSecretTest {
  @TempDir Path dir;

  @Test
  void aGeneratedSecretIsKeptOwnerOnlyAndReadBack() throws Exception {
    Path file = dir.resolve("sub").resolve("token");
    NodeSecret made = NodeSecret.resolve("", file, "berth.api.token");
    assertEquals(NodeSecret.Source.GENERATED, made.source());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    NodeSecret again = NodeSecret.resolve("", file, "berth.api.token");
    assertEquals(NodeSecret.Source.FROM_FILE, again.source());
    assertEquals(made.value(), again.value());
    assertTrue(made.value().length() >= 32);
  }

  @Test
  void aKeptFileOthersCanReadIsRefused() throws Exception {
    Path file = dir.resolve("loose");
    Files.writeString(file, "x".repeat(40));
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> NodeSecret.resolve("", file, "berth.sso.secret"));
    assertTrue(e.getMessage().contains("berth.sso.secret") && e.getMessage().contains("chmod 600"), e.getMessage());
  }

  @Test
  void placeholdersAndWeakValuesAreRefusedNamingTheSetting() {
    for (String weak : new String[] {"replace-me-with-at-least-32-random-bytes", "short", "a".repeat(64),
        "abababababababababababababababababab", "CHANGEME-0123456789abcdefghijklmnop"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> NodeSecret.resolve(weak, dir.resolve("unused"), "berth.api.token (BERTH_ADMIN_TOKEN)"));
      assertTrue(e.getMessage().startsWith("berth.api.token (BERTH_ADMIN_TOKEN) is"), e.getMessage());
      assertTrue(!e.getMessage().contains(weak) || weak.length() < 6, "the value itself is not repeated");
    }
  }
}
