package berth.tenant;

import java.util.Map;

/**
 * Everything a driver needs to create one tenant's container. The names are decided by the entity and
 * journaled before the driver is called, so a retry or a recovery asks for the same container again.
 */
public record ContainerSpec(
    String tenantId,
    int incarnation,
    String containerName,
    String volumeName,
    TenantSpec spec,
    Map<String, String> env,
    String guestCredential) {

  public ContainerSpec {
    env = Map.copyOf(env);
  }

  /** Never shows the guest credential. */
  @Override
  public String toString() {
    return "ContainerSpec[tenantId=" + tenantId + ", incarnation=" + incarnation + ", containerName=" + containerName
        + ", volumeName=" + volumeName + ", spec=" + spec + ", env=" + env.keySet() + "]";
  }
}
