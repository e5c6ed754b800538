package berth.persistence;

import berth.tenant.Endpoint;
import berth.tenant.Phase;
import berth.tenant.TenantEvent;
import berth.tenant.TenantEvent.ContainerCreated;
import berth.tenant.TenantEvent.ContainerLost;
import berth.tenant.TenantEvent.ContainerRecovered;
import berth.tenant.TenantEvent.ContainerStarted;
import berth.tenant.TenantEvent.ProvisioningRequested;
import berth.tenant.TenantEvent.PurgeRequested;
import berth.tenant.TenantEvent.RetryRequested;
import berth.tenant.TenantEvent.StepFailed;
import berth.tenant.TenantEvent.TeardownRequested;
import berth.tenant.TenantEvent.TenantInitialized;
import berth.tenant.TenantEvent.SecretsChanged;
import berth.tenant.TenantEvent.SecretsDelivered;
import berth.tenant.TenantEvent.TenantRetired;
import berth.tenant.TenantEvent.VolumePurged;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.sql.Types;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.jdbc.javadsl.JdbcHandler;

/** Folds one tenant event into its {@code tenant_directory} row. */
final class TenantDirectoryHandler extends JdbcHandler<EventEnvelope<TenantEvent>, DataSourceJdbcSession> {

  @Override
  public void process(DataSourceJdbcSession session, EventEnvelope<TenantEvent> envelope) throws Exception {
    String slug = envelope.persistenceId().substring(envelope.persistenceId().indexOf('|') + 1);
    TenantEvent event = envelope.event();
    Timestamp at = Timestamp.from(event.provenance().at());
    session.withConnection(c -> {
      if (event instanceof ProvisioningRequested e) {
        upsertNew(c, slug, e, at);
      } else if (event instanceof ContainerCreated e) {
        update(c, slug, at, "container_id = ?", e.containerId());
      } else if (event instanceof ContainerStarted e) {
        updateEndpoint(c, slug, at, e.containerId(), e.endpoint(), Phase.INITIALIZING);
      } else if (event instanceof TenantInitialized) {
        update(c, slug, at, "phase = ?", Phase.READY.name());
      } else if (event instanceof ContainerLost e) {
        update(c, slug, at, "phase = ?, container_id = ?, endpoint_host = NULL, endpoint_port = NULL, last_error = ?",
            Phase.PROVISIONING.name(), e.observed().keepsContainer() ? e.containerId() : null,
            "container " + e.observed().label());
      } else if (event instanceof ContainerRecovered) {
        update(c, slug, at, "phase = ?", Phase.READY.name());
      } else if (event instanceof StepFailed e) {
        update(c, slug, at, "phase = ?, last_error = ?", Phase.FAILED.name(), e.reason());
      } else if (event instanceof RetryRequested e) {
        update(c, slug, at, "phase = ?, last_error = NULL", e.resumedPhase().name());
      } else if (event instanceof TeardownRequested) {
        update(c, slug, at, "phase = ?", Phase.TEARING_DOWN.name());
      } else if (event instanceof TenantRetired e) {
        update(c, slug, at, "phase = ?, container_id = NULL, endpoint_host = NULL, endpoint_port = NULL, "
            + "retained_until = CAST(? AS TIMESTAMPTZ)", Phase.RETIRED.name(),
            e.dataRetainedUntil() == null ? null : e.dataRetainedUntil().toString());
      } else if (event instanceof PurgeRequested e) {
        // due now: the reconcile loop nudges the entity until the purge is done, even across restarts
        update(c, slug, at, "retained_until = CAST(? AS TIMESTAMPTZ)", e.provenance().at().toString());
      } else if (event instanceof VolumePurged) {
        update(c, slug, at, "retained_until = NULL");
      } else if (event instanceof SecretsChanged || event instanceof SecretsDelivered
          || event instanceof TenantEvent.SsoHandoffIssued) {
        return null; // the directory shows no secrets, not even their version
      } else {
        throw new IllegalArgumentException("no read-model rule for " + event.getClass().getName());
      }
      return null;
    });
  }

  private static void upsertNew(Connection c, String slug, ProvisioningRequested e, Timestamp at) throws Exception {
    try (PreparedStatement ps = c.prepareStatement("""
        INSERT INTO tenant_directory (slug, display_name, phase, incarnation, container_name, container_id,
                                      endpoint_host, endpoint_port, last_error, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, ?, ?)
        ON CONFLICT (slug) DO UPDATE SET
          display_name = EXCLUDED.display_name, phase = EXCLUDED.phase, incarnation = EXCLUDED.incarnation,
          container_name = EXCLUDED.container_name, container_id = NULL, endpoint_host = NULL,
          endpoint_port = NULL, last_error = NULL, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at,
          retained_until = NULL
        """)) {
      ps.setString(1, slug);
      ps.setString(2, e.displayName());
      ps.setString(3, Phase.PROVISIONING.name());
      ps.setInt(4, e.incarnation());
      ps.setString(5, e.containerName());
      ps.setTimestamp(6, at);
      ps.setTimestamp(7, at);
      ps.executeUpdate();
    }
  }

  private static void updateEndpoint(Connection c, String slug, Timestamp at, String containerId, Endpoint ep, Phase phase)
      throws Exception {
    try (PreparedStatement ps = c.prepareStatement(
        "UPDATE tenant_directory SET container_id = ?, endpoint_host = ?, endpoint_port = ?, phase = ?, updated_at = ? WHERE slug = ?")) {
      ps.setString(1, containerId);
      ps.setString(2, ep == null ? null : ep.host());
      if (ep == null) ps.setNull(3, Types.INTEGER); else ps.setInt(3, ep.port());
      ps.setString(4, phase.name());
      ps.setTimestamp(5, at);
      ps.setString(6, slug);
      ps.executeUpdate();
    }
  }

  private static void update(Connection c, String slug, Timestamp at, String assignments, String... values) throws Exception {
    try (PreparedStatement ps = c.prepareStatement(
        "UPDATE tenant_directory SET " + assignments + ", updated_at = ? WHERE slug = ?")) {
      int i = 1;
      for (String v : values) ps.setString(i++, v);
      ps.setTimestamp(i++, at);
      ps.setString(i, slug);
      ps.executeUpdate();
    }
  }
}
