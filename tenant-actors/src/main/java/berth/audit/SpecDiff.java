package berth.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.TreeSet;

/**
 * What changed between the spec one incarnation of a tenant ran and the spec the next one runs, field
 * by field: {@code {"memoryBytes": {"from": 268435456, "to": 536870912}, "labels.team": {"from": null,
 * "to": "payments"}}}. Nested objects are compared by their fields (a dotted path); anything else —
 * lists included — as a whole value. A field that one side lacks counts as {@code null} there. Keys in
 * order, so the audit entry that carries it hashes the same when the trail is rebuilt.
 */
public final class SpecDiff {
  private SpecDiff() {}

  public static ObjectNode between(JsonNode before, JsonNode after) {
    ObjectNode changes = JsonNodeFactory.instance.objectNode();
    collect("", before, after, changes);
    return changes;
  }

  private static void collect(String prefix, JsonNode before, JsonNode after, ObjectNode changes) {
    TreeSet<String> fields = new TreeSet<>();
    names(before, fields);
    names(after, fields);
    for (String field : fields) {
      JsonNode from = value(before, field);
      JsonNode to = value(after, field);
      String path = prefix + field;
      if (from.isObject() && to.isObject()) {
        collect(path + ".", from, to, changes);
      } else if (!same(from, to)) {
        ObjectNode change = changes.putObject(path);
        change.set("from", from);
        change.set("to", to);
      }
    }
  }

  /** Equal values; numbers by value (a spec read back from the database may hold an int where one in memory holds a long). */
  static boolean same(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) return a.decimalValue().compareTo(b.decimalValue()) == 0;
    if (a.isArray() && b.isArray()) {
      if (a.size() != b.size()) return false;
      for (int i = 0; i < a.size(); i++) if (!same(a.get(i), b.get(i))) return false;
      return true;
    }
    if (a.isObject() && b.isObject()) {
      TreeSet<String> fields = new TreeSet<>();
      names(a, fields);
      names(b, fields);
      for (String f : fields) if (!same(value(a, f), value(b, f))) return false;
      return true;
    }
    return a.equals(b);
  }

  private static void names(JsonNode node, TreeSet<String> into) {
    if (node == null || !node.isObject()) return;
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) into.add(it.next());
  }

  private static JsonNode value(JsonNode node, String field) {
    JsonNode v = node == null ? null : node.get(field);
    return v == null ? NullNode.getInstance() : v;
  }
}
