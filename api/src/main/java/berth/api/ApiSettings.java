package berth.api;

import berth.tenant.NodeSecret;
import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code berth.api} namespace (defaults in this module's reference.conf), with the admin token
 * resolved: configured, or generated once and kept in {@code token-file}.
 */
public record ApiSettings(
    String host, int port, NodeSecret token, String principal, int maxBodyBytes, Duration askTimeout, String readJournal) {

  public static ApiSettings fromConfig(Config root) {
    Config c = root.getConfig("berth.api");
    return new ApiSettings(
        c.getString("host"),
        c.getInt("port"),
        NodeSecret.resolve(c.getString("token"), Path.of(c.getString("token-file")), "berth.api.token (BERTH_ADMIN_TOKEN)"),
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
