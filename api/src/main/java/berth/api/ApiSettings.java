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
    String host, int port, NodeSecret token, String principal, int maxBodyBytes, Duration askTimeout, String readJournal,
    Duration streamMaxAge, Accounts accounts) {

  /**
   * Sessions, sign-in throttling and first-run settings ({@code berth.api.sessions}, {@code berth.api.sign-in},
   * {@code berth.api.setup-code-ttl}).
   */
  public record Accounts(Duration sessionIdle, Duration sessionMax, boolean secureCookies,
      int maxFailuresPerAccount, int maxFailuresPerAddress, Duration failureWindow, Duration setupCodeTtl) {

    static Accounts fromConfig(Config c) {
      return new Accounts(c.getDuration("sessions.idle-timeout"), c.getDuration("sessions.max-age"),
          c.getBoolean("sessions.secure-cookie"), c.getInt("sign-in.max-failures-per-account"),
          c.getInt("sign-in.max-failures-per-address"), c.getDuration("sign-in.window"),
          c.getDuration("setup-code-ttl"));
    }
  }

  public static ApiSettings fromConfig(Config root) {
    Config c = root.getConfig("berth.api");
    return new ApiSettings(
        c.getString("host"),
        c.getInt("port"),
        NodeSecret.resolve(c.getString("token"), Path.of(c.getString("token-file")), "berth.api.token (BERTH_ADMIN_TOKEN)"),
        c.getString("principal"),
        Math.toIntExact(c.getBytes("max-body-size")),
        c.getDuration("ask-timeout"),
        c.getString("read-journal"),
        c.getDuration("stream-max-age"),
        Accounts.fromConfig(c));
  }

  @Override
  public String toString() {
    return "ApiSettings[host=" + host + ", port=" + port + ", principal=" + principal + "]"; // no token
  }
}
