package berth.docker;

import berth.tenant.Labels;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import java.util.Map;

/** Removes every container and volume a test fleet left behind. */
public final class TestFleet {
  private TestFleet() {}

  public static void removeAll(DockerClient docker, String fleet) {
    Map<String, String> filter = Map.of(Labels.MANAGED, "true", Labels.FLEET, fleet);
    for (var c : docker.listContainersCmd().withShowAll(true).withLabelFilter(filter).exec()) {
      try {
        docker.removeContainerCmd(c.getId()).withForce(true).exec();
      } catch (NotFoundException gone) {
        // already gone
      }
    }
    var volumes = docker.listVolumesCmd().withFilter("label", java.util.List.of(Labels.FLEET + "=" + fleet)).exec();
    if (volumes.getVolumes() != null) {
      for (var v : volumes.getVolumes()) {
        try {
          docker.removeVolumeCmd(v.getName()).exec();
        } catch (NotFoundException gone) {
          // already gone
        }
      }
    }
  }
}
