package berth.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which busybox can go into a FROM-scratch image: a static one, and nothing else. */
class LightImageTest {
  @TempDir Path dir;

  @Test
  void theHostsStaticBusyboxIsAccepted() {
    assertEquals(Optional.empty(), LightImage.problem(Path.of("/bin/busybox")),
        "CI installs Debian's busybox-static (.ci/run)");
  }

  @Test
  void aDynamicallyLinkedProgramAMissingFileAndANonElfFileAreRefusedSayingWhy() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java"); // linked against the host's libc
    assertTrue(LightImage.problem(java).orElseThrow().contains("dynamically linked"), LightImage.problem(java).toString());
    Path missing = dir.resolve("busybox");
    assertTrue(LightImage.problem(missing).orElseThrow().contains("does not exist"));
    Path script = Files.writeString(dir.resolve("script"), "#!/bin/sh\necho not a binary\n");
    assertTrue(LightImage.problem(script).orElseThrow().contains("not a 64-bit ELF"));
  }
}
