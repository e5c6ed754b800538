package berth.tenant;

import java.util.List;
import java.util.Map;

/**
 * What a tenant's container is made of. Recorded verbatim in {@link TenantEvent.ProvisioningRequested}
 * so the journal shows exactly what was applied. Only environment variable <em>names</em> appear here;
 * values are derived or come from the secrets port and are never journaled.
 *
 * @param network the isolated network the container joins (no tenant reaches another on it)
 * @param readOnlyRootfs whether the root filesystem is read-only ({@code /data} and {@code /tmp} stay writable)
 * @param tmpBytes the size of the tmpfs mounted at {@code /tmp}
 * @param user the user the container runs as when its image names none (never root)
 */
public record TenantSpec(
    String image,
    int containerPort,
    long memoryBytes,
    long nanoCpus,
    long pidsLimit,
    Map<String, String> labels,
    List<String> envNames,
    String network,
    Boolean readOnlyRootfs,
    Long tmpBytes,
    String user)
    implements CborSerializable {

  public TenantSpec {
    labels = Map.copyOf(labels);
    envNames = List.copyOf(envNames);
  }

  /**
   * This spec, with the isolation and hardening fields that specs journaled before they existed lack
   * taken from {@code current}: a tenant provisioned then is isolated when its container is next created.
   */
  public TenantSpec hardenedAs(TenantSpec current) {
    return new TenantSpec(image, containerPort, memoryBytes, nanoCpus, pidsLimit, labels, envNames,
        network != null ? network : current.network(),
        readOnlyRootfs != null ? readOnlyRootfs : current.readOnlyRootfs(),
        tmpBytes != null ? tmpBytes : current.tmpBytes(),
        user != null ? user : current.user());
  }
}
