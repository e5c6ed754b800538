package berth.tenant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * Reads {@link TenantState} snapshots of version 1, whose fifteen fields were flat, into today's
 * grouped shape (version 2). Registered in this module's reference.conf; proven against snapshots
 * written by version 1 in {@code TenantStateMigrationTest}.
 */
public final class TenantStateMigration extends JacksonMigration {

  @Override
  public int currentVersion() {
    return 2;
  }

  @Override
  public JsonNode transform(int fromVersion, JsonNode json) {
    if (fromVersion >= 2 || !(json instanceof ObjectNode v1)) {
      return json;
    }
    ObjectNode v2 = v1.deepCopy();
    JsonNode name = v2.remove("containerName");
    JsonNode volume = v2.remove("volumeName");
    JsonNode id = v2.remove("containerId");
    JsonNode endpoint = v2.remove("endpoint");
    if (name == null || name.isNull()) {
      v2.putNull("container");
    } else {
      ObjectNode container = v2.putObject("container");
      container.set("name", name);
      container.set("volume", volume);
      container.set("id", id);
      container.set("endpoint", endpoint);
    }
    JsonNode recovering = v2.remove("recovering");
    JsonNode losses = v2.remove("losses");
    ObjectNode recovery = v2.putObject("recovery");
    recovery.put("inProgress", recovering != null && recovering.asBoolean());
    recovery.set("losses", losses == null || losses.isNull() ? JsonNodeFactory.instance.arrayNode() : losses);
    return v2;
  }
}
