package berth.persistence;

import berth.audit.AuditChain;
import berth.audit.AuditEntry;
import berth.audit.SpecDiff;
import berth.tenant.TenantEvent;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.util.HashMap;
import java.util.Map;
import berth.tenant.Provenance;
import com.fasterxml.jackson.databind.JsonNode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.projection.ProjectionId;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.jdbc.javadsl.JdbcHandler;

/**
 * Feeds the {@code audit_log} from every tenant and account event (tag {@code audit}), in the order the
 * read journal delivers them (journal order), exactly once, one instance in the cluster (a sharded
 * daemon process, like the tenant directory). Events are appended in groups (up to
 * {@code berth.read-model.group-size} events, or what arrived within {@code group-within}), each group
 * and its offset in one transaction: a rebuild of a long journal costs one commit per group, not one per event. Each row's hash chains it to the row before
 * ({@link AuditChain}); {@code seq} numbers the chain, {@code position} keeps the journal's place. An
 * event committed so late that the read journal delivers it behind a later one is appended when it
 * arrives (and logged): nothing is skipped, and a rebuild would then place it at its journal position.
 */
public final class AuditProjection {
  public static final ProjectionId ID = ProjectionId.of("audit-log", Provenance.AUDIT_TAG);

  private AuditProjection() {}

  public static void init(ActorSystem<?> system, DataSource dataSource) {
    GroupedProjections.<Object>start(system, dataSource, ID, "audit-log-projection", Handler::new);
  }

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AuditProjection.class);

  /** Appends a group of entries, each chained to the one before, in the projection's transaction. */
  static final class Handler extends JdbcHandler<List<EventEnvelope<Object>>, DataSourceJdbcSession> {
    @Override
    public void process(DataSourceJdbcSession session, List<EventEnvelope<Object>> envelopes) throws Exception {
      session.withConnection(c -> {
        Set<Long> present = new HashSet<>(); // already appended (a replay after a crash)
        try (PreparedStatement ps = c.prepareStatement("SELECT position FROM audit_log WHERE position = ANY (?)")) {
          ps.setArray(1, c.createArrayOf("bigint",
              envelopes.stream().map(e -> ((Sequence) e.offset()).value()).toArray()));
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) present.add(rs.getLong(1));
          }
        }
        long seq = 1;
        long headPosition = 0;
        byte[] previous = AuditChain.GENESIS;
        try (var st = c.createStatement();
            ResultSet rs = st.executeQuery("SELECT seq, position, hash FROM audit_log ORDER BY seq DESC LIMIT 1")) {
          if (rs.next()) {
            seq = rs.getLong(1) + 1;
            headPosition = rs.getLong(2);
            previous = rs.getBytes(3);
          }
        }
        Map<String, JsonNode> specs = new HashMap<>(); // the last spec of each tenant in this group
        try (PreparedStatement ps = c.prepareStatement("""
            INSERT INTO audit_log (seq, position, at, actor, action, resource_type, resource_id, sequence_nr, reason,
                                   correlation_id, outcome, source_address, user_agent, details, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS JSONB), ?, ?)""")) {
          for (EventEnvelope<Object> envelope : envelopes) {
            long position = ((Sequence) envelope.offset()).value();
            if (!present.add(position)) continue;
            AuditEntry entry = AuditEntry.of(position, envelope.persistenceId(), envelope.sequenceNr(), envelope.event());
            JsonNode details = AuditChain.detailsTree(entry.details());
            if (envelope.event() instanceof TenantEvent.ProvisioningRequested && details.has("spec")) {
              // a new incarnation: what its spec changed from the one before
              JsonNode before = specs.containsKey(entry.resourceId()) ? specs.get(entry.resourceId())
                  : previousSpec(c, entry.resourceId());
              specs.put(entry.resourceId(), details.get("spec"));
              if (before != null) ((ObjectNode) details).set("specChanges", SpecDiff.between(before, details.get("spec")));
            }
            if (position < headPosition) {
              // committed late, behind an event already in the trail: appended now, at its own position
              log.warn("Audit: event at journal position {} arrived after position {}; appended as entry {}",
                  position, headPosition, seq);
            }
            byte[] hash = AuditChain.hash(previous, AuditChain.canonical(seq, entry, details));
            ps.setLong(1, seq);
            ps.setLong(2, entry.position());
            ps.setTimestamp(3, Timestamp.from(entry.at()));
            ps.setString(4, entry.actor());
            ps.setString(5, entry.action());
            ps.setString(6, entry.resourceType());
            ps.setString(7, entry.resourceId());
            ps.setLong(8, entry.sequenceNr());
            ps.setString(9, entry.reason());
            ps.setString(10, entry.correlationId());
            ps.setString(11, entry.outcome());
            ps.setString(12, entry.sourceAddress());
            ps.setString(13, entry.userAgent());
            ps.setString(14, details.toString());
            ps.setBytes(15, previous);
            ps.setBytes(16, hash);
            ps.addBatch();
            previous = hash;
            headPosition = Math.max(headPosition, position);
            seq++;
          }
          ps.executeBatch();
        }
        return null;
      });
    }

    /** The spec of the tenant's latest incarnation already in the trail, if any. */
    private static JsonNode previousSpec(Connection c, String tenant) throws java.sql.SQLException {
      try (PreparedStatement ps = c.prepareStatement("SELECT details->>'spec' FROM audit_log WHERE resource_type = 'tenant'"
          + " AND resource_id = ? AND action = 'ProvisioningRequested' ORDER BY seq DESC LIMIT 1")) {
        ps.setString(1, tenant);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() && rs.getString(1) != null ? SPEC_READER.readTree(rs.getString(1)) : null;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new java.sql.SQLException("unreadable spec in the audit trail of " + tenant, e);
        }
      }
    }
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper SPEC_READER = new com.fasterxml.jackson.databind.ObjectMapper();
}
