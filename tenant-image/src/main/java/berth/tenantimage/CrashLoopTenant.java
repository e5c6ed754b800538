package berth.tenantimage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

/**
 * A deliberately broken tenant, for testing Berth's crash-loop handling with a real container: it runs
 * the reference tenant, and once it has been initialized (its init file written after this start) it
 * exits with status 1 a moment later — every time it is started. Not used unless an image's entry
 * point names this class.
 */
public final class CrashLoopTenant {
  private static final long DELAY_AFTER_INIT_MS = 1500;

  private CrashLoopTenant() {}

  public static void main(String[] args) throws Exception {
    Instant started = Instant.now();
    TenantApp.main(args);
    Path initFile = Path.of(System.getenv().getOrDefault("BERTH_DATA_DIR", "/data")).resolve("berth-init.json");
    while (true) {
      Thread.sleep(200);
      if (Files.exists(initFile)) {
        FileTime written = Files.getLastModifiedTime(initFile);
        if (written.toInstant().isAfter(started)) {
          Thread.sleep(DELAY_AFTER_INIT_MS);
          System.err.println("crash-loop tenant: exiting on purpose after initialization");
          Runtime.getRuntime().halt(1);
        }
      }
    }
  }
}
