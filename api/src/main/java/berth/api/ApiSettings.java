package berth.api;

import com.typesafe.config.Config;
import java.time.Duration;

/** The {@code berth.api} namespace, with the token already resolved (see the cluster module's Main). */
public record ApiSettings(
    String host, int port, String token, String principal, int maxBodyBytes, Duration askTimeout, String readJournal) {

  public static ApiSettings fromConfig(Config root, String token) {
    Config c = root.getConfig("berth.api");
    return new ApiSettings(
        c.getString("host"),
        c.getInt("port"),
        token,
        c.getString("principal"),
        Math.toIntExact(c.getBytes("max-body-size")),
        c.getDuration("ask-timeout"),
        c.getString("read-journal"));
  }

  @Override
  public String toString() {
    return "ApiSettings[host=" + host + ", port=" + port + ", principal=" + principal + "]"; // no token
  }
}
