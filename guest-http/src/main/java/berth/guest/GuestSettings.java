package berth.guest;

import berth.tenant.NodeSecret;
import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The {@code berth.guest} namespace (defaults in this module's reference.conf): how long the guest
 * API client waits, and the secret every tenant's guest credential is derived from.
 */
public record GuestSettings(Duration connectTimeout, Duration healthTimeout, Duration initTimeout, NodeSecret secret) {

  public static GuestSettings fromConfig(Config root) {
    Config c = root.getConfig("berth.guest");
    return new GuestSettings(c.getDuration("connect-timeout"), c.getDuration("health-timeout"),
        c.getDuration("init-timeout"), NodeSecret.resolve(c.getString("secret"), Path.of(c.getString("secret-file"))));
  }

  @Override
  public String toString() {
    return "GuestSettings[connectTimeout=" + connectTimeout + ", healthTimeout=" + healthTimeout + ", initTimeout="
        + initTimeout + ", secret=" + secret + "]"; // NodeSecret never prints its value
  }
}
