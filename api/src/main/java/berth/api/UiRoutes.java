package berth.api;

import java.util.List;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The admin UI (module {@code ui-static}, classpath {@code berth-ui/}), served at {@code /} on the
 * admin API's own origin: no CORS, no CDN. Every answer carries a strict Content-Security-Policy (scripts
 * and styles from this origin only, nothing inline, no framing) and the usual hardening headers.
 */
final class UiRoutes extends AllDirectives {
  static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      + "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
      + "require-trusted-types-for 'script'; trusted-types 'none'";
  static final List<HttpHeader> HEADERS = List.of(
      RawHeader.create("Content-Security-Policy", CSP),
      RawHeader.create("X-Content-Type-Options", "nosniff"),
      RawHeader.create("X-Frame-Options", "DENY"),
      RawHeader.create("Referrer-Policy", "no-referrer"),
      RawHeader.create("Cache-Control", "no-cache"));

  Route route() {
    return concat(
        pathSingleSlash(() -> get(() -> respondWithHeaders(HEADERS, () -> getFromResource("berth-ui/index.html")))),
        pathPrefix("ui", () -> get(() -> respondWithHeaders(HEADERS, () -> getFromResourceDirectory("berth-ui")))));
  }
}
