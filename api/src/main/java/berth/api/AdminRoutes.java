package berth.api;

import berth.api.TenantJson.Because;
import berth.api.TenantJson.CreateTenant;
import berth.api.TenantJson.Tenant;
import berth.tenant.FleetMetrics;
import berth.tenant.Phase;
import berth.tenant.Provenance;
import berth.tenant.TenantCommand;
import berth.tenant.TenantCommand.Accepted;
import berth.tenant.TenantCommand.Rejected;
import berth.tenant.TenantCommand.Reply;
import berth.tenant.TenantDirectory;
import berth.tenant.TenantEntity;
import berth.tenant.TenantEvent;
import berth.tenant.TenantState;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API: tenants are created, inspected, retried and torn down by asking their entities;
 * listings come from the read model; a tenant's history comes from its journal. Every request needs
 * the bearer token; every error is a JSON body {@code {"error": ..., "message": ...}}.
 */
public final class AdminRoutes extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(AdminRoutes.class);

  /** A DNS label: lowercase letters, digits and inner hyphens, 2 to 40 characters. */
  public static final Pattern SLUG = Pattern.compile("[a-z0-9][a-z0-9-]{0,38}[a-z0-9]");
  private static final Pattern CORRELATION_ID = Pattern.compile("[A-Za-z0-9._:-]{1,100}");
  private static final int MAX_DISPLAY_NAME = 100;
  private static final int MAX_REASON = 500;
  private static final org.apache.pekko.http.javadsl.model.ContentType PROMETHEUS_TEXT =
      org.apache.pekko.http.javadsl.model.ContentTypes.parse("text/plain; version=0.0.4; charset=utf-8");

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final TenantDirectory directory;
  private final ApiSettings settings;
  private final Clock clock;
  private final CurrentEventsByPersistenceIdQuery journal;
  private final byte[] expectedAuthorization;
  private final SsoIssuer sso;
  private final BooleanSupplier databaseAvailable;
  private final ClusterView clusterView;

  /**
   * @param databaseAvailable whether the journal can be written now; while it cannot, writes and
   *     database reads are refused at once with 503
   */
  public AdminRoutes(ActorSystem<?> system, TenantDirectory directory, ApiSettings settings, SsoIssuer sso,
      BooleanSupplier databaseAvailable, Clock clock) {
    this.system = system;
    this.sso = sso;
    this.databaseAvailable = databaseAvailable;
    this.clusterView = new ClusterView(system, settings.askTimeout());
    this.sharding = ClusterSharding.get(system);
    this.directory = directory;
    this.settings = settings;
    this.clock = clock;
    this.journal = PersistenceQuery.get(system)
        .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, settings.readJournal());
    this.expectedAuthorization = ("Bearer " + settings.token()).getBytes(StandardCharsets.UTF_8);
  }

  public Route routes() {
    return handleExceptions(exceptions(), () -> handleRejections(rejections(), () -> concat(
        // Prometheus convention: no credentials; it shows counts only, never tenant names
        path("metrics", () -> get(this::metrics)),
        pathPrefix("api", () -> authenticated(principal -> correlated(correlationId -> concat(
            path("cluster", () -> get(() -> onSuccess(clusterView.describe(), view -> json(StatusCodes.OK, view)))),
            pathPrefix("tenants", () -> concat(
                pathEndOrSingleSlash(() -> concat(
                    get(() -> database(this::list)),
                    post(() -> database(() -> create(principal, correlationId))))),
                pathPrefix(PathMatchers.segment(), slug -> validSlug(slug, () -> concat(
                    pathEndOrSingleSlash(() -> concat(
                        get(() -> show(slug)),
                        delete(() -> database(() -> teardown(slug, principal, correlationId))))),
                    path("events", () -> get(() -> database(() -> events(slug)))),
                    path("sso", () -> concat(get(() -> handoff(slug, principal)), post(() -> handoff(slug, principal)))),
                    path("retry", () -> post(() -> database(() -> retry(slug, principal, correlationId))))))))))))))));
  }

  // ---------------------------------------------------------------- endpoints

  private Route list() {
    return onSuccess(directory.list(), rows -> json(StatusCodes.OK,
        Map.of("tenants", rows.stream().map(Tenant::of).toList())));
  }

  private Route create(String principal, String correlationId) {
    return jsonBody(CreateTenant.class, true, body -> {
      if (body.slug() == null) {
        return badRequest("field 'slug' is required");
      }
      if (!SLUG.matcher(body.slug()).matches()) {
        return badRequest(slugProblem(body.slug()));
      }
      String displayName = body.displayName() == null ? body.slug() : body.displayName().strip();
      if (displayName.isEmpty() || displayName.length() > MAX_DISPLAY_NAME || hasControlCharacters(displayName)) {
        return badRequest("field 'displayName' must be 1 to " + MAX_DISPLAY_NAME + " printable characters");
      }
      Optional<Route> badReason = checkReason(body.reason());
      if (badReason.isPresent()) return badReason.get();
      Provenance by = provenance(principal, body.reason(), "tenant created via admin API", correlationId);
      return answer(body.slug(), r -> new TenantCommand.Provision(displayName, by, r), StatusCodes.ACCEPTED);
    });
  }

  private Route show(String slug) {
    return answer(slug, TenantCommand.Get::new, StatusCodes.OK);
  }

  private Route teardown(String slug, String principal, String correlationId) {
    return jsonBody(Because.class, false, body -> {
      String reason = body == null ? null : body.reason();
      Optional<Route> badReason = checkReason(reason);
      if (badReason.isPresent()) return badReason.get();
      Provenance by = provenance(principal, reason, "teardown requested via admin API", correlationId);
      return answer(slug, r -> new TenantCommand.Teardown(by, r), StatusCodes.ACCEPTED);
    });
  }

  private Route retry(String slug, String principal, String correlationId) {
    return jsonBody(Because.class, false, body -> {
      String reason = body == null ? null : body.reason();
      Optional<Route> badReason = checkReason(reason);
      if (badReason.isPresent()) return badReason.get();
      Provenance by = provenance(principal, reason, "retry requested via admin API", correlationId);
      return answer(slug, r -> new TenantCommand.Retry(by, r), StatusCodes.ACCEPTED);
    });
  }

  private Route events(String slug) {
    CompletionStage<List<com.fasterxml.jackson.databind.JsonNode>> history = journal
        .currentEventsByPersistenceId(TenantEntity.persistenceId(slug).id(), 0L, Long.MAX_VALUE)
        .map(env -> TenantJson.event(env.sequenceNr(), (TenantEvent) env.event()))
        .runWith(Sink.seq(), system);
    return onSuccess(history, entries -> entries.isEmpty()
        ? complete(StatusCodes.NOT_FOUND, error("not_found", "no tenant '" + slug + "'"))
        : json(StatusCodes.OK, Map.of("slug", slug, "events", entries)));
  }

  /** Prometheus text format: tenants per phase (from the read model) and this node's counters. */
  private Route metrics() {
    return onSuccess(directory.list(), rows -> {
      StringBuilder out = new StringBuilder();
      out.append("# HELP berth_tenants Tenants per phase, from the read model.\n# TYPE berth_tenants gauge\n");
      Map<Phase, Long> perPhase = new java.util.EnumMap<>(Phase.class);
      for (Phase p : Phase.values()) if (p != Phase.EMPTY) perPhase.put(p, 0L);
      rows.forEach(t -> perPhase.merge(t.phase(), 1L, Long::sum));
      perPhase.forEach((p, n) -> out.append("berth_tenants{phase=\"").append(p.name().toLowerCase()).append("\"} ")
          .append(n).append('\n'));
      Map<String, Long> counters = FleetMetrics.get(system).snapshot();
      for (var help : new java.util.TreeMap<>(FleetMetrics.HELP).entrySet()) {
        out.append("# HELP ").append(help.getKey()).append(' ').append(help.getValue()).append('\n')
            .append("# TYPE ").append(help.getKey()).append(" counter\n");
        counters.forEach((series, n) -> {
          if (series.equals(help.getKey()) || series.startsWith(help.getKey() + "{")) {
            out.append(series).append(' ').append(n).append('\n');
          }
        });
      }
      return complete(HttpEntities.create(PROMETHEUS_TEXT, out.toString().getBytes(StandardCharsets.UTF_8)));
    });
  }

  /**
   * Mints a single-use sign-in link into a READY tenant and redirects to it (303, so a POST from a
   * form or {@code curl -L} follows with GET). The body repeats the link for API clients.
   */
  private Route handoff(String slug, String principal) {
    return extractRequestEntity(entity -> {
      entity.discardBytes(system);
      return ask(slug, TenantCommand.Get::new, (state, node) -> {
        if (state.phase() != Phase.READY) {
          return complete(StatusCodes.CONFLICT, error("illegal_state",
              "tenant '" + slug + "' is " + state.phase() + "; sign-in needs a READY tenant"));
        }
        SsoIssuer.Handoff h = sso.mint(principal, slug);
        log.info("SSO handoff into tenant {} for {} (token id {}, expires {})", slug, principal, h.tokenId(), h.expiresAt());
        return respondWithHeaders(List.of(Location.create(h.url()), RawHeader.create("Cache-Control", "no-store")),
            () -> json(StatusCodes.SEE_OTHER, Map.of("url", h.url(), "tokenId", h.tokenId(), "expiresAt", h.expiresAt())));
      });
    });
  }

  // ---------------------------------------------------------------- entity conversation

  private Route answer(String slug, Function<ActorRef<Reply>, TenantCommand> command, StatusCode onSuccess) {
    return ask(slug, command, (state, node) -> {
      Route body = json(onSuccess, Tenant.of(state, node));
      return onSuccess == StatusCodes.ACCEPTED
          ? respondWithHeader(Location.create("/api/tenants/" + slug), () -> body)
          : body;
    });
  }

  /** Asks the tenant's entity; an accepted reply goes to {@code onAccepted}, a rejection becomes 404/409. */
  private Route ask(String slug, Function<ActorRef<Reply>, TenantCommand> command,
      java.util.function.BiFunction<TenantState, String, Route> onAccepted) {
    CompletionStage<Reply> reply =
        sharding.entityRefFor(TenantEntity.TYPE_KEY, slug).ask(command::apply, settings.askTimeout());
    return onComplete(reply, result -> {
      if (result.isFailure()) {
        Throwable t = result.failed().get();
        log.warn("Tenant {} did not answer: {}", slug, t.toString());
        String why = t instanceof TimeoutException
            ? "tenant '" + slug + "' did not answer within " + settings.askTimeout().toSeconds() + "s; try again"
            : "tenant '" + slug + "' is unavailable; try again";
        return complete(StatusCodes.SERVICE_UNAVAILABLE, error("unavailable", why));
      }
      Reply r = result.get();
      if (r instanceof Accepted a) {
        return onAccepted.apply(a.state(), a.node());
      }
      Rejected rejected = (Rejected) r;
      StatusCode status = switch (rejected.reason()) {
        case NOT_FOUND -> StatusCodes.NOT_FOUND;
        case ALREADY_EXISTS -> StatusCodes.CONFLICT;
        case ILLEGAL_STATE -> StatusCodes.CONFLICT;
      };
      return complete(status, error(rejected.reason().name().toLowerCase(), rejected.message()));
    });
  }

  // ---------------------------------------------------------------- edge validation

  private Route authenticated(Function<String, Route> inner) {
    return optionalHeaderValueByName("Authorization", header -> {
      boolean ok = header.isPresent() && !settings.token().isEmpty()
          && MessageDigest.isEqual(header.get().getBytes(StandardCharsets.UTF_8), expectedAuthorization);
      if (!ok) {
        return respondWithHeader(WWWAuthenticate.create(HttpChallenge.createOAuth2("berth")), () ->
            complete(StatusCodes.UNAUTHORIZED, error("unauthorized",
                header.isPresent() ? "the bearer token is not valid" : "an Authorization: Bearer <token> header is required")));
      }
      return inner.apply(settings.principal());
    });
  }

  private Route correlated(Function<String, Route> inner) {
    return optionalHeaderValueByName("X-Correlation-Id", given -> {
      String id = given.filter(g -> CORRELATION_ID.matcher(g).matches()).orElseGet(() -> UUID.randomUUID().toString());
      return respondWithHeader(RawHeader.create("X-Correlation-Id", id), () -> inner.apply(id));
    });
  }

  /** Refuses at once, without touching anything, while the database does not answer. */
  private Route database(Supplier<Route> inner) {
    if (databaseAvailable.getAsBoolean()) {
      return inner.get();
    }
    return extractRequestEntity(entity -> {
      entity.discardBytes(system);
      return complete(StatusCodes.SERVICE_UNAVAILABLE, error("unavailable",
          "the database is not reachable; nothing was changed. Try again shortly"));
    });
  }

  private Route validSlug(String slug, Supplier<Route> inner) {
    return SLUG.matcher(slug).matches() ? inner.get() : badRequest(slugProblem(slug));
  }

  static String slugProblem(String slug) {
    return "slug '" + printable(slug) + "' is not a DNS label: use 2 to 40 lowercase letters, digits and inner hyphens";
  }

  /**
   * Reads the whole body (at most max-body-size bytes) as one JSON value of the given type. An empty
   * body is accepted only when {@code required} is false, and then yields null.
   */
  private <T> Route jsonBody(Class<T> type, boolean required, Function<T, Route> inner) {
    return extractRequestEntity(entity -> onComplete(
        entity.withSizeLimit(settings.maxBodyBytes()).toStrict(settings.askTimeout().toMillis(), system),
        strict -> {
          if (strict.isFailure()) {
            Throwable t = strict.failed().get();
            if (causedBySizeLimit(t)) {
              return badRequest("request body exceeds " + settings.maxBodyBytes() + " bytes");
            }
            return badRequest("request body could not be read");
          }
          byte[] bytes = strict.get().getData().toArray();
          if (bytes.length == 0 || new String(bytes, StandardCharsets.UTF_8).isBlank()) {
            return required ? badRequest("a JSON body is required") : inner.apply(null);
          }
          try {
            T value = Json.MAPPER.readValue(bytes, type);
            if (value == null) return badRequest("the body must be a JSON object");
            return inner.apply(value);
          } catch (UnrecognizedPropertyException e) {
            return badRequest("unknown field '" + printable(e.getPropertyName()) + "'");
          } catch (JsonProcessingException e) {
            return badRequest("malformed JSON: " + printable(e.getOriginalMessage()));
          } catch (java.io.IOException e) {
            return badRequest("request body could not be read");
          }
        }));
  }

  private static boolean causedBySizeLimit(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof EntityStreamSizeException) return true;
    }
    return false;
  }

  private Optional<Route> checkReason(String reason) {
    if (reason != null && (reason.length() > MAX_REASON || hasControlCharacters(reason))) {
      return Optional.of(badRequest("field 'reason' must be at most " + MAX_REASON + " printable characters"));
    }
    return Optional.empty();
  }

  private Provenance provenance(String principal, String reason, String defaultReason, String correlationId) {
    String why = reason == null || reason.isBlank() ? defaultReason : reason.strip();
    return new Provenance(principal, why, clock.instant(), correlationId);
  }

  private static boolean hasControlCharacters(String s) {
    return s.chars().anyMatch(Character::isISOControl);
  }

  private static String printable(String s) {
    if (s == null) return "";
    String cut = s.length() > 60 ? s.substring(0, 60) + "…" : s;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }

  // ---------------------------------------------------------------- responses

  private Route badRequest(String message) {
    return complete(StatusCodes.BAD_REQUEST, error("bad_request", message));
  }

  static HttpEntity.Strict error(String error, String message) {
    return jsonEntity(new TenantJson.Error(error, message));
  }

  private Route json(StatusCode status, Object body) {
    return complete(status, jsonEntity(body));
  }

  static HttpEntity.Strict jsonEntity(Object body) {
    try {
      return HttpEntities.create(ContentTypes.APPLICATION_JSON, Json.MAPPER.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("response not serializable", e);
    }
  }

  private static ExceptionHandler exceptions() {
    return ExceptionHandler.newBuilder()
        .matchAny(e -> {
          log.error("Admin API request failed", e);
          return org.apache.pekko.http.javadsl.server.Directives.complete(
              StatusCodes.INTERNAL_SERVER_ERROR, error("internal", "the request failed; see the node's log"));
        })
        .build();
  }

  /** Pekko's own rejections (405, 415, ...) keep their status and message, in the JSON error shape. */
  private static RejectionHandler rejections() {
    return RejectionHandler.defaultHandler().mapRejectionResponse(response -> {
      if (response.entity().getContentType().equals(ContentTypes.APPLICATION_JSON)) {
        return response;
      }
      String text = response.entity() instanceof HttpEntity.Strict s ? s.getData().utf8String() : response.status().reason();
      return HttpResponse.create().withStatus(response.status()).addHeaders(response.getHeaders())
          .withEntity(error(response.status().reason().toLowerCase().replace(' ', '_'), text));
    });
  }
}
