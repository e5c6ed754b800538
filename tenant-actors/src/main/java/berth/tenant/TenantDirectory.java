package berth.tenant;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The read model of all tenants, fed from the journal by a projection. It serves listings without a
 * journal scan or an entity per tenant. It lags the entities by the projection's polling interval; ask
 * the entity when the latest word on one tenant matters.
 */
public interface TenantDirectory {

  CompletionStage<List<TenantSummary>> list();

  CompletionStage<Optional<TenantSummary>> find(String slug);

  /** One row of the read model. */
  record TenantSummary(
      String slug,
      String displayName,
      Phase phase,
      int incarnation,
      String containerName,
      String containerId,
      Endpoint endpoint,
      String lastError,
      Instant createdAt,
      Instant updatedAt,
      Instant retainedUntil) {}
}
