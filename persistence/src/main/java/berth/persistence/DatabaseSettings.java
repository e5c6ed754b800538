package berth.persistence;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code berth.db} namespace. An empty {@code url} means "no database configured": the node then
 * runs an embedded PostgreSQL whose data directory survives restarts.
 */
public record DatabaseSettings(
    String url, String user, String password, int poolSize, Duration healthInterval, Path embeddedDataDir,
    int embeddedPort) {

  public static DatabaseSettings fromConfig(Config root) {
    Config c = root.getConfig("berth.db");
    return new DatabaseSettings(
        c.getString("url"),
        c.getString("user"),
        c.getString("password"),
        c.getInt("pool-size"),
        c.getDuration("health-interval"),
        Path.of(c.getString("embedded.data-dir")).toAbsolutePath(),
        c.getInt("embedded.port"));
  }

  public boolean embedded() {
    return url.isBlank();
  }

  public DatabaseSettings withUrl(String newUrl, String newUser, String newPassword) {
    return new DatabaseSettings(newUrl, newUser, newPassword, poolSize, healthInterval, embeddedDataDir, embeddedPort);
  }

  @Override
  public String toString() {
    // never print the password
    return "DatabaseSettings[url=" + url + ", user=" + user + ", poolSize=" + poolSize
        + (embedded() ? ", embedded at " + embeddedDataDir : "") + "]";
  }
}
