package berth.api;

import berth.account.Permission;
import berth.audit.AuditLog;
import berth.audit.AuditLog.Filter;
import berth.tenant.Slug;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.util.ByteString;

/**
 * {@code /api/audit}: the fleet-wide audit trail (owner and auditor), read-only. {@code GET /api/audit}
 * filters by tenant, account, actor, action, time range and correlation id, in pages with a cursor
 * that stays stable while entries are appended; with {@code Accept: application/x-ndjson} it streams
 * every matching entry, page by page from the database, in flat memory. {@code GET /api/audit/verify}
 * walks the hash chain and names the first entry that does not match.
 */
final class AuditRoutes extends ApiDirectives {
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;
  static final ContentType NDJSON = ContentTypes.create(MediaTypes.applicationWithFixedCharset("x-ndjson",
      org.apache.pekko.http.javadsl.model.HttpCharsets.UTF_8));

  private final AuditLog audit;

  AuditRoutes(ActorSystem<?> system, AuditLog audit, ApiSettings settings, BooleanSupplier databaseAvailable,
      Clock clock) {
    super(system, settings, databaseAvailable, clock);
    this.audit = audit;
  }

  Route route(Caller caller) {
    return pathPrefix("audit", () -> get(() -> allow(caller, Permission.READ_AUDIT, () -> database(() -> concat(
        pathEndOrSingleSlash(() -> parameterMap(params -> optionalHeaderValueByName("Accept", accept -> query(params,
            accept.filter(a -> a.contains("application/x-ndjson")).isPresent() || "ndjson".equals(params.get("format")))))),
        path("verify", () -> onSuccess(audit.verify(), v -> json(StatusCodes.OK, v))))))));
  }

  private Route query(Map<String, String> params, boolean ndjson) {
    for (String key : params.keySet()) {
      if (!java.util.Set.of("tenant", "account", "actor", "action", "from", "to", "correlationId", "after", "limit",
          "format")
          .contains(key)) {
        return badRequest("unknown parameter '" + printable(key) + "'");
      }
    }
    String tenant = params.get("tenant");
    if (tenant != null && !Slug.valid(tenant)) return badRequest(Slug.problem(tenant));
    Instant from;
    Instant to;
    try {
      from = instant(params.get("from"));
      to = instant(params.get("to"));
    } catch (DateTimeParseException e) {
      return badRequest("'from' and 'to' are ISO-8601 instants, e.g. 2026-11-27T09:00:00Z");
    }
    return paging(Optional.ofNullable(params.get("after")), Optional.ofNullable(params.get("limit")), DEFAULT_LIMIT,
        MAX_LIMIT, "an entry's seq", page -> query(params, ndjson, tenant, from, to, page.after(), page.limit()));
  }

  private Route query(Map<String, String> params, boolean ndjson, String tenant, Instant from, Instant to, long after,
      int limit) {
    String account = params.get("account") == null ? null : params.get("account").strip().toLowerCase(java.util.Locale.ROOT);
    Filter filter = new Filter(tenant, account, params.get("actor"), params.get("action"), from, to,
        params.get("correlationId"));
    if (ndjson) {
      var lines = audit.stream(filter, after).map(entry -> {
        try {
          return ByteString.fromArray(Json.MAPPER.writeValueAsBytes(entry)).concat(ByteString.fromString("\n"));
        } catch (JsonProcessingException e) {
          throw new IllegalStateException("audit entry not serializable", e);
        }
      });
      // a download link (?format=ndjson) saves it as a file
      return respondWithHeader(org.apache.pekko.http.javadsl.model.headers.RawHeader.create("Content-Disposition",
          "attachment; filename=\"berth-audit.ndjson\""), () -> complete(HttpEntities.createChunked(NDJSON, lines)));
    }
    return onSuccess(audit.page(filter, after, limit), page -> {
      Map<String, Object> body = new java.util.LinkedHashMap<>();
      body.put("entries", page.entries());
      body.put("next", page.next()); // null on the last page
      return json(StatusCodes.OK, body);
    });
  }

  private static Instant instant(String s) {
    return s == null ? null : Instant.parse(s);
  }
}
