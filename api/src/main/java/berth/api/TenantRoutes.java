package berth.api;

import berth.account.Permission;
import berth.api.TenantJson.Because;
import berth.api.TenantJson.CreateTenant;
import berth.api.TenantJson.Tenant;
import berth.tenant.LogArchive;
import berth.tenant.Provenance;
import berth.tenant.EventJson;
import berth.tenant.Slug;
import berth.tenant.TenantCommand;
import berth.tenant.TenantCommand.Reply;
import berth.tenant.TenantDirectory;
import berth.tenant.TenantEntity;
import berth.tenant.TenantEvent;
import berth.tenant.TenantView;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/tenants}: tenants are created, inspected, retried and torn down by asking their
 * entities; listings come from the read model; a tenant's history comes from its journal.
 */
final class TenantRoutes extends ApiDirectives {
  private static final Logger log = LoggerFactory.getLogger(TenantRoutes.class);
  private static final int MAX_DISPLAY_NAME = 100;

  private final TenantDirectory directory;
  private final CurrentEventsByPersistenceIdQuery journal;
  private final SsoIssuer sso;
  private final LogArchive logs;
  private final SecretRoutes secrets;
  private final LogTailRoutes tail;
  private final StateAt stateAt;

  TenantRoutes(ActorSystem<?> system, AdminPorts ports, ApiSettings settings, SsoIssuer sso,
      BooleanSupplier databaseAvailable, Clock clock) {
    super(system, settings, databaseAvailable, clock);
    this.logs = ports.logs();
    this.secrets = new SecretRoutes(system, ports.secrets(), settings, databaseAvailable, clock);
    this.tail = new LogTailRoutes(system, ports.driver(), settings, databaseAvailable, clock);
    this.directory = ports.directory();
    this.sso = sso;
    this.stateAt = new StateAt(system, settings);
    this.journal = PersistenceQuery.get(system)
        .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, settings.readJournal());
  }

  /**
   * The routes under {@code /api/tenants}, for an authenticated caller and the request's correlation
   * id: reads need {@code READ_FLEET}, changes {@code MANAGE_TENANTS}, kept container output
   * {@code READ_LOGS}, the SSO handoff {@code SIGN_IN_TO_TENANTS}. The role is checked before the body is read.
   */
  Route route(Caller caller, String correlationId) {
    return pathPrefix("tenants", () -> concat(
        pathEndOrSingleSlash(() -> concat(
            get(() -> allow(caller, Permission.READ_FLEET, () -> database(this::list))),
            post(() -> allow(caller, Permission.MANAGE_TENANTS, () -> database(() -> create(caller, correlationId)))))),
        pathPrefix(PathMatchers.segment(), slug -> validSlug(slug, () -> concat(
            pathEndOrSingleSlash(() -> concat(
                get(() -> allow(caller, Permission.READ_FLEET, () -> show(slug))),
                delete(() -> allow(caller, Permission.MANAGE_TENANTS,
                    () -> database(() -> teardown(slug, caller, correlationId)))))),
            path("events", () -> get(() -> allow(caller, Permission.READ_FLEET, () -> database(() ->
                parameterOptional("after", after -> parameterOptional("limit", limit -> events(slug, after, limit))))))),
            path("state", () -> get(() -> allow(caller, Permission.READ_FLEET, () -> database(() ->
                parameterOptional("at", at -> stateAt(slug, at)))))),
            pathPrefix("logs", () -> get(() -> allow(caller, Permission.READ_LOGS, () -> concat(
                pathEndOrSingleSlash(() -> database(() -> keptLogs(slug))),
                path("stream", () -> tail.route(caller, slug)))))),
            pathPrefix("secrets", () -> extractMethod(method -> allow(caller,
                method.isSafe() ? Permission.READ_FLEET : Permission.MANAGE_TENANTS,
                () -> database(() -> secrets.route(slug, caller, correlationId))))),
            // GET for curl -L and scripts; a browser session must POST (CSRF-checked): a GET could be
            // triggered by any page, a tenant's on a sibling subdomain included
            path("sso", () -> allow(caller, Permission.SIGN_IN_TO_TENANTS, () -> concat(
                get(() -> caller.via() == Caller.Via.SESSION
                    ? complete(StatusCodes.METHOD_NOT_ALLOWED, error("method_not_allowed",
                        "a signed-in browser starts the handoff with POST (and its X-CSRF-Token)"))
                    : database(() -> handoff(slug, caller, correlationId))),
                post(() -> database(() -> handoff(slug, caller, correlationId)))))),
            path(PathMatchers.segment(), action -> !ACTIONS.contains(action) ? reject()
                : post(() -> allow(caller, Permission.MANAGE_TENANTS,
                    () -> database(() -> action(slug, action, caller, correlationId))))))))));
  }

  private static final java.util.Set<String> ACTIONS = java.util.Set.of("retry", "restore", "purge");

  /** POST /api/tenants/{slug}/{retry|restore|purge}. */
  private Route action(String slug, String action, Caller who, String correlationId) {
    switch (action) {
      case "retry":
        return retry(slug, who, correlationId);
      case "restore":
        return withReason(who, correlationId, "restore requested via admin API",
            by -> answer(slug, r -> new TenantCommand.Restore(by, r)));
      case "purge":
        return withReason(who, correlationId, "purge of kept data requested via admin API",
            by -> answer(slug, r -> new TenantCommand.Purge(by, r)));
      default:
        return reject();
    }
  }

  /** {@code GET /api/images}: what an operator may choose as a new tenant's image (READ_FLEET). */
  Route images(Caller caller) {
    return path("images", () -> get(() -> allow(caller, Permission.READ_FLEET, () -> json(StatusCodes.OK, Map.of(
        "default", settings.images().defaultImage(),
        "images", settings.images().byName())))));
  }

  private Route list() {
    return onSuccess(directory.snapshot(), listing -> json(StatusCodes.OK, Map.of(
        "tenants", listing.tenants().stream().map(Tenant::of).toList(),
        "offset", listing.offset())));
  }

  private Route create(Caller who, String correlationId) {
    return jsonBody(CreateTenant.class, true, body -> {
      if (body.slug() == null) {
        return badRequest("field 'slug' is required");
      }
      if (!Slug.valid(body.slug())) {
        return badRequest(Slug.problem(body.slug()));
      }
      String displayName = body.displayName() == null ? body.slug() : body.displayName().strip();
      if (displayName.isEmpty() || displayName.length() > MAX_DISPLAY_NAME || hasControlCharacters(displayName)) {
        return badRequest("field 'displayName' must be 1 to " + MAX_DISPLAY_NAME + " printable characters");
      }
      Optional<Route> badReason = checkReason(body.reason());
      if (badReason.isPresent()) return badReason.get();
      Map<String, String> values = new java.util.LinkedHashMap<>();
      if (body.secrets() != null && !body.secrets().isNull()) {
        Optional<String> problem = SecretRoutes.read(body.secrets(), values);
        if (problem.isPresent()) return badRequest(problem.get());
      }
      Provenance by = provenance(who, body.reason(), "tenant created via admin API", correlationId);
      String slug = body.slug();
      // the image is checked by the entity against berth.tenant.images: an unknown name is a 400 naming those offered
      return ask(slug, r -> new TenantCommand.Provision(displayName, body.image(), by, r), tenant -> {
        Route created = accepted(slug, tenant);
        // onboarding in one request: the secrets are stored right behind the provisioning, and the
        // tenant receives them at its first initialization (or again, should that have come first)
        return values.isEmpty() ? created : secrets.setAtCreation(slug, values, who, by, created);
      });
    });
  }

  private Route show(String slug) {
    return read(slug, tenant -> json(StatusCodes.OK, Tenant.of(tenant)));
  }

  private Route teardown(String slug, Caller who, String correlationId) {
    return withReason(who, correlationId, "teardown requested via admin API",
        by -> answer(slug, r -> new TenantCommand.Teardown(by, r)));
  }

  private Route retry(String slug, Caller who, String correlationId) {
    return withReason(who, correlationId, "retry requested via admin API",
        by -> answer(slug, r -> new TenantCommand.Retry(by, r)));
  }

  /** The optional body {@code {"reason": ...}} of DELETE and retry, as the command's provenance. */
  private Route withReason(Caller who, String correlationId, String defaultReason, Function<Provenance, Route> inner) {
    return jsonBody(Because.class, false, body -> {
      String reason = body == null ? null : body.reason();
      Optional<Route> badReason = checkReason(reason);
      if (badReason.isPresent()) return badReason.get();
      return inner.apply(provenance(who, reason, defaultReason, correlationId));
    });
  }

  static final int EVENTS_PAGE = 500;

  /**
   * The tenant's journal, oldest first, a page at a time: {@code after} a sequence number (exclusive),
   * at most {@code limit} (500 by default, 1,000 at most); {@code next} is the cursor, null at the end.
   */
  private Route events(String slug, Optional<String> afterParam, Optional<String> limitParam) {
    return paging(afterParam, limitParam, EVENTS_PAGE, 1000, "a sequence number", page -> {
      if (page.after() == Long.MAX_VALUE) return badRequest("'after' is a sequence number below " + Long.MAX_VALUE);
      return eventsPage(slug, page.after(), page.limit());
    });
  }

  private Route eventsPage(String slug, long after, int limit) {
    CompletionStage<List<EventJson.Entry>> history = journal
        .currentEventsByPersistenceId(TenantEntity.persistenceId(slug).id(), after + 1, Long.MAX_VALUE)
        .take(limit + 1L)
        .map(env -> EventJson.entry(env.sequenceNr(), (TenantEvent) env.event()))
        .runWith(Sink.seq(), system);
    return onSuccess(history, entries -> {
      if (entries.isEmpty() && after == 0) return complete(StatusCodes.NOT_FOUND, error("not_found", "no tenant '" + slug + "'"));
      boolean more = entries.size() > limit;
      List<EventJson.Entry> shown = more ? entries.subList(0, limit) : entries;
      Map<String, Object> body = new java.util.LinkedHashMap<>();
      body.put("slug", slug);
      body.put("events", shown);
      body.put("next", more ? shown.get(shown.size() - 1).sequenceNr() : null);
      return json(StatusCodes.OK, body);
    });
  }

  /**
   * The tenant as it was at an instant ({@link StateAt}: its journal replayed with the entity's own
   * fold, from the latest snapshot before the instant). A future instant gives the current state; one
   * before the tenant existed, 404.
   */
  private Route stateAt(String slug, Optional<String> atParam) {
    if (atParam.isEmpty()) return badRequest("parameter 'at' (an ISO-8601 instant) is required");
    java.time.Instant at;
    try {
      at = java.time.Instant.parse(atParam.get());
    } catch (java.time.format.DateTimeParseException e) {
      return badRequest("'at' is an ISO-8601 instant, e.g. 2026-11-27T09:00:00Z");
    }
    return onSuccess(stateAt.of(slug, at), f -> {
      if (f.eventsApplied() == 0 && f.first() == null) return complete(StatusCodes.NOT_FOUND, error("not_found", "no tenant '" + slug + "'"));
      if (f.eventsApplied() == 0) {
        return complete(StatusCodes.NOT_FOUND, error("not_found",
            "tenant '" + slug + "' did not exist yet at " + at + " (first requested " + f.first() + ")"));
      }
      Map<String, Object> body = new java.util.LinkedHashMap<>();
      body.put("at", at);
      body.put("eventsApplied", f.eventsApplied());
      body.put("replayedFromSnapshot", f.fromSnapshot() == 0 ? null : f.fromSnapshot());
      TenantView view = TenantView.of(f.state(), null);
      body.put("tenant", Tenant.of(view));
      body.put("recovering", view.recovering()); // a lost container being replaced, at that instant
      body.put("containerLosses", f.state().recovery().losses());
      return json(StatusCodes.OK, body);
    });
  }

  /** The output of the tenant's removed containers, kept while its data is (oldest first). */
  private Route keptLogs(String slug) {
    return onSuccess(logs.list(slug), kept -> json(StatusCodes.OK, Map.of("slug", slug, "logs", kept)));
  }

  /**
   * Mints a single-use sign-in link into a READY tenant and redirects to it (303, so a POST from a
   * form or {@code curl -L} follows with GET). The body repeats the link for API clients.
   */
  private Route handoff(String slug, Caller who, String correlationId) {
    return extractRequestEntity(entity -> {
      entity.discardBytes(system);
      SsoIssuer.Handoff h = sso.mint(who.principal(), slug);
      Provenance by = provenance(who, null, "SSO handoff: sign-in link into the tenant", correlationId);
      // journaled first (a READY tenant only): no link leaves Berth without its record on the audit trail
      return ask(slug, r -> new TenantCommand.RecordHandoff(h.tokenId(), h.expiresAt(), by, r), tenant -> {
        log.info("SSO handoff into tenant {} for {} (token id {}, expires {})", slug, who.principal(), h.tokenId(), h.expiresAt());
        Map<String, Object> link = Map.of("url", h.url(), "tokenId", h.tokenId(), "expiresAt", h.expiresAt());
        // a script asking for JSON (the admin UI) gets the link to open; anything else is redirected to it
        return optionalHeaderValueByName("Accept", accept -> accept.filter("application/json"::equals).isPresent()
            ? respondWithHeader(RawHeader.create("Cache-Control", "no-store"), () -> json(StatusCodes.OK, link))
            : respondWithHeaders(List.of(Location.create(h.url()), RawHeader.create("Cache-Control", "no-store")),
                () -> json(StatusCodes.SEE_OTHER, link)));
      });
    });
  }


  // ---------------------------------------------------------------- entity conversation

  /** A change asked of the entity, answered 202 with the tenant and where to follow it. */
  private Route answer(String slug, Function<ActorRef<Reply>, TenantCommand> command) {
    return ask(slug, command, tenant -> accepted(slug, tenant));
  }

  private Route accepted(String slug, TenantView tenant) {
    return respondWithHeader(Location.create("/api/tenants/" + slug), () -> json(StatusCodes.ACCEPTED, Tenant.of(tenant)));
  }



}
