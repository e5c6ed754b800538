package berth.docker;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The {@code berth.docker} configuration namespace. */
public record DockerSettings(
    String host,
    Tls tls,
    String fleet,
    String publishedHost,
    int threads,
    Duration stopTimeout,
    Duration connectTimeout,
    Duration responseTimeout,
    Duration eventsReconnectDelay,
    String networkSubnet,
    String networkBridgeName,
    String logMaxSize,
    int logMaxFiles,
    String referenceImageTag,
    boolean buildReferenceImage,
    Path libDir,
    Path loader,
    List<String> libs,
    List<String> jreModules,
    String lightImageTag,
    boolean buildLightImage,
    Path busybox) {

  /**
   * TLS to the engine ({@code berth.docker.tls-verify}, {@code cert-path}, {@code allow-plain-tcp}).
   *
   * @param verify present cert-path's client certificate and trust only its ca.pem
   */
  public record Tls(boolean verify, Path certPath, boolean allowPlainTcp) {
    static Tls fromConfig(Config c) {
      String verify = c.getString("tls-verify").strip().toLowerCase(java.util.Locale.ROOT);
      return new Tls(!List.of("", "0", "false", "no", "off").contains(verify), Path.of(c.getString("cert-path")),
          c.getBoolean("allow-plain-tcp"));
    }
  }

  public static DockerSettings fromConfig(Config root) {
    Config c = root.getConfig("berth.docker");
    Config img = c.getConfig("reference-image");
    return new DockerSettings(
        c.getString("host"),
        Tls.fromConfig(c),
        c.getString("fleet"),
        c.getString("published-host"),
        c.getInt("threads"),
        c.getDuration("stop-timeout"),
        c.getDuration("connect-timeout"),
        c.getDuration("response-timeout"),
        c.getDuration("events-reconnect-delay"),
        c.getString("network.subnet"),
        c.getString("network.bridge-name"),
        c.getString("log.max-size"),
        c.getInt("log.max-files"),
        img.getString("tag"),
        img.getBoolean("build-when-missing"),
        Path.of(img.getString("lib-dir")),
        Path.of(img.getString("loader")),
        img.getStringList("libs"),
        img.getStringList("jre-modules"),
        c.getString("light-image.tag"),
        c.getBoolean("light-image.build-when-missing"),
        Path.of(c.getString("light-image.busybox")));
  }
}
