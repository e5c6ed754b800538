package berth.api;

import berth.tenant.NodeSecret;
import berth.tenant.TlsStores;
import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * The {@code berth.api} namespace (defaults in this module's reference.conf), with the admin token
 * resolved: configured, or generated once and kept in {@code token-file}.
 */
public record ApiSettings(
    String host, int port, Optional<SSLContext> tls, NodeSecret token, String principal, int maxBodyBytes,
    Duration askTimeout, String readJournal, Duration streamMaxAge, Accounts accounts, Images images) {
  private static final String TOKEN_SETTING = "berth.api.token (BERTH_ADMIN_TOKEN)";

  /**
   * Sessions, sign-in throttling and first-run settings ({@code berth.api.sessions}, {@code berth.api.sign-in},
   * {@code berth.api.setup-code-ttl}).
   */
  public record Accounts(Duration sessionIdle, Duration sessionMax, boolean secureCookies,
      int maxFailuresPerAccount, int maxFailuresPerAddress, Duration failureWindow, Duration setupCodeTtl) {

    static Accounts fromConfig(Config c, boolean https) {
      return new Accounts(c.getDuration("sessions.idle-timeout"), c.getDuration("sessions.max-age"),
          https || c.getBoolean("sessions.secure-cookie"), c.getInt("sign-in.max-failures-per-account"),
          c.getInt("sign-in.max-failures-per-address"), c.getDuration("sign-in.window"),
          c.getDuration("setup-code-ttl"));
    }
  }

  /**
   * The images operators choose from when they create a tenant ({@code berth.tenant.images}, shown by
   * {@code GET /api/images}), and the one a tenant runs when none is chosen ({@code berth.tenant.image}).
   */
  public record Images(String defaultImage, java.util.SortedMap<String, String> byName) {
    static Images fromConfig(Config root) {
      return new Images(root.getString("berth.tenant.image"), berth.tenant.TenantSettings.imagesOf(root));
    }
  }

  public static ApiSettings fromConfig(Config root) {
    return fromConfig(root, https(root));
  }

  /** With the HTTPS context {@link #check} made already (the key store is read once). */
  public static ApiSettings fromConfig(Config root, Optional<SSLContext> tls) {
    Config c = root.getConfig("berth.api");
    return new ApiSettings(
        c.getString("host"),
        c.getInt("port"),
        tls,
        NodeSecret.resolve(c.getString("token"), Path.of(c.getString("token-file")), TOKEN_SETTING),
        c.getString("principal"),
        Math.toIntExact(c.getBytes("max-body-size")),
        c.getDuration("ask-timeout"),
        c.getString("read-journal"),
        c.getDuration("stream-max-age"),
        Accounts.fromConfig(c, tls.isPresent()),
        Images.fromConfig(root));
  }

  /**
   * Checks what an operator configured — the HTTPS key store, a configured token — without generating
   * anything, so a node can refuse bad settings before it joins a cluster.
   *
   * @return the HTTPS context, empty for plain HTTP
   */
  public static Optional<SSLContext> check(Config root) {
    Optional<SSLContext> tls = https(root);
    Config c = root.getConfig("berth.api");
    if (!c.getString("token").isBlank()) {
      NodeSecret.resolve(c.getString("token"), Path.of(c.getString("token-file")), TOKEN_SETTING);
    }
    return tls;
  }

  /** The HTTPS context of {@code berth.api.tls}, its key store checked; empty for plain HTTP. */
  static Optional<SSLContext> https(Config root) {
    return TlsStores.httpsServer(root.getConfig("berth.api.tls"),
        "berth.api.tls.key-store (BERTH_API_TLS_KEYSTORE, password BERTH_API_TLS_PASSWORD)", Clock.systemUTC());
  }

  @Override
  public String toString() {
    return "ApiSettings[host=" + host + ", port=" + port + ", https=" + tls.isPresent() + ", principal=" + principal
        + "]"; // no token
  }
}
