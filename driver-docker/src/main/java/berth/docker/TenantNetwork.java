package berth.docker;

import berth.tenant.DriverException;
import berth.tenant.Labels;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Network;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network tenant containers join: one Berth-owned bridge per engine with inter-container traffic
 * disabled ({@code enable_icc=false}), on a subnet Berth configures. Containers on it reach the
 * internet through the gateway but not each other, on any port; a container on another network is
 * not routed to them either. The bridge interface has a fixed name so a host firewall rule can name
 * it (docs/operations.md). One network, not one per tenant: it takes none of the engine's default
 * address pools, so the number of tenants is bounded by the subnet (a /16 holds 65,534), not by
 * Docker's ~31 default networks.
 */
final class TenantNetwork {
  private static final Logger log = LoggerFactory.getLogger(TenantNetwork.class);
  static final String ICC = "com.docker.network.bridge.enable_icc";
  static final String BRIDGE_NAME = "com.docker.network.bridge.name";

  private final DockerClient docker;
  private final DockerSettings settings;
  private final Set<String> ensured = ConcurrentHashMap.newKeySet();

  TenantNetwork(DockerClient docker, DockerSettings settings) {
    this.docker = docker;
    this.settings = settings;
  }

  /** Creates the network when it is missing; refuses one that lets containers reach each other. */
  void ensure(String name) {
    if (ensured.contains(name)) {
      return;
    }
    Network network = inspect(name);
    if (network == null) {
      try {
        docker.createNetworkCmd()
            .withName(name)
            .withDriver("bridge")
            .withCheckDuplicate(true)
            .withLabels(Map.of(Labels.MANAGED, "true", Labels.FLEET, settings.fleet()))
            .withOptions(Map.of(ICC, "false", BRIDGE_NAME, settings.networkBridgeName()))
            .withIpam(new Network.Ipam().withConfig(new Network.Ipam.Config().withSubnet(settings.networkSubnet())))
            .exec();
        log.info("Created tenant network {} ({}, bridge {}, no inter-container traffic)", name,
            settings.networkSubnet(), settings.networkBridgeName());
      } catch (ConflictException raced) {
        // created meanwhile by another node on this engine; checked below like any existing one
      } catch (com.github.dockerjava.api.exception.BadRequestException
          | com.github.dockerjava.api.exception.InternalServerErrorException refused) {
        // an overlapping subnet or a bridge name in use will not go away by itself; say which
        throw DriverException.permanent("cannot create tenant network " + name + " (" + settings.networkSubnet()
            + ", bridge " + settings.networkBridgeName() + "): " + refused.getMessage(), refused);
      }
      network = inspect(name);
      if (network == null) {
        throw DriverException.retryable("tenant network " + name + " vanished right after it was created", null);
      }
    }
    String icc = network.getOptions() == null ? null : network.getOptions().get(ICC);
    if (!"false".equals(icc)) {
      throw DriverException.permanent("network " + name + " lets containers reach each other (" + ICC + " is not"
          + " false); remove it so Berth can create it isolated, or set berth.tenant.network to another name", null);
    }
    String bridge = network.getOptions().get(BRIDGE_NAME);
    if (!settings.networkBridgeName().equals(bridge)) {
      log.warn("Tenant network {} uses bridge {}, not {} (berth.docker.network.bridge-name): host firewall rules"
          + " written for {} do not cover it", name, bridge, settings.networkBridgeName(), settings.networkBridgeName());
    }
    ensured.add(name);
  }

  /** Whether a network of that name exists on the engine now. */
  boolean exists(String name) {
    return inspect(name) != null;
  }

  /** Forgets that the network was there: it was removed behind Berth's back, and is checked again. */
  void forget(String name) {
    ensured.remove(name);
  }

  private Network inspect(String name) {
    try {
      return docker.inspectNetworkCmd().withNetworkId(name).exec();
    } catch (NotFoundException missing) {
      return null;
    }
  }
}
