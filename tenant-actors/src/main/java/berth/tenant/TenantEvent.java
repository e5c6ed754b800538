package berth.tenant;

import java.time.Instant;
import java.util.List;

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
      Provenance provenance,
      boolean restored)
      implements TenantEvent {

    /** A new incarnation on new data ({@code restored} false), as every one journaled before restore existed. */
    public ProvisioningRequested(String slug, String displayName, int incarnation, TenantSpec spec,
        String containerName, String volumeName, Provenance provenance) {
      this(slug, displayName, incarnation, spec, containerName, volumeName, provenance, false);
    }
  }

  /** The driver created the container, or found and adopted one already bearing its name. */
  record ContainerCreated(String containerId, boolean adopted, Provenance provenance) implements TenantEvent {}

  /** The container runs and is published at the endpoint. */
  record ContainerStarted(String containerId, Endpoint endpoint, Provenance provenance)
      implements TenantEvent {}

  /**
   * The tenant was healthy and accepted its init payload: it is Ready.
   *
   * @param secretsVersion the version of its secrets the payload carried (0: none)
   */
  record TenantInitialized(Endpoint endpoint, Provenance provenance, long secretsVersion) implements TenantEvent {
    public TenantInitialized(Endpoint endpoint, Provenance provenance) {
      this(endpoint, provenance, 0);
    }
  }

  /**
   * A READY tenant's container was found dead, gone or replaced; the tenant goes back to PROVISIONING
   * to restart it, or re-create it on the same volume.
   */
  record ContainerLost(String containerId, ContainerLoss observed, Provenance provenance) implements TenantEvent {}

  /** A lost container is back: running, healthy and initialized again. The tenant is Ready. */
  record ContainerRecovered(String containerId, Endpoint endpoint, Provenance provenance, long secretsVersion)
      implements TenantEvent {
    public ContainerRecovered(String containerId, Endpoint endpoint, Provenance provenance) {
      this(containerId, endpoint, provenance, 0);
    }
  }

  /** The tenant's secrets changed (set, replaced or deleted): the names touched and the new version, never a value. */
  record SecretsChanged(List<String> names, long version, Provenance provenance) implements TenantEvent {
    public SecretsChanged {
      names = List.copyOf(names);
    }
  }

  /** A READY tenant received its changed secrets (its init payload again). */
  record SecretsDelivered(long version, Provenance provenance) implements TenantEvent {}

  /** A step failed permanently or ran out of attempts or time. */
  record StepFailed(Phase phase, Step step, String reason, int attempts, Provenance provenance)
      implements TenantEvent {}

  /** An operator asked to retry the phase that failed. */
  record RetryRequested(Phase resumedPhase, Provenance provenance) implements TenantEvent {}

  record TeardownRequested(Provenance provenance) implements TenantEvent {}

  /**
   * The container is gone. Its data volume is kept until {@code dataRetainedUntil} (restore brings the
   * tenant back on it), or is gone too when that is null (no retention, and every event journaled
   * before retention existed).
   */
  record TenantRetired(String containerName, String volumeName, Instant dataRetainedUntil, Provenance provenance)
      implements TenantEvent {

    public TenantRetired(String containerName, String volumeName, Provenance provenance) {
      this(containerName, volumeName, null, provenance);
    }
  }

  /** Someone (or the retention's expiry) asked to delete a retired tenant's retained data now. */
  record PurgeRequested(Provenance provenance) implements TenantEvent {}

  /**
   * A sign-in link into the tenant was minted for the principal (SSO handoff): its token id and
   * expiry, never the token. Changes nothing in the state; the audit trail records who went in.
   */
  record SsoHandoffIssued(String tokenId, java.time.Instant expiresAt, Provenance provenance) implements TenantEvent {}

  /** A retired tenant's retained data volume was deleted. */
  record VolumePurged(String volumeName, Provenance provenance) implements TenantEvent {}
}
