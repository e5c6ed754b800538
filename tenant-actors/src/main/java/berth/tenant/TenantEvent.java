package berth.tenant;

/**
 * Facts in a tenant's journal, named in the past tense. Each carries its {@link Provenance}: the
 * journal is both what drives the entity and the audit trail operators read.
 */
public sealed interface TenantEvent extends CborSerializable {

  Provenance provenance();

  /** Someone asked for a tenant; the spec and container names are fixed here, before any side effect. */
  record ProvisioningRequested(
      String slug,
      String displayName,
      int incarnation,
      TenantSpec spec,
      String containerName,
      String volumeName,
      Provenance provenance)
      implements TenantEvent {}

  /** The driver created the container, or found and adopted one already bearing its name. */
  record ContainerCreated(String containerId, boolean adopted, Provenance provenance) implements TenantEvent {}

  /** The container runs and is published at the endpoint. */
  record ContainerStarted(String containerId, Endpoint endpoint, Provenance provenance)
      implements TenantEvent {}

  /** The tenant was healthy and accepted its init payload: it is Ready. */
  record TenantInitialized(Endpoint endpoint, Provenance provenance) implements TenantEvent {}

  /**
   * A READY tenant's container was found dead, gone or replaced; the tenant goes back to PROVISIONING
   * to restart it, or re-create it on the same volume.
   */
  record ContainerLost(String containerId, ContainerLoss observed, Provenance provenance) implements TenantEvent {}

  /** A lost container is back: running, healthy and initialized again. The tenant is Ready. */
  record ContainerRecovered(String containerId, Endpoint endpoint, Provenance provenance) implements TenantEvent {}

  /** A step failed permanently or ran out of attempts or time. */
  record StepFailed(Phase phase, Step step, String reason, int attempts, Provenance provenance)
      implements TenantEvent {}

  /** An operator asked to retry the phase that failed. */
  record RetryRequested(Phase resumedPhase, Provenance provenance) implements TenantEvent {}

  record TeardownRequested(Provenance provenance) implements TenantEvent {}

  /** The container and its data volume are gone; the slug may be provisioned again. */
  record TenantRetired(String containerName, String volumeName, Provenance provenance)
      implements TenantEvent {}
}
