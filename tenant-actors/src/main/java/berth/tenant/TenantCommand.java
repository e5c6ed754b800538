package berth.tenant;

import org.apache.pekko.actor.typed.ActorRef;

/** What a tenant entity can be asked, and the signals of the calls it started itself. */
public sealed interface TenantCommand extends CborSerializable {

  /**
   * Create the tenant, or a new incarnation of a RETIRED one.
   *
   * @param image the name of an image in {@code berth.tenant.images}, or {@code null} for the default image
   */
  record Provision(String displayName, String image, Provenance provenance, ActorRef<Reply> replyTo)
      implements TenantCommand {
    /** With the default image. */
    public Provision(String displayName, Provenance provenance, ActorRef<Reply> replyTo) {
      this(displayName, null, provenance, replyTo);
    }
  }

  record Teardown(Provenance provenance, ActorRef<Reply> replyTo) implements TenantCommand {}

  /** Resume the phase a FAILED tenant failed in. */
  record Retry(Provenance provenance, ActorRef<Reply> replyTo) implements TenantCommand {}

  record Get(ActorRef<Reply> replyTo) implements TenantCommand {}

  /** Bring a RETIRED tenant back on its retained data: a new incarnation on the same volume. */
  record Restore(Provenance provenance, ActorRef<Reply> replyTo) implements TenantCommand {}

  /** Delete a RETIRED tenant's retained data now. */
  record Purge(Provenance provenance, ActorRef<Reply> replyTo) implements TenantCommand {}

  /**
   * The admin API changed the tenant's secrets in the secret store: record it (names and version,
   * never a value) and deliver them to a READY tenant.
   */
  record RecordSecretsChange(java.util.List<String> names, long version, Provenance provenance, ActorRef<Reply> replyTo)
      implements TenantCommand {}

  /** Journal an SSO handoff before its link is given out: only a READY tenant takes one. */
  record RecordHandoff(String tokenId, java.time.Instant expiresAt, Provenance provenance, ActorRef<Reply> replyTo)
      implements TenantCommand {}

  /** From the reconcile loop: delete a RETIRED tenant's retained data if its retention has expired. */
  record PurgeExpired() implements TenantCommand {}

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

  /**
   * Signals of the calls the entity's {@link StepRunner} started; only ever sent by the entity to
   * itself, and handed to the runner, which turns them into outcomes the entity decides on.
   */
  sealed interface StepSignal extends TenantCommand {}

  /** An attempt of a step answered; {@code container} and {@code adopted} as the driver reported them. */
  record AttemptSucceeded(Step step, long attempt, ContainerInfo container, boolean adopted, long secretsVersion)
      implements StepSignal {}

  /**
   * @param containerMissing the step needed a container that does not exist (see DriverException)
   * @param notReady the tenant is not healthy yet: asked again at the health cadence, not counted as a failure
   */
  record AttemptFailed(Step step, long attempt, String reason, boolean retryable, boolean containerMissing,
      boolean notReady) implements StepSignal {
    public AttemptFailed(Step step, long attempt, String reason, boolean retryable, boolean containerMissing) {
      this(step, attempt, reason, retryable, containerMissing, false);
    }
  }

  /** A failed attempt's backoff is over. */
  record RetryStep(Step step) implements StepSignal {}

  /** The step's deadline has passed (a timer set when the step began). */
  record StepOverdue(Step step) implements StepSignal {}

  /** The tenant's turn to run steps has come ({@link StepSlots}). */
  record SlotGranted() implements StepSignal {}

  /** Still in line for a slot: time to remind the shard this entity is busy, not idle. */
  record StillWaiting() implements StepSignal {}

  /**
   * What the driver saw of the container: {@code container} is null when there is none. When
   * {@code inspected} is false the driver could not tell, and {@code container} means nothing.
   */
  record ContainerObserved(ContainerInfo container, boolean inspected, String hint) implements StepSignal {}

  /** Answers to {@link Provision}, {@link Teardown}, {@link Retry} and {@link Get}. */
  sealed interface Reply extends CborSerializable {}

  /** The command was accepted; the tenant as it is after it. */
  record Accepted(TenantView tenant) implements Reply {}

  record Rejected(Reason reason, String message) implements Reply {}

  enum Reason {
    /** The slug is taken by an active tenant. */
    ALREADY_EXISTS,
    /** No tenant was ever provisioned under the slug. */
    NOT_FOUND,
    /** The command makes no sense in the tenant's current phase. */
    ILLEGAL_STATE,
    /** The command asks for something that does not exist (an image name not in berth.tenant.images). */
    INVALID
  }
}
