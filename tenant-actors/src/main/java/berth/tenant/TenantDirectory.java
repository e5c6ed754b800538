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

  /**
   * Every row, with the journal offset (of the tenant tag) the rows reflect: a live stream started
   * after that offset misses nothing and repeats nothing. This default knows no offset (0).
   */
  default CompletionStage<Listing> snapshot() {
    return list().thenApply(rows -> new Listing(rows, 0));
  }

  /** The rows and the journal offset they reflect. */
  record Listing(List<TenantSummary> tenants, long offset) {}

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
