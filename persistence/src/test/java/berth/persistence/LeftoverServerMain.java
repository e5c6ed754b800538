package berth.persistence;

import java.nio.file.Path;

/** Started as a separate JVM by {@link DatabaseTest}, then killed with SIGKILL, leaving its server behind. */
public final class LeftoverServerMain {
  public static void main(String[] args) throws Exception {
    EmbeddedPostgresServer.start(Path.of(args[0]), 0);
    System.out.println("STARTED");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
