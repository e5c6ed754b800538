package berth.api;

import berth.tenant.Endpoint;
import berth.tenant.TenantDirectory.TenantSummary;
import berth.tenant.TenantEvent;
import berth.tenant.TenantState;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/** JSON shapes of the admin API (see docs/api.md). */
final class TenantJson {
  private TenantJson() {}

  /** Body of POST /api/tenants. */
  record CreateTenant(String slug, String displayName, String reason) {}

  /** Optional body of DELETE and retry requests. */
  record Because(String reason) {}

  record Error(String error, String message) {}

  record Failure(String phase, String step, String reason, Instant at) {}

  record Tenant(
      String slug,
      String displayName,
      String phase,
      int incarnation,
      String containerName,
      String containerId,
      String endpoint,
      Failure failure,
      String lastError,
      Instant createdAt,
      Instant updatedAt,
      String node) {

    /** From the entity: always current, with the node hosting it. */
    static Tenant of(TenantState s, String node) {
      Failure f = s.failure() == null ? null
          : new Failure(s.failure().phase().name(), s.failure().step().name(), s.failure().reason(), s.failure().at());
      return new Tenant(s.slug(), s.displayName(), s.phase().name(), s.incarnation(), s.containerName(),
          s.containerId(), authority(s.endpoint()), f, f == null ? null : f.reason(), s.createdAt(), s.updatedAt(), node);
    }

    static Tenant of(TenantSummary s) {
      return new Tenant(s.slug(), s.displayName(), s.phase().name(), s.incarnation(), s.containerName(),
          s.containerId(), authority(s.endpoint()), null, s.lastError(), s.createdAt(), s.updatedAt(), null);
    }
  }

  static String authority(Endpoint e) {
    return e == null ? null : e.authority();
  }

  /** One journal entry: sequence number, event type, provenance, and the event's own fields. */
  static JsonNode event(long sequenceNr, TenantEvent event) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("sequenceNr", sequenceNr);
    node.put("type", event.getClass().getSimpleName());
    node.put("at", event.provenance().at().toString());
    node.put("principal", event.provenance().principal());
    node.put("reason", event.provenance().reason());
    node.put("correlationId", event.provenance().correlationId());
    ObjectNode data = Json.MAPPER.valueToTree(event);
    data.remove("provenance");
    node.set("data", data);
    return node;
  }
}
