package berth.api;

import berth.account.Permission;
import berth.tenant.Provenance;
import berth.tenant.TenantCommand;
import berth.tenant.TenantCommand.Accepted;
import berth.tenant.TenantCommand.Reason;
import berth.tenant.TenantCommand.Rejected;
import berth.tenant.TenantCommand.Reply;
import berth.tenant.TenantEntity;
import berth.tenant.TenantView;
import berth.tenant.Slug;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
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
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every admin API route shares: authentication, the correlation id, the database gate, reading
 * a JSON body, edge validation, and the error envelope {@code {"error": ..., "message": ...}} with the
 * exception and rejection handlers that keep every error in it. Routes per resource extend this.
 */
abstract class ApiDirectives extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(ApiDirectives.class);

  private static final Pattern CORRELATION_ID = Pattern.compile("[A-Za-z0-9._:-]{1,100}");
  static final int MAX_REASON = 500;

  protected final ActorSystem<?> system;
  protected final ApiSettings settings;
  protected final Clock clock;
  private final BooleanSupplier databaseAvailable;

  /**
   * @param databaseAvailable whether the journal can be written now; while it cannot, writes and
   *     database reads are refused at once with 503
   */
  ApiDirectives(ActorSystem<?> system, ApiSettings settings, BooleanSupplier databaseAvailable, Clock clock) {
    this.system = system;
    this.settings = settings;
    this.clock = clock;
    this.databaseAvailable = databaseAvailable;
  }

  // ---------------------------------------------------------------- who and which request

  /**
   * Admits requests with valid credentials (see {@link Authenticator}); 401 with a JSON error otherwise.
   * Under cookie authentication an unsafe method must echo the session's CSRF token in
   * {@code X-CSRF-Token}, else 403.
   */
  protected Route authenticated(Authenticator authenticator, Function<Caller, Route> inner) {
    return optionalHeaderValueByName("Authorization", header -> optionalCookie(Authenticator.COOKIE, cookie ->
        extractUnmatchedPath(path -> optionalHeaderValueByName("X-Berth-Background", background ->
        onComplete(authenticator.authenticate(header, cookie.map(c -> c.value()),
            background.isEmpty() && !isStream(path)), result -> {
          if (result.isFailure()) {
            log.warn("Credentials could not be checked: {}", result.failed().get().toString());
            return complete(StatusCodes.SERVICE_UNAVAILABLE, error("unavailable",
                "credentials could not be checked just now; try again shortly"));
          }
          Authenticator.Outcome outcome = result.get();
          if (outcome.caller() == null) {
            return respondWithHeader(WWWAuthenticate.create(HttpChallenge.createOAuth2("berth")), () ->
                complete(StatusCodes.UNAUTHORIZED, error("unauthorized", outcome.refusal())));
          }
          return clientOf(request -> {
          Caller caller = outcome.caller().from(request[0], request[1]);
          if (caller.via() != Caller.Via.SESSION) return inner.apply(caller);
          return extractMethod(method -> {
            if (method.isSafe()) return inner.apply(caller);
            return optionalHeaderValueByName("X-CSRF-Token", given -> {
              boolean ok = given.isPresent() && MessageDigest.isEqual(
                  given.get().getBytes(StandardCharsets.UTF_8), caller.csrf().getBytes(StandardCharsets.UTF_8));
              return ok ? inner.apply(caller) : complete(StatusCodes.FORBIDDEN, error("csrf",
                  "a signed-in browser request that changes something must carry the session's X-CSRF-Token header"));
            });
          });
          });
        })))));
  }

  static final int MAX_USER_AGENT = 200;

  /**
   * The client as the connection has it: its address (never a forwarding header, which any client can
   * write) and its User-Agent, cut short and with control characters masked.
   */
  protected Route clientOf(Function<String[], Route> inner) {
    return extractRequest(request -> {
      String address = request.getAttribute(org.apache.pekko.http.javadsl.model.AttributeKeys.remoteAddress)
          .flatMap(org.apache.pekko.http.javadsl.model.RemoteAddress::getAddress).map(a -> a.getHostAddress())
          .orElse("unknown");
      String agent = request.getHeader("User-Agent").map(h -> printable(h.value(), MAX_USER_AGENT)).orElse(null);
      return inner.apply(new String[] {address, agent});
    });
  }

  private static boolean isStream(String unmatchedPath) {
    return unmatchedPath.startsWith("/stream/") || unmatchedPath.endsWith("/logs/stream");
  }

  /** How long a live stream may run: its maximum age, and no longer than the caller's session. */
  protected java.time.Duration streamLimit(Caller caller) {
    if (caller.sessionEndsBy() == null) return settings.streamMaxAge();
    java.time.Duration left = java.time.Duration.between(clock.instant(), caller.sessionEndsBy());
    if (left.isNegative() || left.isZero()) return java.time.Duration.ofSeconds(1);
    return left.compareTo(settings.streamMaxAge()) < 0 ? left : settings.streamMaxAge();
  }

  /** The inner route when the caller's role holds the permission; 403 with a JSON error otherwise. */
  protected Route allow(Caller caller, Permission permission, Supplier<Route> inner) {
    if (caller.may(permission)) return inner.get();
    return complete(StatusCodes.FORBIDDEN, error("forbidden",
        "role '" + caller.role().wire() + "' may not do this ("
            + permission.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ")"));
  }

  /** The caller's {@code X-Correlation-Id} when it is well-formed, else a new one; echoed in the response. */
  protected Route correlated(Function<String, Route> inner) {
    return optionalHeaderValueByName("X-Correlation-Id", given -> {
      String id = given.filter(g -> CORRELATION_ID.matcher(g).matches()).orElseGet(() -> UUID.randomUUID().toString());
      return respondWithHeader(RawHeader.create("X-Correlation-Id", id), () -> inner.apply(id));
    });
  }

  /** Refuses at once, without touching anything, while the database does not answer. */
  protected Route database(Supplier<Route> inner) {
    if (databaseAvailable.getAsBoolean()) {
      return inner.get();
    }
    return extractRequestEntity(entity -> {
      entity.discardBytes(system);
      return complete(StatusCodes.SERVICE_UNAVAILABLE, error("unavailable",
          "the database is not reachable; nothing was changed. Try again shortly"));
    });
  }

  // ---------------------------------------------------------------- the tenant's entity

  /**
   * Asks the tenant's entity to change something, once (on no answer the caller sees 503 and
   * decides); an accepted reply goes to {@code onAccepted}, a rejection becomes 404/409.
   */
  protected Route ask(String slug, Function<ActorRef<Reply>, TenantCommand> command, Function<TenantView, Route> onAccepted) {
    var entity = ClusterSharding.get(system).entityRefFor(TenantEntity.TYPE_KEY, slug);
    return answered(slug, entity.ask(command::apply, settings.askTimeout()), onAccepted);
  }

  /**
   * Reads the tenant from its entity, asking again when the answer does not come: while a shard
   * moves (a node leaving), a message sent to its old home is lost, and waiting out the whole
   * timeout for it helps nobody. All attempts together take at most the ask timeout.
   */
  protected Route read(String slug, Function<TenantView, Route> onAccepted) {
    var entity = ClusterSharding.get(system).entityRefFor(TenantEntity.TYPE_KEY, slug);
    return answered(slug, askAgain(entity, TenantCommand.Get::new, READ_ATTEMPTS,
        settings.askTimeout().dividedBy(READ_ATTEMPTS)), onAccepted);
  }

  private Route answered(String slug, CompletionStage<Reply> reply, Function<TenantView, Route> onAccepted) {
    return onComplete(reply, result -> {
      if (result.isFailure()) {
        Throwable t = result.failed().get();
        log.warn("Tenant {} did not answer: {}", slug, t.toString());
        String why = t instanceof TimeoutException
            ? "tenant '" + slug + "' did not answer within " + settings.askTimeout().toSeconds() + "s; try again"
            : "tenant '" + slug + "' is unavailable; try again";
        return complete(StatusCodes.SERVICE_UNAVAILABLE, error("unavailable", why));
      }
      if (result.get() instanceof Accepted a) {
        return onAccepted.apply(a.tenant());
      }
      Rejected rejected = (Rejected) result.get();
      StatusCode status = switch (rejected.reason()) {
        case NOT_FOUND -> StatusCodes.NOT_FOUND;
        case ALREADY_EXISTS, ILLEGAL_STATE -> StatusCodes.CONFLICT;
        case INVALID -> StatusCodes.BAD_REQUEST;
      };
      return complete(status, error(rejected.reason() == Reason.INVALID ? "bad_request"
          : rejected.reason().name().toLowerCase(), rejected.message()));
    });
  }

  static final int READ_ATTEMPTS = 3;

  private static CompletionStage<Reply> askAgain(
      org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef<TenantCommand> entity,
      Function<ActorRef<Reply>, TenantCommand> command, int attempts, java.time.Duration each) {
    return entity.ask(command::apply, each).exceptionallyCompose(t -> {
      Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
      return cause instanceof TimeoutException && attempts > 1
          ? askAgain(entity, command, attempts - 1, each)
          : java.util.concurrent.CompletableFuture.failedFuture(cause);
    });
  }

  // ---------------------------------------------------------------- edge validation

  protected Route validSlug(String slug, Supplier<Route> inner) {
    return Slug.valid(slug) ? inner.get() : badRequest(Slug.problem(slug));
  }

  /**
   * Reads the whole body (at most max-body-size bytes) as one JSON value of the given type. An empty
   * body is accepted only when {@code required} is false, and then yields null.
   */
  protected <T> Route jsonBody(Class<T> type, boolean required, Function<T, Route> inner) {
    return extractRequestEntity(entity -> onComplete(
        entity.withSizeLimit(settings.maxBodyBytes()).toStrict(settings.askTimeout().toMillis(), system),
        strict -> {
          if (strict.isFailure()) {
            return causedBySizeLimit(strict.failed().get())
                ? badRequest("request body exceeds " + settings.maxBodyBytes() + " bytes")
                : badRequest("request body could not be read");
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
          } catch (MismatchedInputException e) {
            String field = e.getPath().isEmpty() ? null : e.getPath().get(e.getPath().size() - 1).getFieldName();
            return badRequest(field == null ? "the body does not have the expected shape"
                : "field '" + printable(field) + "' has the wrong type");
          } catch (JsonProcessingException e) {
            // the parser's message quotes the input, which may be a secret: say where, not what
            return badRequest(e.getLocation() == null ? "malformed JSON"
                : "malformed JSON at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr());
          } catch (IOException e) {
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

  /** A cursor and a page size, as read from {@code after} and {@code limit}. */
  protected record Paging(long after, int limit) {}

  /**
   * Reads {@code after} (a cursor, at least 0; {@code afterIs} says what it counts, for the message)
   * and {@code limit} (1 to {@code maxLimit}, {@code defaultLimit} when absent); 400 when they are not that.
   */
  protected Route paging(Optional<String> after, Optional<String> limit, int defaultLimit, int maxLimit,
      String afterIs, Function<Paging, Route> inner) {
    Paging p;
    try {
      p = new Paging(after.map(Long::parseLong).orElse(0L), limit.map(Integer::parseInt).orElse(defaultLimit));
    } catch (NumberFormatException e) {
      return badRequest("'after' and 'limit' are whole numbers");
    }
    if (p.after() < 0 || p.limit() < 1 || p.limit() > maxLimit) {
      return badRequest("'after' is " + afterIs + " (at least 0) and 'limit' between 1 and " + maxLimit);
    }
    return inner.apply(p);
  }

  /** A problem with the optional free-text reason, or empty when it is acceptable. */
  protected Optional<Route> checkReason(String reason) {
    if (reason != null && (reason.length() > MAX_REASON || hasControlCharacters(reason))) {
      return Optional.of(badRequest("field 'reason' must be at most " + MAX_REASON + " printable characters"));
    }
    return Optional.empty();
  }

  /**
   * Who asked, why (the caller's reason, else {@code defaultReason}), now, under which request, and
   * from where (the client's address and user agent).
   */
  protected Provenance provenance(Caller caller, String reason, String defaultReason, String correlationId) {
    String why = reason == null || reason.isBlank() ? defaultReason : reason.strip();
    return new Provenance(caller.principal(), why, clock.instant(), correlationId, caller.address(), caller.userAgent());
  }

  protected static boolean hasControlCharacters(String s) {
    return s.chars().anyMatch(Character::isISOControl);
  }

  /** Caller input quoted in a message: cut short, control characters masked. */
  protected static String printable(String s) {
    return printable(s, 60);
  }

  protected static String printable(String s, int max) {
    if (s == null) return "";
    String cut = s.length() > max ? s.substring(0, max) + "…" : s;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }

  // ---------------------------------------------------------------- responses

  protected Route badRequest(String message) {
    return complete(StatusCodes.BAD_REQUEST, error("bad_request", message));
  }

  protected Route json(StatusCode status, Object body) {
    return complete(status, jsonEntity(body));
  }

  static HttpEntity.Strict error(String error, String message) {
    return jsonEntity(new TenantJson.Error(error, message));
  }

  static HttpEntity.Strict jsonEntity(Object body) {
    try {
      return HttpEntities.create(ContentTypes.APPLICATION_JSON, Json.MAPPER.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("response not serializable", e);
    }
  }

  /** Any exception a route lets escape: 500, logged here, with no detail for the caller. */
  static ExceptionHandler exceptions() {
    return ExceptionHandler.newBuilder()
        .matchAny(e -> {
          if (transient_(e)) {
            log.warn("Admin API request could not be completed: {}", e.toString());
            return Directives.complete(StatusCodes.SERVICE_UNAVAILABLE,
                error("unavailable", "a part of Berth did not answer in time; try again shortly"));
          }
          log.error("Admin API request failed", e);
          return Directives.complete(StatusCodes.INTERNAL_SERVER_ERROR,
              error("internal", "the request failed; see the node's log"));
        })
        .build();
  }

  /** A timeout or a database failure anywhere in the cause chain: worth a retry, not a 500. */
  private static boolean transient_(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof TimeoutException || c instanceof java.sql.SQLException) return true;
    }
    return false;
  }

  /** Pekko's own rejections (405, 415, ...) keep their status and message, in the JSON error shape. */
  static RejectionHandler rejections() {
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
