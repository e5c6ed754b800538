package berth.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeConfigTest {
  @Test
  void seedNodesComeFromTheEnvironmentAsHostPortsOrAddresses() {
    var config = NodeConfig.withEnvironment(ConfigFactory.load(),
        Map.of("BERTH_SEED_NODES", " 10.0.0.1:25520, pekko://berth@node-2:25520 ,,"));
    assertEquals(List.of("pekko://berth@10.0.0.1:25520", "pekko://berth@node-2:25520"),
        config.getStringList("pekko.cluster.seed-nodes"));
  }

  @Test
  void withoutSeedNodesTheNodeFormsAClusterOfOne() {
    var config = NodeConfig.withEnvironment(ConfigFactory.load(), Map.of());
    assertEquals(List.of(), config.getStringList("pekko.cluster.seed-nodes"));
    assertEquals("keep-majority", config.getString("pekko.cluster.split-brain-resolver.active-strategy"));
  }
}
