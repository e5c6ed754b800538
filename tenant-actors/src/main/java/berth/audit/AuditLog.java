package berth.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The audit read model: entries derived from the journal by a projection, each chained to the one
 * before by its hash ({@link AuditChain}). Read-only to everyone: nothing here changes an entry.
 */
public interface AuditLog {

  /** What to look for; null fields match anything. {@code tenant} is a slug, {@code from}/{@code to} bound {@code at}. */
  record Filter(String tenant, String account, String actor, String action, Instant from, Instant to,
      String correlationId) {
    public static final Filter ALL = new Filter(null, null, null, null, null, null, null);
  }

  /** An entry as stored, with its place in the chain ({@code seq}, hex hashes). */
  record Stored(long seq, long position, Instant at, String actor, String action, String resourceType, String resourceId,
      long sequenceNr, String reason, String correlationId, String outcome, String sourceAddress, String userAgent,
      JsonNode details, String prevHash, String hash) {}

  /** One page, in chain order; {@code next} is the cursor (a {@code seq}) for the next page, null at the end. */
  record Page(List<Stored> entries, Long next) {}

  /** The outcome of walking the chain. */
  record Verification(long verified, boolean intact, Long firstBadSeq, Long firstBadPosition, String problem,
      Long headSeq, String headHash) {}

  /** Entries after {@code seq} {@code after} (exclusive), at most {@code limit}: a cursor stable under concurrent writes. */
  CompletionStage<Page> page(Filter filter, long after, int limit);

  /** Every matching entry after {@code after}, read page by page: memory stays flat however many there are. */
  Source<Stored, NotUsed> stream(Filter filter, long after);

  /** Walks the whole chain from the first entry, recomputing every hash. */
  CompletionStage<Verification> verify();
}
