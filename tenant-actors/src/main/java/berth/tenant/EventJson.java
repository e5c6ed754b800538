package berth.tenant;

import berth.tenant.TenantEvent.ContainerCreated;
import berth.tenant.TenantEvent.ContainerLost;
import berth.tenant.TenantEvent.ContainerRecovered;
import berth.tenant.TenantEvent.ContainerStarted;
import berth.tenant.TenantEvent.ProvisioningRequested;
import berth.tenant.TenantEvent.PurgeRequested;
import berth.tenant.TenantEvent.RetryRequested;
import berth.tenant.TenantEvent.SecretsChanged;
import berth.tenant.TenantEvent.SecretsDelivered;
import berth.tenant.TenantEvent.StepFailed;
import berth.tenant.TenantEvent.TeardownRequested;
import berth.tenant.TenantEvent.TenantInitialized;
import berth.tenant.TenantEvent.TenantRetired;
import berth.tenant.TenantEvent.VolumePurged;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The public JSON of a journal entry ({@code GET /api/tenants/{slug}/events}, docs/api.md): one
 * record per event type, written out field by field, so that renaming a field of an event class
 * cannot change the API. A new event type without a view here fails {@code EventJsonTest} (and would
 * answer 500, never an invented shape).
 */
public final class EventJson {
  private EventJson() {}

  /** One entry: where it stands in the journal, what happened, and who asked, why, when. */
  public record Entry(long sequenceNr, String type, Instant at, String principal, String reason, String correlationId,
      Object data) {}

  public record Spec(String image, int containerPort, long memoryBytes, long nanoCpus, long pidsLimit,
      Map<String, String> labels, List<String> envNames, String network, Boolean readOnlyRootfs, Long tmpBytes,
      String user) {}

  public record EndpointJson(String host, int port) {
    static EndpointJson of(Endpoint e) {
      return e == null ? null : new EndpointJson(e.host(), e.port());
    }
  }

  public record Provisioning(String slug, String displayName, int incarnation, Spec spec, String containerName,
      String volumeName, boolean restored) {}

  public record Created(String containerId, boolean adopted) {}

  public record Started(String containerId, EndpointJson endpoint) {}

  public record Initialized(EndpointJson endpoint, long secretsVersion) {}

  public record Lost(String containerId, String observed) {}

  public record Recovered(String containerId, EndpointJson endpoint, long secretsVersion) {}

  public record SecretsChange(List<String> names, long version) {}

  public record SecretsVersion(long version) {}

  public record Failed(String phase, String step, String reason, int attempts) {}

  public record Retried(String resumedPhase) {}

  public record Nothing() {}

  public record Retired(String containerName, String volumeName, Instant dataRetainedUntil) {}

  public record Purged(String volumeName) {}

  public record Handoff(String tokenId, Instant expiresAt) {}

  public static Entry entry(long sequenceNr, TenantEvent event) {
    var p = event.provenance();
    return new Entry(sequenceNr, event.getClass().getSimpleName(), p.at(), p.principal(), p.reason(), p.correlationId(),
        data(event));
  }

  /** The event's own fields, as the API and the audit trail show them. */
  public static Object data(TenantEvent event) {
    if (event instanceof ProvisioningRequested e) {
      TenantSpec s = e.spec();
      return new Provisioning(e.slug(), e.displayName(), e.incarnation(), new Spec(s.image(), s.containerPort(),
          s.memoryBytes(), s.nanoCpus(), s.pidsLimit(), s.labels(), s.envNames(), s.network(), s.readOnlyRootfs(),
          s.tmpBytes(), s.user()), e.containerName(), e.volumeName(), e.restored());
    } else if (event instanceof ContainerCreated e) {
      return new Created(e.containerId(), e.adopted());
    } else if (event instanceof ContainerStarted e) {
      return new Started(e.containerId(), EndpointJson.of(e.endpoint()));
    } else if (event instanceof TenantInitialized e) {
      return new Initialized(EndpointJson.of(e.endpoint()), e.secretsVersion());
    } else if (event instanceof ContainerLost e) {
      return new Lost(e.containerId(), e.observed().label());
    } else if (event instanceof ContainerRecovered e) {
      return new Recovered(e.containerId(), EndpointJson.of(e.endpoint()), e.secretsVersion());
    } else if (event instanceof StepFailed e) {
      return new Failed(e.phase().name(), e.step().name(), e.reason(), e.attempts());
    } else if (event instanceof RetryRequested e) {
      return new Retried(e.resumedPhase().name());
    } else if (event instanceof TeardownRequested || event instanceof PurgeRequested) {
      return new Nothing();
    } else if (event instanceof TenantRetired e) {
      return new Retired(e.containerName(), e.volumeName(), e.dataRetainedUntil());
    } else if (event instanceof VolumePurged e) {
      return new Purged(e.volumeName());
    } else if (event instanceof SecretsChanged e) {
      return new SecretsChange(e.names(), e.version());
    } else if (event instanceof SecretsDelivered e) {
      return new SecretsVersion(e.version());
    } else if (event instanceof TenantEvent.SsoHandoffIssued e) {
      return new Handoff(e.tokenId(), e.expiresAt());
    }
    throw new IllegalArgumentException("no JSON view for " + event.getClass().getName());
  }
}
