package berth.guest;

import com.typesafe.config.Config;
import java.time.Duration;

/** The {@code berth.guest} namespace: how long the guest API client waits (defaults in reference.conf). */
public record GuestSettings(Duration connectTimeout, Duration healthTimeout, Duration initTimeout) {

  public static GuestSettings fromConfig(Config root) {
    Config c = root.getConfig("berth.guest");
    return new GuestSettings(c.getDuration("connect-timeout"), c.getDuration("health-timeout"),
        c.getDuration("init-timeout"));
  }
}
