package berth.persistence;

import berth.audit.AuditChain;
import berth.audit.AuditEntry;
import berth.tenant.Provenance;
import com.fasterxml.jackson.databind.JsonNode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.util.Optional;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.ShardedDaemonProcessSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.projection.ProjectionBehavior;
import org.apache.pekko.projection.ProjectionId;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.eventsourced.javadsl.EventSourcedProvider;
import org.apache.pekko.projection.javadsl.SourceProvider;
import org.apache.pekko.projection.jdbc.javadsl.JdbcHandler;
import org.apache.pekko.projection.jdbc.javadsl.JdbcProjection;

/**
 * Feeds the {@code audit_log} from every tenant and account event (tag {@code audit}), in journal
 * order, exactly once, one instance in the cluster (a sharded daemon process, like the tenant
 * directory). Each row's hash chains it to the row before ({@link AuditChain}).
 */
public final class AuditProjection {
  public static final ProjectionId ID = ProjectionId.of("audit-log", Provenance.AUDIT_TAG);

  private AuditProjection() {}

  public static void init(ActorSystem<?> system, DataSource dataSource) {
    SourceProvider<Offset, EventEnvelope<Object>> source =
        EventSourcedProvider.eventsByTag(system, JdbcReadJournal.Identifier(), Provenance.AUDIT_TAG);
    var config = system.settings().config().getConfig("berth.read-model");
    var projection = JdbcProjection
        .exactlyOnce(ID, source, () -> new DataSourceJdbcSession(dataSource), Handler::new, system)
        .withRestartBackoff(config.getDuration("restart-min-backoff"), config.getDuration("restart-max-backoff"), 0.2);
    ShardedDaemonProcess.get(system).init(
        ProjectionBehavior.Command.class,
        "audit-log-projection",
        1,
        i -> ProjectionBehavior.create(projection),
        ShardedDaemonProcessSettings.create(system),
        Optional.of(ProjectionBehavior.stopMessage()));
  }

  /** Appends one entry, chained to the last one, in the projection's transaction. */
  static final class Handler extends JdbcHandler<EventEnvelope<Object>, DataSourceJdbcSession> {
    @Override
    public void process(DataSourceJdbcSession session, EventEnvelope<Object> envelope) throws Exception {
      long position = ((Sequence) envelope.offset()).value();
      AuditEntry entry = AuditEntry.of(position, envelope.persistenceId(), envelope.sequenceNr(), envelope.event());
      JsonNode details = AuditChain.detailsTree(entry.details());
      session.withConnection(c -> {
        byte[] previous = AuditChain.GENESIS;
        try (ResultSet rs = c.createStatement().executeQuery(
            "SELECT position, hash FROM audit_log ORDER BY position DESC LIMIT 1")) {
          if (rs.next()) {
            if (rs.getLong(1) >= position) return null; // already there (a replay after a crash)
            previous = rs.getBytes(2);
          }
        }
        byte[] hash = AuditChain.hash(previous, AuditChain.canonical(entry, details));
        try (PreparedStatement ps = c.prepareStatement("""
            INSERT INTO audit_log (position, at, actor, action, resource_type, resource_id, sequence_nr, reason,
                                   correlation_id, outcome, details, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS JSONB), ?, ?)""")) {
          ps.setLong(1, entry.position());
          ps.setTimestamp(2, Timestamp.from(entry.at()));
          ps.setString(3, entry.actor());
          ps.setString(4, entry.action());
          ps.setString(5, entry.resourceType());
          ps.setString(6, entry.resourceId());
          ps.setLong(7, entry.sequenceNr());
          ps.setString(8, entry.reason());
          ps.setString(9, entry.correlationId());
          ps.setString(10, entry.outcome());
          ps.setString(11, details.toString());
          ps.setBytes(12, previous);
          ps.setBytes(13, hash);
          ps.executeUpdate();
        }
        return null;
      });
    }
  }
}
