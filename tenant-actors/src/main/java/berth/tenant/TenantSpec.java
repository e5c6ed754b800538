package berth.tenant;

import java.util.List;
import java.util.Map;

/**
 * What a tenant's container is made of. Recorded verbatim in {@link TenantEvent.ProvisioningRequested}
 * so the journal shows exactly what was applied. Only environment variable <em>names</em> appear here;
 * values are derived or come from the secrets port and are never journaled.
 */
public record TenantSpec(
    String image,
    int containerPort,
    long memoryBytes,
    long nanoCpus,
    long pidsLimit,
    Map<String, String> labels,
    List<String> envNames)
    implements CborSerializable {

  public TenantSpec {
    labels = Map.copyOf(labels);
    envNames = List.copyOf(envNames);
  }
}
