package berth.tenant;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything the journal says about one tenant, folded from its events. Immutable; the event handlers
 * in {@link TenantEntity} produce new values with the {@code with*} methods below.
 *
 * @param containerId null until the driver has created (or adopted) the container
 * @param endpoint null until the container has been started and published
 * @param failure why the tenant is FAILED; null in every other phase
 * @param operationCorrelationId the request the current operation descends from
 * @param recovering the container was lost while READY and is being brought back
 * @param losses when the container was lost, most recent last (bounded), for crash-loop detection
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
    Instant updatedAt,
    boolean recovering,
    List<Instant> losses)
    implements CborSerializable {

  /** How many loss times are kept; enough for any sane crash-loop threshold. */
  static final int LOSSES_KEPT = 50;

  public TenantState {
    losses = losses == null ? List.of() : List.copyOf(losses); // null in snapshots older than the field
  }

  /** Losses of the container at or after {@code since}. */
  public long lossesSince(Instant since) {
    return losses.stream().filter(t -> !t.isBefore(since)).count();
  }

  /**
   * Why a step failed for good.
   *
   * @param phase the phase to return to when an operator retries
   */
  public record Failure(Phase phase, Step step, String reason, Instant at) implements CborSerializable {}

  public static TenantState empty(String slug) {
    return new TenantState(slug, null, Phase.EMPTY, 0, null, null, null, null, null, null, null, null, null, false, List.of());
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
        e.provenance().at(), e.provenance().at(), false, List.of());
  }

  TenantState withPhase(Phase next, Instant at) {
    return new TenantState(slug, displayName, next, incarnation, spec, containerName, volumeName,
        containerId, endpoint, next == Phase.FAILED ? failure : null, operationCorrelationId, createdAt, at,
        recovering, losses);
  }

  TenantState withContainer(String id, Instant at) {
    return new TenantState(slug, displayName, phase, incarnation, spec, containerName, volumeName, id,
        endpoint, failure, operationCorrelationId, createdAt, at, recovering, losses);
  }

  TenantState withEndpoint(Endpoint published, Phase next, Instant at) {
    return new TenantState(slug, displayName, next, incarnation, spec, containerName, volumeName,
        containerId, published, null, operationCorrelationId, createdAt, at, recovering && next != Phase.READY, losses);
  }

  TenantState withFailure(Failure f) {
    return new TenantState(slug, displayName, Phase.FAILED, incarnation, spec, containerName, volumeName,
        containerId, endpoint, f, operationCorrelationId, createdAt, f.at(), recovering, losses);
  }

  TenantState withOperation(String correlationId) {
    return new TenantState(slug, displayName, phase, incarnation, spec, containerName, volumeName,
        containerId, endpoint, failure, correlationId, createdAt, updatedAt, recovering, losses);
  }

  TenantState retired(Instant at) {
    return new TenantState(slug, displayName, Phase.RETIRED, incarnation, spec, containerName, volumeName,
        null, null, null, operationCorrelationId, createdAt, at, false, losses);
  }

  /**
   * The container is gone or stopped: back to PROVISIONING, owing START when the container still
   * exists and CREATE (on the same volume) when it does not.
   */
  TenantState lost(String observed, Instant at, String correlationId) {
    List<Instant> recent = new ArrayList<>(losses);
    if (!recovering) {
      recent.add(at); // a second observation during the same recovery is not a second crash
    }
    if (recent.size() > LOSSES_KEPT) {
      recent = recent.subList(recent.size() - LOSSES_KEPT, recent.size());
    }
    String keptId = observed.equals("exited") ? containerId : null;
    return new TenantState(slug, displayName, Phase.PROVISIONING, incarnation, spec, containerName, volumeName,
        keptId, null, null, correlationId, createdAt, at, true, recent);
  }
}
