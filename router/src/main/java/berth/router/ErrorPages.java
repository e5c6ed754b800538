package berth.router;

import berth.tenant.Phase;
import java.time.Duration;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;

/** The router's own answers: a small HTML page for browsers, JSON for {@code Accept: application/json}. */
final class ErrorPages {
  private ErrorPages() {}

  static HttpResponse notFound(HttpRequest request, String message) {
    return create(request, StatusCodes.NOT_FOUND, "not_found", message);
  }

  static HttpResponse notReady(HttpRequest request, String slug, Phase phase, Duration retryAfter) {
    return create(request, StatusCodes.SERVICE_UNAVAILABLE, "not_ready",
        "Tenant '" + slug + "' is not ready (" + phase.name().toLowerCase().replace('_', ' ') + ").")
        .addHeader(RetryAfter.create(retryAfter.toSeconds()));
  }

  static HttpResponse create(HttpRequest request, StatusCode status, String error, String message) {
    boolean json = request.getHeader("Accept").map(a -> a.value().contains("application/json")).orElse(false);
    if (json) {
      return HttpResponse.create().withStatus(status).withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
          "{\"error\":\"" + error + "\",\"message\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}"));
    }
    String title = status.intValue() + " " + status.reason();
    return HttpResponse.create().withStatus(status).withEntity(HttpEntities.create(ContentTypes.TEXT_HTML_UTF8,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + title + "</title></head><body><h1>" + title
            + "</h1><p>" + html(message) + "</p><hr><small>berth router</small></body></html>"));
  }

  private static String html(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
