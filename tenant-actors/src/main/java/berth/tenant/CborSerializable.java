package berth.tenant;

/**
 * Marker for messages, events and state that cross the wire or the journal. Bound to jackson-cbor in
 * this module's reference.conf (Pekko ships no such marker of its own).
 */
public interface CborSerializable {}
