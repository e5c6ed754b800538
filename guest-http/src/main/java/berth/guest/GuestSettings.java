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

  /** A shorter secret would make every tenant's credential guessable offline from one of them. */
  static final int MIN_SECRET_BYTES = 32;

  public static GuestSettings fromConfig(Config root) {
    Config c = root.getConfig("berth.guest");
    NodeSecret secret = NodeSecret.resolve(c.getString("secret"), Path.of(c.getString("secret-file")),
        "berth.guest.secret (BERTH_GUEST_SECRET)");
    if (secret.value().getBytes(java.nio.charset.StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException("berth.guest.secret (BERTH_GUEST_SECRET) must be at least " + MIN_SECRET_BYTES
          + " bytes: head -c 32 /dev/urandom | base64");
    }
    return new GuestSettings(c.getDuration("connect-timeout"), c.getDuration("health-timeout"),
        c.getDuration("init-timeout"), secret);
  }

  @Override
  public String toString() {
    return "GuestSettings[connectTimeout=" + connectTimeout + ", healthTimeout=" + healthTimeout + ", initTimeout="
        + initTimeout + ", secret=" + secret + "]"; // NodeSecret never prints its value
  }
}
