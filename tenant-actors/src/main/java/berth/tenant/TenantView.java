package berth.tenant;

import java.time.Instant;

/**
 * A tenant as the entity answers for it: what callers (the admin API, the reconcile loop) need, not
 * the persisted {@link TenantState}, so the state's shape can change without changing any answer.
 *
 * @param containerId null until the driver created (or adopted) the container
 * @param endpoint null until the container was started and published
 * @param failure why the tenant is FAILED; null in every other phase
 * @param pendingStep the step the tenant is carrying out, or null when none is owed
 * @param recovering the container was lost while READY and is being brought back
 * @param dataRetainedUntil a RETIRED tenant's data is kept until then (restore, purge); null when none is
 * @param node the cluster address of the node hosting the tenant's entity (its single writer)
 * @param image the image reference the current incarnation runs (its spec)
 */
public record TenantView(
    String slug,
    String displayName,
    Phase phase,
    int incarnation,
    String containerName,
    String containerId,
    Endpoint endpoint,
    Failure failure,
    Step pendingStep,
    boolean recovering,
    Instant dataRetainedUntil,
    String operationCorrelationId,
    Instant createdAt,
    Instant updatedAt,
    String node,
    int attempt,
    String lastAttemptError,
    int waitingForSlot,
    String image)
    implements CborSerializable {

  /** @param phase the phase a retry resumes */
  public record Failure(Phase phase, Step step, String reason, Instant at) implements CborSerializable {}

  public static TenantView of(TenantState s, String node) {
    return of(s, node, 0, null, 0);
  }

  /**
   * @param attempt the attempt of the owed step under way (0: none), from the step runner, not the journal
   * @param lastAttemptError why the previous attempt of that step failed, while it is retried
   * @param waitingForSlot the tenant's place in line for a slot to run its step (0: not waiting; {@link StepSlots})
   */
  public static TenantView of(TenantState s, String node, int attempt, String lastAttemptError, int waitingForSlot) {
    TenantState.Failure f = s.failure();
    return new TenantView(s.slug(), s.displayName(), s.phase(), s.incarnation(), s.containerName(), s.containerId(),
        s.endpoint(), f == null ? null : new Failure(f.phase(), f.step(), f.reason(), f.at()), s.pendingStep(),
        s.recovering(), s.retention() == null ? null : s.retention().until(), s.operationCorrelationId(), s.createdAt(), s.updatedAt(), node,
        s.pendingStep() == null ? 0 : attempt, s.pendingStep() == null ? null : lastAttemptError,
        s.pendingStep() == null ? 0 : waitingForSlot, s.spec() == null ? null : s.spec().image());
  }
}
