package berth.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The node's configuration: application.conf and every module's reference.conf, with the
 * environment overrides HOCON cannot express itself — {@code BERTH_SEED_NODES}, a comma-separated
 * list of {@code host:port} (or full {@code pekko://berth@host:port} addresses) of nodes to join.
 */
public final class NodeConfig {
  static final String SYSTEM_NAME = "berth";

  private NodeConfig() {}

  public static Config load() {
    return withEnvironment(ConfigFactory.load(), System.getenv());
  }

  static Config withEnvironment(Config config, Map<String, String> env) {
    String seeds = env.getOrDefault("BERTH_SEED_NODES", "").strip();
    if (seeds.isEmpty()) {
      return config;
    }
    List<String> addresses = Arrays.stream(seeds.split(","))
        .map(String::strip)
        .filter(s -> !s.isEmpty())
        .map(s -> s.contains("://") ? s : "pekko://" + SYSTEM_NAME + "@" + s)
        .toList();
    return config.withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(addresses));
  }
}
