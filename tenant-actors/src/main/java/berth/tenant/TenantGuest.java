package berth.tenant;

import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The guest API every tenant image serves (docs/tenant-contract.md): a health check and a one-time
 * init delivery. Failures complete with {@link DriverException}; an unhealthy or not yet listening
 * guest is retryable.
 */
public interface TenantGuest {

  /**
   * The credential only Berth and this incarnation of the tenant know: handed to its container when
   * the container is created (never in its configuration), presented on every guest call, never
   * journaled or logged. Derived, so nothing new is stored.
   */
  String credentialFor(String tenantId, int incarnation);

  CompletionStage<Void> checkHealth(Endpoint endpoint, String credential);

  CompletionStage<Void> deliverInit(Endpoint endpoint, InitPayload payload, String credential);

  /** What a tenant receives once it is healthy, and again when its secrets change. Never journaled. */
  record InitPayload(String tenantId, String displayName, int incarnation, Map<String, String> secrets) {
    public InitPayload {
      secrets = Map.copyOf(secrets);
    }

    public InitPayload(String tenantId, String displayName, int incarnation) {
      this(tenantId, displayName, incarnation, Map.of());
    }

    /** Never shows a secret's value. */
    @Override
    public String toString() {
      return "InitPayload[tenantId=" + tenantId + ", displayName=" + displayName + ", incarnation=" + incarnation
          + ", secrets=" + secrets.keySet() + "]";
    }
  }
}
