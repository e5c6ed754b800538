package berth.tenant;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything the journal says about one tenant, folded from its events by {@link TenantEntity}'s
 * event handler. Immutable. Snapshots of it are CBOR; {@link TenantStateMigration} reads snapshots
 * written before the fields were grouped.
 *
 * @param container the tenant's container: null before the first provisioning
 * @param failure why the tenant is FAILED; null in every other phase
 * @param recovery losses of the container, and whether one is being repaired
 * @param retention a RETIRED tenant's kept data volume; null when there is none
 * @param secrets the version of the tenant's secrets and the version it last received; null: none ever set
 * @param operationCorrelationId the request the current operation descends from
 */
public record TenantState(
    String slug,
    String displayName,
    Phase phase,
    int incarnation,
    TenantSpec spec,
    Container container,
    Failure failure,
    Recovery recovery,
    Retention retention,
    Secrets secrets,
    String operationCorrelationId,
    Instant createdAt,
    Instant updatedAt)
    implements CborSerializable {

  public TenantState {
    recovery = recovery == null ? Recovery.NONE : recovery;
  }

  /**
   * The container the journal names: its name and volume are fixed when the incarnation is
   * requested, its id once the driver created or adopted it, its endpoint once it was started.
   */
  public record Container(String name, String volume, String id, Endpoint endpoint) implements CborSerializable {
    Container withId(String newId) {
      return new Container(name, volume, newId, endpoint);
    }

    Container withEndpoint(Endpoint published) {
      return new Container(name, volume, id, published);
    }
  }

  /**
   * Why a step failed for good.
   *
   * @param phase the phase to return to when an operator retries
   */
  public record Failure(Phase phase, Step step, String reason, Instant at) implements CborSerializable {}

  /** The tenant's secrets: their current version, and the version its container last received. */
  public record Secrets(long version, long delivered) implements CborSerializable {
    boolean owed() {
      return delivered < version;
    }
  }

  /**
   * A RETIRED tenant's data volume, kept until {@code until}.
   *
   * @param purging its deletion was asked for (by someone, or by the expiry) and is owed
   */
  public record Retention(String volume, Instant until, boolean purging) implements CborSerializable {
    public boolean expiredAt(Instant now) {
      return !until.isAfter(now);
    }
  }

  /**
   * @param inProgress the container was lost while READY and is being brought back
   * @param losses when the container was lost, most recent last (bounded), for crash-loop detection
   */
  public record Recovery(boolean inProgress, List<Instant> losses) implements CborSerializable {
    static final Recovery NONE = new Recovery(false, List.of());

    /** How many loss times are kept; enough for any sane crash-loop threshold. */
    static final int LOSSES_KEPT = 50;

    public Recovery {
      losses = losses == null ? List.of() : List.copyOf(losses);
    }

    /** Losses of the container at or after {@code since}. */
    public long lossesSince(Instant since) {
      return losses.stream().filter(t -> !t.isBefore(since)).count();
    }

    /** A new loss at {@code at}; a second observation during the same recovery is not a second crash. */
    Recovery lost(Instant at) {
      List<Instant> recent = new ArrayList<>(losses);
      if (!inProgress) {
        recent.add(at);
      }
      if (recent.size() > LOSSES_KEPT) {
        recent = recent.subList(recent.size() - LOSSES_KEPT, recent.size());
      }
      return new Recovery(true, recent);
    }

    Recovery done() {
      return new Recovery(false, losses);
    }
  }

  /**
   * The state after {@code event}: the entity's event handler, and the journal replay of the audit
   * (state at an instant) — one interpretation of the journal, not two.
   */
  public TenantState apply(TenantEvent event) {
    if (event instanceof TenantEvent.ProvisioningRequested e) return provisioning(e);
    if (event instanceof TenantEvent.ContainerCreated e) return created(e.containerId(), e.provenance().at());
    if (event instanceof TenantEvent.ContainerStarted e) return started(e.containerId(), e.endpoint(), e.provenance().at());
    if (event instanceof TenantEvent.TenantInitialized e) {
      return ready(e.endpoint(), e.provenance().at()).secretsDelivered(e.secretsVersion(), e.provenance().at());
    }
    if (event instanceof TenantEvent.ContainerLost e) {
      return lost(e.observed(), e.provenance().at(), e.provenance().correlationId());
    }
    if (event instanceof TenantEvent.ContainerRecovered e) {
      return ready(e.endpoint(), e.provenance().at()).secretsDelivered(e.secretsVersion(), e.provenance().at());
    }
    if (event instanceof TenantEvent.SecretsChanged e) return secretsChanged(e.version(), e.provenance().at());
    if (event instanceof TenantEvent.SecretsDelivered e) return secretsDelivered(e.version(), e.provenance().at());
    if (event instanceof TenantEvent.StepFailed e) {
      return failed(new Failure(e.phase(), e.step(), e.reason(), e.provenance().at()));
    }
    if (event instanceof TenantEvent.RetryRequested e) {
      return operation(e.resumedPhase(), e.provenance().correlationId(), e.provenance().at());
    }
    if (event instanceof TenantEvent.TeardownRequested e) {
      return operation(Phase.TEARING_DOWN, e.provenance().correlationId(), e.provenance().at());
    }
    if (event instanceof TenantEvent.TenantRetired e) return retired(e.dataRetainedUntil(), e.provenance().at());
    if (event instanceof TenantEvent.PurgeRequested e) return purging(e.provenance().correlationId(), e.provenance().at());
    if (event instanceof TenantEvent.VolumePurged e) return purged(e.provenance().at());
    if (event instanceof TenantEvent.SsoHandoffIssued) return this; // the trail's, not the state's
    throw new IllegalArgumentException("no state rule for " + event.getClass().getName());
  }

  public static TenantState empty(String slug) {
    return new TenantState(slug, null, Phase.EMPTY, 0, null, null, null, Recovery.NONE, null, null, null, null, null);
  }

  // ---------------------------------------------------------------- derived reads

  /** The step the entity must carry out next in its current phase, or null when none is owed. */
  public Step pendingStep() {
    return switch (phase) {
      case PROVISIONING -> containerId() == null ? Step.CREATE : Step.START;
      case INITIALIZING -> Step.INITIALIZE;
      case READY -> secrets != null && secrets.owed() ? Step.INITIALIZE : null; // changed secrets: init again
      case TEARING_DOWN -> Step.REMOVE;
      case RETIRED -> retention != null && retention.purging() ? Step.PURGE : null;
      default -> null;
    };
  }

  public String containerName() {
    return container == null ? null : container.name();
  }

  public String volumeName() {
    return container == null ? null : container.volume();
  }

  public String containerId() {
    return container == null ? null : container.id();
  }

  public Endpoint endpoint() {
    return container == null ? null : container.endpoint();
  }

  public boolean recovering() {
    return recovery.inProgress();
  }

  // ---------------------------------------------------------------- transitions (event handler only)

  TenantState provisioning(TenantEvent.ProvisioningRequested e) {
    return new TenantState(slug, e.displayName(), Phase.PROVISIONING, e.incarnation(), e.spec(),
        new Container(e.containerName(), e.volumeName(), null, null), null, Recovery.NONE, null,
        e.restored() && secrets != null ? new Secrets(secrets.version(), 0) : null, // kept with the data
        e.provenance().correlationId(), e.provenance().at(), e.provenance().at());
  }

  TenantState created(String id, Instant at) {
    return with(phase, container.withId(id), failure, recovery, at);
  }

  TenantState started(String id, Endpoint published, Instant at) {
    return with(Phase.INITIALIZING, container.withId(id).withEndpoint(published), null, recovery, at);
  }

  /** Initialized, or recovered from a loss: READY at the endpoint. */
  TenantState ready(Endpoint published, Instant at) {
    return with(Phase.READY, container.withEndpoint(published), null, recovery.done(), at);
  }

  TenantState failed(Failure f) {
    return with(Phase.FAILED, container, f, recovery, f.at());
  }

  /** An operator retry or a teardown: a new operation, in {@code next}. */
  TenantState operation(Phase next, String correlationId, Instant at) {
    return new TenantState(slug, displayName, next, incarnation, spec, container, null, recovery, retention, secrets,
        correlationId, createdAt, at);
  }

  TenantState secretsChanged(long version, Instant at) {
    long delivered = secrets == null ? 0 : secrets.delivered();
    long newest = secrets == null ? version : Math.max(secrets.version(), version);
    return new TenantState(slug, displayName, phase, incarnation, spec, container, failure, recovery, retention,
        new Secrets(newest, delivered), operationCorrelationId, createdAt, at);
  }

  /** The container received the secrets of {@code version} (0: it received none). */
  TenantState secretsDelivered(long version, Instant at) {
    if (secrets == null) {
      return this;
    }
    return new TenantState(slug, displayName, phase, incarnation, spec, container, failure, recovery, retention,
        new Secrets(secrets.version(), Math.max(secrets.delivered(), version)), operationCorrelationId, createdAt, at);
  }

  TenantState retired(Instant dataRetainedUntil, Instant at) {
    Retention kept = dataRetainedUntil == null ? null : new Retention(container.volume(), dataRetainedUntil, false);
    return new TenantState(slug, displayName, Phase.RETIRED, incarnation, spec,
        container.withId(null).withEndpoint(null), null, recovery.done(), kept, kept == null ? null : secrets,
        operationCorrelationId, createdAt, at);
  }

  TenantState purging(String correlationId, Instant at) {
    return new TenantState(slug, displayName, phase, incarnation, spec, container, failure, recovery,
        new Retention(retention.volume(), retention.until(), true), secrets, correlationId, createdAt, at);
  }

  TenantState purged(Instant at) {
    return new TenantState(slug, displayName, phase, incarnation, spec, container, failure, recovery, null, null,
        operationCorrelationId, createdAt, at);
  }

  /**
   * The container is gone or stopped: back to PROVISIONING, owing START when the container still
   * exists and CREATE (on the same volume) when it does not.
   */
  TenantState lost(ContainerLoss loss, Instant at, String correlationId) {
    Container kept = container.withId(loss.keepsContainer() ? container.id() : null).withEndpoint(null);
    return new TenantState(slug, displayName, Phase.PROVISIONING, incarnation, spec, kept, null, recovery.lost(at),
        retention, secrets == null ? null : new Secrets(secrets.version(), 0), correlationId, createdAt, at);
  }

  private TenantState with(Phase next, Container c, Failure f, Recovery r, Instant at) {
    return new TenantState(slug, displayName, next, incarnation, spec, c, f, r, retention, secrets,
        operationCorrelationId, createdAt, at);
  }
}
