package berth.tenant;

import java.util.concurrent.CompletionStage;

/**
 * The guest API every tenant image serves (docs/tenant-contract.md): a health check and a one-time
 * init delivery. Failures complete with {@link DriverException}; an unhealthy or not yet listening
 * guest is retryable.
 */
public interface TenantGuest {

  CompletionStage<Void> checkHealth(Endpoint endpoint);

  CompletionStage<Void> deliverInit(Endpoint endpoint, InitPayload payload);

  /** What a tenant receives once it is healthy. Secrets will join here; they are never journaled. */
  record InitPayload(String tenantId, String displayName, int incarnation) {}
}
