package berth.api;

import berth.tenant.Endpoint;
import berth.tenant.TenantDirectory.TenantSummary;
import berth.tenant.TenantView;
import java.time.Instant;

/** JSON shapes of the admin API (see docs/api.md). */
final class TenantJson {
  private TenantJson() {}

  /** Body of POST /api/tenants. */
  /**
   * @param image optional: the name of an image in berth.tenant.images (never an image reference)
   * @param secrets optional: NAME → value, stored sealed and delivered at initialization, never echoed
   */
  record CreateTenant(String slug, String displayName, String image, String reason,
      com.fasterxml.jackson.databind.JsonNode secrets) {}

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
      String step,
      int attempt,
      String lastAttemptError,
      int waitingForSlot,
      Instant dataRetainedUntil,
      Instant createdAt,
      Instant updatedAt,
      String node,
      String image) {

    /** From the entity: always current, with the node hosting it and the step under way. */
    static Tenant of(TenantView t) {
      Failure f = t.failure() == null ? null
          : new Failure(t.failure().phase().name(), t.failure().step().name(), t.failure().reason(), t.failure().at());
      return new Tenant(t.slug(), t.displayName(), t.phase().name(), t.incarnation(), t.containerName(),
          t.containerId(), authority(t.endpoint()), f, f == null ? null : f.reason(),
          t.pendingStep() == null ? null : t.pendingStep().name(), t.attempt(), t.lastAttemptError(),
          t.waitingForSlot(), t.dataRetainedUntil(), t.createdAt(), t.updatedAt(), t.node(), t.image());
    }

    /** From the read model, which lags the entities a little and knows no node or step. */
    static Tenant of(TenantSummary s) {
      return new Tenant(s.slug(), s.displayName(), s.phase().name(), s.incarnation(), s.containerName(),
          s.containerId(), authority(s.endpoint()), null, s.lastError(), null, 0, null, 0, s.retainedUntil(), s.createdAt(),
          s.updatedAt(), null, null);
    }
  }

  static String authority(Endpoint e) {
    return e == null ? null : e.authority();
  }
}
