package berth.router;

import berth.tenant.TlsStores;
import com.typesafe.config.Config;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/** The {@code berth.router} configuration namespace. */
public record RouterSettings(
    String host,
    int port,
    Optional<SSLContext> tls,
    String baseDomain,
    String forwardedProto,
    Duration upstreamTimeout,
    Duration retryAfter,
    Duration idleTimeout,
    Duration requestHeaderTimeout,
    int maxConnectionsPerTenant,
    int maxOpenRequestsPerTenant,
    Duration responseSubscriptionTimeout,
    Duration replicationTimeout,
    String publicUrl) {

  public static RouterSettings fromConfig(Config root) {
    Config c = root.getConfig("berth.router");
    Optional<SSLContext> tls = TlsStores.httpsServer(c.getConfig("tls"),
        "berth.router.tls.key-store (BERTH_ROUTER_TLS_KEYSTORE, password BERTH_ROUTER_TLS_PASSWORD)", Clock.systemUTC());
    return new RouterSettings(
        c.getString("host"),
        c.getInt("port"),
        tls,
        c.getString("base-domain").toLowerCase(java.util.Locale.ROOT),
        tls.isPresent() ? "https" : c.getString("forwarded-proto"),
        c.getDuration("upstream-timeout"),
        c.getDuration("retry-after"),
        c.getDuration("idle-timeout"),
        c.getDuration("request-header-timeout"),
        c.getInt("max-connections-per-tenant"),
        c.getInt("max-open-requests-per-tenant"),
        c.getDuration("response-subscription-timeout"),
        c.getDuration("replication-timeout"),
        c.getString("public-url"));
  }

  /**
   * The URL a browser reaches tenant {@code slug} at (no trailing slash): the {@code public-url}
   * template with {@code {slug}} filled in, or by default {@code <forwarded-proto>://<slug>.<base-domain>:<port>}
   * with the port the router is bound to.
   */
  public String tenantUrl(String slug, int boundPort) {
    String template = publicUrl.isBlank()
        ? forwardedProto + "://{slug}." + baseDomain + ":" + boundPort
        : publicUrl.strip().replaceAll("/+$", "");
    return template.replace("{slug}", slug);
  }
}
