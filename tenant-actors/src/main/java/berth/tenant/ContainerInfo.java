package berth.tenant;

import java.util.Map;

/**
 * What a driver reports about one container it manages.
 *
 * @param endpoint where the container's port is published, or null when it is not running
 */
public record ContainerInfo(
    String id,
    String name,
    String tenantId,
    boolean running,
    Endpoint endpoint,
    Map<String, String> labels) {

  public ContainerInfo {
    labels = Map.copyOf(labels);
  }
}
