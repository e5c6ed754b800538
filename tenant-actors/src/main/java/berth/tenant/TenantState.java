package berth.tenant;

import java.time.Instant;

/**
 * Everything the journal says about one tenant, folded from its events. Immutable; the event handlers
 * in {@link TenantEntity} produce new values with the {@code with*} methods below.
 *
 * @param containerId null until the driver has created (or adopted) the container
 * @param endpoint null until the container has been started and published
 * @param failure why the tenant is FAILED; null in every other phase
 * @param operationCorrelationId the request the current operation descends from
 */
public record TenantState(
    String slug,
    String displayName,
    Phase phase,
    int incarnation,
    TenantSpec spec,
    String containerName,
    String volumeName,
    String containerId,
    Endpoint endpoint,
    Failure failure,
    String operationCorrelationId,
    Instant createdAt,
    Instant updatedAt)
    implements CborSerializable {

  /**
   * Why a step failed for good.
   *
   * @param phase the phase to return to when an operator retries
   */
  public record Failure(Phase phase, Step step, String reason, Instant at) implements CborSerializable {}

  public static TenantState empty(String slug) {
    return new TenantState(slug, null, Phase.EMPTY, 0, null, null, null, null, null, null, null, null, null);
  }

  /** The step the entity must carry out next in its current phase, or null when none is owed. */
  public Step pendingStep() {
    return switch (phase) {
      case PROVISIONING -> containerId == null ? Step.CREATE : Step.START;
      case INITIALIZING -> Step.INITIALIZE;
      case TEARING_DOWN -> Step.REMOVE;
      default -> null;
    };
  }

  TenantState provisioning(TenantEvent.ProvisioningRequested e) {
    return new TenantState(slug, e.displayName(), Phase.PROVISIONING, e.incarnation(), e.spec(),
        e.containerName(), e.volumeName(), null, null, null, e.provenance().correlationId(),
        e.provenance().at(), e.provenance().at());
  }

  TenantState withPhase(Phase next, Instant at) {
    return new TenantState(slug, displayName, next, incarnation, spec, containerName, volumeName,
        containerId, endpoint, next == Phase.FAILED ? failure : null, operationCorrelationId, createdAt, at);
  }

  TenantState withContainer(String id, Instant at) {
    return new TenantState(slug, displayName, phase, incarnation, spec, containerName, volumeName, id,
        endpoint, failure, operationCorrelationId, createdAt, at);
  }

  TenantState withEndpoint(Endpoint published, Phase next, Instant at) {
    return new TenantState(slug, displayName, next, incarnation, spec, containerName, volumeName,
        containerId, published, null, operationCorrelationId, createdAt, at);
  }

  TenantState withFailure(Failure f) {
    return new TenantState(slug, displayName, Phase.FAILED, incarnation, spec, containerName, volumeName,
        containerId, endpoint, f, operationCorrelationId, createdAt, f.at());
  }

  TenantState withOperation(String correlationId) {
    return new TenantState(slug, displayName, phase, incarnation, spec, containerName, volumeName,
        containerId, endpoint, failure, correlationId, createdAt, updatedAt);
  }

  TenantState retired(Instant at) {
    return new TenantState(slug, displayName, Phase.RETIRED, incarnation, spec, containerName, volumeName,
        null, null, null, operationCorrelationId, createdAt, at);
  }
}
