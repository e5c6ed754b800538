package berth.router;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * The paths docs/tenant-contract.md reserves for Berth ({@code /.berth/...}, the guest API), which the
 * router must never forward, however they are spelled: a tenant's web server may decode, fold case,
 * strip {@code ;} parameters, merge slashes or resolve dot segments where the router would not, and
 * then {@code /.BERTH/init}, {@code /%2eberth/init}, {@code /.berth;x/init}, {@code //.berth/init} or
 * {@code /a/../.berth/init} would reach the guest API. So the router compares against the path as the
 * most lenient server would read it, and forwards only the SSO landing, in its one exact spelling.
 */
final class ReservedPaths {
  static final String SSO_PATH = "/.berth/sso";
  private static final String RESERVED_SEGMENT = ".berth";
  private static final int MAX_DECODE_ROUNDS = 3;

  private ReservedPaths() {}

  /** Whether the router must answer 404 instead of forwarding {@code path}. */
  static boolean refused(String path) {
    if (path.equals(SSO_PATH)) {
      return false;
    }
    String canonical = canonical(path);
    return canonical.equals("/" + RESERVED_SEGMENT) || canonical.startsWith("/" + RESERVED_SEGMENT + "/");
  }

  /**
   * The path decoded (repeatedly, so double encoding gains nothing), lower-cased, backslashes as
   * slashes, {@code ;} parameters and empty and {@code .} segments dropped, {@code ..} resolved.
   */
  static String canonical(String path) {
    String decoded = path;
    for (int i = 0; i < MAX_DECODE_ROUNDS; i++) {
      String next;
      try {
        next = URLDecoder.decode(decoded.replace("+", "%2B"), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException malformed) {
        break; // a stray '%': read the rest as it stands
      }
      if (next.equals(decoded)) break;
      decoded = next;
    }
    String lowered = decoded.toLowerCase(Locale.ROOT).replace('\\', '/');
    Deque<String> segments = new ArrayDeque<>();
    for (String raw : lowered.split("/")) {
      int semicolon = raw.indexOf(';');
      String segment = (semicolon >= 0 ? raw.substring(0, semicolon) : raw).strip();
      if (segment.isEmpty() || segment.equals(".")) continue;
      if (segment.equals("..")) {
        segments.pollLast();
        continue;
      }
      segments.addLast(segment);
    }
    return "/" + String.join("/", segments);
  }
}
