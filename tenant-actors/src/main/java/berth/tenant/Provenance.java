package berth.tenant;

import java.time.Instant;
import java.util.Objects;

/**
 * Who asked for something, why, when, and which request it belongs to. Every event carries one: the
 * journal is the audit trail.
 *
 * @param principal the authenticated caller, or {@link #SYSTEM} for steps Berth takes on its own
 * @param reason free text supplied by the caller, or Berth's own explanation
 * @param at when the fact was decided
 * @param correlationId the request this fact descends from; system steps inherit the id of the
 *     request that started the operation
 * @param source the client's address, for facts asked for through the admin API (else null)
 * @param userAgent the client's User-Agent, likewise (else null)
 */
public record Provenance(String principal, String reason, Instant at, String correlationId, String source,
    String userAgent) implements CborSerializable {

  public static final String SYSTEM = "system";

  /** The tag every tenant and account event carries: the audit trail's projection reads it, in journal order. */
  public static final String AUDIT_TAG = "audit";

  public Provenance {
    Objects.requireNonNull(principal, "principal");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(correlationId, "correlationId");
  }

  /** A fact not asked for through the API (or recorded before sources were). */
  public Provenance(String principal, String reason, Instant at, String correlationId) {
    this(principal, reason, at, correlationId, null, null);
  }

  /** A step Berth takes by itself while carrying out the request identified by correlationId. */
  public static Provenance system(String reason, Instant at, String correlationId) {
    return new Provenance(SYSTEM, reason, at, correlationId);
  }
}
