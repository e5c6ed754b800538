package berth.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The audit trail's tamper evidence: each entry's hash is SHA-256 over the previous entry's hash and
 * the entry's canonical content (JSON, keys sorted, no whitespace), so changing, removing or
 * reordering any stored entry breaks every hash after it. Rebuilt from the same journal, the chain is
 * the same, byte for byte.
 */
public final class AuditChain {
  /** The previous hash of the first entry. */
  public static final byte[] GENESIS = new byte[32];

  private static final ObjectMapper CANONICAL = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
      .build();

  private AuditChain() {}

  /** Version of the canonical form, hashed with every entry: a change of the form is a new version. */
  public static final int FORMAT = 1;

  /** The details as the stored JSON tree (what the read model keeps and the API answers); NUL replaced. */
  public static JsonNode detailsTree(Object details) {
    return clean(CANONICAL.valueToTree(details));
  }

  private static JsonNode clean(JsonNode node) {
    if (node.isTextual()) return CANONICAL.getNodeFactory().textNode(AuditEntry.clean(node.asText()));
    if (node.isObject()) {
      ObjectNode out = CANONICAL.createObjectNode();
      node.fields().forEachRemaining(f -> out.set(AuditEntry.clean(f.getKey()), clean(f.getValue())));
      return out;
    }
    if (node.isArray()) {
      var out = CANONICAL.createArrayNode();
      node.forEach(n -> out.add(clean(n)));
      return out;
    }
    return node;
  }

  /** The canonical bytes of the {@code seq}-th entry, whose details are already a JSON tree. */
  public static byte[] canonical(long seq, AuditEntry entry, JsonNode details) {
    ObjectNode o = CANONICAL.createObjectNode();
    o.put("format", FORMAT);
    o.put("seq", seq);
    o.put("position", entry.position());
    o.put("at", entry.at().toString());
    o.put("actor", entry.actor());
    o.put("action", entry.action());
    o.put("resourceType", entry.resourceType());
    o.put("resourceId", entry.resourceId());
    o.put("sequenceNr", entry.sequenceNr());
    o.put("reason", entry.reason());
    o.put("correlationId", entry.correlationId());
    o.put("outcome", entry.outcome());
    o.put("sourceAddress", entry.sourceAddress());
    o.put("userAgent", entry.userAgent());
    o.set("details", sorted(details));
    try {
      return CANONICAL.writeValueAsString(sorted(o)).getBytes(StandardCharsets.UTF_8);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("audit entry not serializable", e);
    }
  }

  public static byte[] hash(byte[] previous, byte[] canonical) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(previous);
      sha.update(canonical);
      return sha.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A copy of the tree with every object's keys in order (what JSONB storage does not promise to keep). */
  private static JsonNode sorted(JsonNode node) {
    if (node == null || node.isNull()) return CANONICAL.nullNode();
    if (node.isObject()) {
      ObjectNode out = CANONICAL.createObjectNode();
      java.util.List<String> names = new java.util.ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      java.util.Collections.sort(names);
      for (String n : names) out.set(n, sorted(node.get(n)));
      return out;
    }
    if (node.isArray()) {
      var out = CANONICAL.createArrayNode();
      node.forEach(n -> out.add(sorted(n)));
      return out;
    }
    return node;
  }
}
