package berth.tenant;

import org.apache.pekko.actor.typed.ActorRef;

/** What a tenant entity can be asked, and the outcomes of the steps it started itself. */
public sealed interface TenantCommand extends CborSerializable {

  /** Create the tenant, or a new incarnation of a RETIRED one. */
  record Provision(String displayName, Provenance provenance, ActorRef<Reply> replyTo) implements TenantCommand {}

  record Teardown(Provenance provenance, ActorRef<Reply> replyTo) implements TenantCommand {}

  /** Resume the phase a FAILED tenant failed in. */
  record Retry(Provenance provenance, ActorRef<Reply> replyTo) implements TenantCommand {}

  record Get(ActorRef<Reply> replyTo) implements TenantCommand {}

  /**
   * Start the pending step if none is running. Sent after restarts so that tenants caught
   * mid-operation resume without a request; harmless at any other time.
   */
  record Wake() implements TenantCommand {}

  /**
   * Something suggests the tenant's container died (a Docker event, the reconcile loop). A READY
   * tenant inspects its container and recovers it if it is not running; harmless in any other phase.
   */
  record CheckContainer(String hint) implements TenantCommand {}

  // --- outcomes of the entity's own steps; only ever sent by the entity to itself

  /**
   * What the driver saw of the container: {@code container} is null when there is none. When
   * {@code inspected} is false the driver could not tell, and {@code container} means nothing.
   */
  record ContainerObserved(ContainerInfo container, boolean inspected, String hint) implements TenantCommand {}


  record StepSucceeded(Step step, ContainerInfo container, boolean adopted) implements TenantCommand {}

  /** @param containerMissing the step needed a container that does not exist (see DriverException) */
  record StepAttemptFailed(Step step, String reason, boolean retryable, boolean containerMissing)
      implements TenantCommand {}

  record RetryStep(Step step) implements TenantCommand {}

  /** The step's deadline has passed (a timer the entity set when the step began). */
  record StepOverdue(Step step) implements TenantCommand {}

  /** Answers to {@link Provision}, {@link Teardown}, {@link Retry} and {@link Get}. */
  sealed interface Reply extends CborSerializable {}

  /** @param node the cluster address of the node hosting the tenant's entity (its single writer) */
  record Accepted(TenantState state, String node) implements Reply {}

  record Rejected(Reason reason, String message) implements Reply {}

  enum Reason {
    /** The slug is taken by an active tenant. */
    ALREADY_EXISTS,
    /** No tenant was ever provisioned under the slug. */
    NOT_FOUND,
    /** The command makes no sense in the tenant's current phase. */
    ILLEGAL_STATE
  }
}
