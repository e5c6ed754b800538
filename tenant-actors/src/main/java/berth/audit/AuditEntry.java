package berth.audit;

import berth.account.AccountEvent;
import berth.account.AccountEventJson;
import berth.tenant.EventJson;
import berth.tenant.Provenance;
import berth.tenant.TenantEvent;
import java.time.Instant;

/**
 * One line of the audit trail, derived from one journal event: who did what to which resource, when,
 * why, under which request, from where (client address and user agent, for requests through the admin
 * API), and how it ended. {@code position} is the event's place in the journal
 * (its global ordering), which orders the trail and its hash chain. {@code details} is the event's
 * public JSON view ({@link EventJson}, {@link AccountEventJson}): no secret value can reach it, since
 * no event holds one. The projection adds {@code specChanges} to a later incarnation's
 * {@code ProvisioningRequested} ({@link SpecDiff}).
 */
public record AuditEntry(long position, Instant at, String actor, String action, String resourceType,
    String resourceId, long sequenceNr, String reason, String correlationId, String outcome, String sourceAddress,
    String userAgent, Object details) {

  /** The journal events the trail takes in, by persistence id prefix. */
  public static AuditEntry of(long position, String persistenceId, long sequenceNr, Object event) {
    int bar = persistenceId.indexOf('|');
    String type = bar < 0 ? persistenceId : persistenceId.substring(0, bar);
    String id = bar < 0 ? "" : persistenceId.substring(bar + 1);
    if (event instanceof TenantEvent e) {
      return of(position, "tenant", id, sequenceNr, e, e.provenance(),
          e instanceof TenantEvent.StepFailed ? "failed" : "ok", EventJson.data(e));
    }
    if (event instanceof AccountEvent e) {
      return of(position, "account", id, sequenceNr, e, e.by(),
          e instanceof AccountEvent.SignInFailed ? "refused" : "ok", AccountEventJson.data(e));
    }
    throw new IllegalArgumentException("no audit rule for " + type + " events (" + event.getClass().getName() + ")");
  }

  private static AuditEntry of(long position, String resourceType, String resourceId, long sequenceNr, Object event,
      Provenance p, String outcome, Object details) {
    return new AuditEntry(position, micros(p.at()), clean(p.principal()), event.getClass().getSimpleName(), resourceType,
        resourceId, sequenceNr, clean(p.reason()), clean(p.correlationId()), outcome, clean(p.source()),
        clean(p.userAgent()), details);
  }

  /** PostgreSQL text and JSONB refuse NUL: one such character (a driver's error text) must not stop the trail. */
  static String clean(String s) {
    return s == null ? null : s.replace('\u0000', '\uFFFD');
  }

  /** The database keeps microseconds: the hashed instant is the one it gives back. */
  private static Instant micros(Instant at) {
    return at.truncatedTo(java.time.temporal.ChronoUnit.MICROS);
  }
}
