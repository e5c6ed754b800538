package berth.api;

import berth.account.AccountCommand;
import berth.account.AccountCommand.Accepted;
import berth.account.AccountCommand.Rejected;
import berth.account.AccountCommand.Reply;
import berth.account.AccountCredentials;
import berth.account.AccountEntity;
import berth.account.AccountState;
import berth.account.Permission;
import berth.account.Role;
import berth.api.AccountJson.Account;
import berth.api.AccountJson.IssuedToken;
import berth.api.AccountJson.NewAccount;
import berth.api.AccountJson.PasswordChange;
import berth.api.AccountJson.RoleChange;
import berth.api.AccountJson.SignIn;
import berth.api.AccountJson.SignUp;
import berth.api.AccountJson.TokenRequest;
import berth.tenant.Provenance;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpCookie;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.headers.SameSite;
import org.apache.pekko.http.javadsl.model.headers.SetCookie;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentPersistenceIdsQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * People: the owner's sign-up with the setup code ({@code /api/setup}), sign-in and sign-out
 * ({@code /api/session}), accounts and roles ({@code /api/accounts}), and personal API tokens
 * ({@code /api/tokens}). Every change is a command to the account's entity, journaled with who, why
 * and when; the secret halves go to {@link AccountCredentials}. Passwords are checked with Argon2id
 * off the request threads, failed sign-ins are throttled ({@link SignInLimiter}) and recorded.
 */
final class AccountRoutes extends ApiDirectives {
  private static final Logger log = LoggerFactory.getLogger(AccountRoutes.class);
  static final Pattern EMAIL = Pattern.compile("[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,190}");
  static final int MAX_NAME = 100;
  /** Who tried a wrong password: not the account's owner, as far as anyone knows. */
  static final String ANONYMOUS = "anonymous";
  /** Argon2id takes 19 MiB and tens of ms per hash: two at a time, a short queue, then 503. */
  static final int HASHING_THREADS = 2;
  static final int HASHING_QUEUE = 32;

  private final AccountCredentials credentials;
  private final Authenticator authenticator;
  private final SignInLimiter limiter;
  private final Executor hashing;

  AccountRoutes(ActorSystem<?> system, AccountCredentials credentials, Authenticator authenticator, ApiSettings settings,
      BooleanSupplier databaseAvailable, Clock clock) {
    super(system, settings, databaseAvailable, clock);
    this.credentials = credentials;
    this.authenticator = authenticator;
    ApiSettings.Accounts a = settings.accounts();
    this.limiter = new SignInLimiter(a.maxFailuresPerAccount(), a.maxFailuresPerAddress(), a.failureWindow(), clock);
    this.hashing = new java.util.concurrent.ThreadPoolExecutor(HASHING_THREADS, HASHING_THREADS, 1, java.util.concurrent.TimeUnit.MINUTES,
        new java.util.concurrent.ArrayBlockingQueue<>(HASHING_QUEUE), r -> {
          Thread t = new Thread(r, "berth-password-hashing");
          t.setDaemon(true);
          return t;
        });
    system.getWhenTerminated().thenRun(((java.util.concurrent.ExecutorService) hashing)::shutdown);
  }

  /**
   * What needs no credentials: the owner's sign-up and sign-in (and whether sign-up is open). A
   * browser's cross-site POST here (login CSRF) is refused by its {@code Origin}.
   */
  Route publicRoute(String correlationId) {
    return concat(
        path("setup", () -> concat(
            get(() -> database(() -> completeWith(credentials.ownerExistsAsync(),
                exists -> json(StatusCodes.OK, Map.of("open", !exists))))),
            post(() -> sameOrigin(() -> database(() -> clientOf(c -> signUp(c[0], c[1], correlationId))))))),
        path("session", () -> post(() -> sameOrigin(() -> database(() -> clientOf(c -> signIn(c[0], c[1], correlationId)))))));
  }

  Route route(Caller caller, String correlationId) {
    return concat(
        path("session", () -> concat(
            get(() -> whoAmI(caller)),
            delete(() -> database(() -> signOut(caller))))),
        pathPrefix("accounts", () -> concat(
            pathEndOrSingleSlash(() -> concat(
                get(() -> allow(caller, Permission.READ_ACCOUNTS, () -> database(this::list))),
                post(() -> allow(caller, Permission.MANAGE_ACCOUNTS, () -> database(() -> create(caller, correlationId)))))),
            pathPrefix(PathMatchers.segment(), raw -> validEmail(raw, email -> concat(
                pathEndOrSingleSlash(() -> get(() -> selfOr(caller, email, Permission.READ_ACCOUNTS, () -> show(email)))),
                path("role", () -> put(() -> allow(caller, Permission.MANAGE_ACCOUNTS, () -> notSelf(caller, email,
                    () -> database(() -> changeRole(caller, email, correlationId)))))),
                path("disable", () -> post(() -> allow(caller, Permission.MANAGE_ACCOUNTS, () -> notSelf(caller, email,
                    () -> database(() -> disable(caller, email, correlationId)))))),
                path("enable", () -> post(() -> allow(caller, Permission.MANAGE_ACCOUNTS,
                    () -> database(() -> because(caller, correlationId, "account enabled",
                        by -> command(email, r -> new AccountCommand.Enable(by, r), StatusCodes.OK)))))),
                path("password", () -> put(() -> selfInSessionOr(caller, email, Permission.MANAGE_ACCOUNTS,
                    () -> database(() -> changePassword(caller, email, caller.address(), correlationId))))),
                path("sessions", () -> delete(() -> selfInSessionOr(caller, email, Permission.MANAGE_ACCOUNTS,
                    () -> database(() -> revokeSessions(caller, email, correlationId))))),
                pathPrefix("tokens", () -> concat(
                    pathEndOrSingleSlash(() -> get(() -> selfOr(caller, email, Permission.READ_ACCOUNTS,
                        () -> database(() -> tokens(email))))),
                    path(PathMatchers.segment(), id -> delete(() -> selfInSessionOr(caller, email,
                        Permission.MANAGE_ACCOUNTS, () -> database(() -> revokeToken(caller, email, id, correlationId)))))))))))),
        pathPrefix("tokens", () -> allow(caller, Permission.OWN_TOKENS, () -> withAccount(caller, email -> concat(
            pathEndOrSingleSlash(() -> concat(
                get(() -> database(() -> tokens(email))),
                post(() -> inSession(caller, () -> database(() -> issueToken(caller, email, correlationId)))))),
            path(PathMatchers.segment(), id -> delete(() -> inSession(caller,
                () -> database(() -> revokeToken(caller, email, id, correlationId))))))))));
  }

  // ---------------------------------------------------------------- first run, sign-in, sign-out

  private Route signUp(String address, String userAgent, String correlationId) {
    return jsonBody(SignUp.class, true, body -> {
      Optional<Route> bad = checkNewAccount(body.email(), body.displayName(), body.password());
      if (bad.isPresent()) return bad.get();
      String key = "setup@" + address; // per address only: nobody can lock the real owner out
      Duration wait = limiter.attempt(key, address);
      if (!wait.isZero()) return tooMany(wait);
      String email = AccountEntity.idOf(body.email());
      String code = body.code() == null ? "" : body.code().strip().toUpperCase(Locale.ROOT).replace("-", "");
      Instant now = clock.instant();
      Route refused = complete(StatusCodes.FORBIDDEN, error("forbidden",
          "sign-up needs a setup code printed by a node at its start, and closes once an owner exists"));
      // an address that has an account already (made with the break-glass token) cannot sign up
      return onSuccess(authenticator.account(email), existing -> existing != null ? refused
          : onSuccess(credentials.claimOwnership(Authenticator.sha256(code), email, now), claimed -> {
            if (!claimed) {
              log.warn("Owner sign-up refused from {}: no valid setup code, or an owner exists", address);
              return refused;
            }
            limiter.succeeded(key, address);
            Provenance by = new Provenance(email, "owner signed up with the setup code", now, correlationId,
                address, userAgent);
            CompletionStage<Reply> made = hash(body.password())
                .thenCompose(hash -> credentials.setPassword(email, hash, now))
                .thenCompose(v -> authenticator.ask(email, r -> new AccountCommand.Create(email,
                    displayName(body.displayName(), email), Role.OWNER, by, r)));
            return onComplete(made, result -> {
              if (result.isSuccess() && result.get() instanceof Accepted a) {
                return onSuccess(credentials.ownerCreated(email, now), done -> {
                  log.info("Owner {} signed up; self sign-up is closed", email);
                  return json(StatusCodes.CREATED, Account.of(a.account(), now));
                });
              }
              // not made: sign-up opens again, with the same codes
              return onSuccess(credentials.releaseOwnership(email), released -> result.isSuccess()
                  ? accountReply(result.get(), StatusCodes.CREATED, account -> refused)
                  : unavailable(result.failed().get()));
            });
          }));
    });
  }

  private Route signIn(String address, String userAgent, String correlationId) {
    return jsonBody(SignIn.class, true, body -> {
      if (body.email() == null || body.password() == null) return badRequest("fields 'email' and 'password' are required");
      String email = AccountEntity.idOf(body.email());
      if (!EMAIL.matcher(email).matches()) return badRequest("field 'email' is not an e-mail address");
      Duration wait = limiter.attempt(email, address);
      if (!wait.isZero()) {
        log.warn("Sign-in for {} from {} refused: too many failures", email, address);
        return tooMany(wait);
      }
      CompletionStage<Boolean> verified = credentials.passwordHash(email).thenCompose(hash -> hashing(() -> {
        if (hash.isEmpty()) {
          Passwords.decoy(body.password());
          return false;
        }
        return Passwords.verify(body.password(), hash.get());
      }));
      return onComplete(verified, checked -> {
        if (checked.isFailure()) return unavailable(checked.failed().get());
        boolean ok = checked.get();
        Instant now = clock.instant();
        if (!ok) {
          log.warn("Sign-in failed for {} from {}", email, address);
          // recorded on the account when there is one (unknown addresses make no entity)
          authenticator.ask(email, r -> new AccountCommand.RecordSignIn(false, address,
              new Provenance(ANONYMOUS, "wrong password for " + email, now, correlationId, address, userAgent), r));
          return complete(StatusCodes.UNAUTHORIZED, error("unauthorized", "wrong e-mail address or password"));
        }
        return onSuccess(authenticator.account(email), account -> {
          if (account == null || account.disabled()) {
            return complete(StatusCodes.FORBIDDEN, error("account_disabled", "the account is disabled"));
          }
          limiter.succeeded(email, address);
          String id = Authenticator.randomId();
          String csrf = Authenticator.randomId();
          ApiSettings.Accounts a = settings.accounts();
          return onSuccess(credentials.addSession(Authenticator.sha256(id), email, csrf, now, now.plus(a.sessionMax())),
              done -> onSuccess(authenticator.ask(email, r -> new AccountCommand.RecordSignIn(true, address,
                  new Provenance(email, "signed in", now, correlationId, address, userAgent), r)), recorded -> {
                log.info("{} signed in from {}", email, address);
                HttpCookie cookie = HttpCookie.create(Authenticator.COOKIE, id).withPath("/").withHttpOnly(true)
                    .withSecure(a.secureCookies()).withSameSite(SameSite.Strict).withMaxAge(a.sessionMax().toSeconds());
                return respondWithHeader(SetCookie.create(cookie), () -> json(StatusCodes.OK,
                    new AccountJson.Session(email, account.role().wire(), Caller.Via.SESSION.wire(),
                        Account.of(account, now), csrf)));
              }));
        });
      });
    });
  }

  private Route whoAmI(Caller caller) {
    if (!caller.hasAccount()) {
      return json(StatusCodes.OK, new AccountJson.Session(caller.principal(), caller.role().wire(), caller.via().wire(),
          null, null));
    }
    return onSuccess(authenticator.account(caller.email()), account -> json(StatusCodes.OK,
        new AccountJson.Session(caller.principal(), caller.role().wire(), caller.via().wire(),
            Account.of(account, clock.instant()), caller.csrf())));
  }

  private Route signOut(Caller caller) {
    if (caller.via() != Caller.Via.SESSION) {
      return badRequest("only a browser session signs out; revoke a token with DELETE /api/tokens/{id}");
    }
    return onSuccess(credentials.endSession(caller.sessionHash()), done -> {
      HttpCookie gone = HttpCookie.create(Authenticator.COOKIE, "").withPath("/").withHttpOnly(true)
          .withSecure(settings.accounts().secureCookies()).withSameSite(SameSite.Strict).withMaxAge(0);
      return respondWithHeader(SetCookie.create(gone), () -> complete(StatusCodes.NO_CONTENT));
    });
  }

  // ---------------------------------------------------------------- accounts

  private Route list() {
    CurrentPersistenceIdsQuery ids = PersistenceQuery.get(system)
        .getReadJournalFor(CurrentPersistenceIdsQuery.class, settings.readJournal());
    String prefix = AccountEntity.TYPE_KEY.name() + "|";
    CompletionStage<List<AccountState>> all = ids.currentPersistenceIds()
        .filter(id -> id.startsWith(prefix))
        .mapAsync(4, id -> authenticator.account(id.substring(prefix.length())))
        .filter(a -> a != null)
        .runWith(Sink.seq(), system);
    return onSuccess(all, accounts -> {
      Instant now = clock.instant();
      List<Account> out = new ArrayList<>();
      accounts.stream().sorted(Comparator.comparing(AccountState::email)).forEach(a -> out.add(Account.of(a, now)));
      return json(StatusCodes.OK, Map.of("accounts", out));
    });
  }

  private Route show(String email) {
    return onSuccess(authenticator.account(email), account -> account == null
        ? complete(StatusCodes.NOT_FOUND, error("not_found", "no account '" + email + "'"))
        : json(StatusCodes.OK, Account.of(account, clock.instant())));
  }

  private Route create(Caller caller, String correlationId) {
    return jsonBody(NewAccount.class, true, body -> {
      Optional<Route> bad = checkNewAccount(body.email(), body.displayName(), body.password());
      if (bad.isPresent()) return bad.get();
      Optional<Role> role = Role.parse(body.role());
      if (role.isEmpty()) return badRequest("field 'role' must be one of owner, operator, viewer, auditor");
      Optional<Route> badReason = checkReason(body.reason());
      if (badReason.isPresent()) return badReason.get();
      String email = AccountEntity.idOf(body.email());
      Provenance by = provenance(caller, body.reason(), "account created via admin API", correlationId);
      return onSuccess(hash(body.password()), hash -> onSuccess(
          authenticator.ask(email, r -> new AccountCommand.Create(email, displayName(body.displayName(), email),
              role.get(), by, r)),
          reply -> accountReply(reply, StatusCodes.CREATED, account -> {
            CompletionStage<Void> stored = credentials.setPassword(email, hash, by.at());
            if (role.get() == Role.OWNER) stored = stored.thenCompose(v -> credentials.ownerCreated(email, by.at()));
            return onComplete(stored, done -> done.isSuccess()
                ? json(StatusCodes.CREATED, Account.of(account, clock.instant()))
                : complete(StatusCodes.SERVICE_UNAVAILABLE, error("unavailable", "the account was created but its "
                    + "password could not be stored; set it with PUT /api/accounts/" + email + "/password")));
          })));
    });
  }

  private Route changeRole(Caller caller, String email, String correlationId) {
    return jsonBody(RoleChange.class, true, body -> {
      Optional<Role> role = Role.parse(body.role());
      if (role.isEmpty()) return badRequest("field 'role' must be one of owner, operator, viewer, auditor");
      Optional<Route> badReason = checkReason(body.reason());
      if (badReason.isPresent()) return badReason.get();
      Provenance by = provenance(caller, body.reason(), "role changed via admin API", correlationId);
      return onSuccess(authenticator.ask(email, r -> new AccountCommand.ChangeRole(role.get(), by, r)),
          reply -> accountReply(reply, StatusCodes.OK, account -> role.get() == Role.OWNER
              ? onSuccess(credentials.ownerCreated(email, by.at()), d -> json(StatusCodes.OK, Account.of(account, by.at())))
              : json(StatusCodes.OK, Account.of(account, by.at()))));
    });
  }

  private Route disable(Caller caller, String email, String correlationId) {
    return because(caller, correlationId, "account disabled via admin API", by -> onSuccess(
        authenticator.ask(email, r -> new AccountCommand.Disable(by, r)),
        reply -> accountReply(reply, StatusCodes.OK, account -> onSuccess(credentials.endSessions(email),
            ended -> json(StatusCodes.OK, Account.of(account, by.at()))))));
  }

  /**
   * A new password. One's own needs the current one (throttled like a sign-in); the owner sets
   * anyone's. Either way every session of the account ends (whoever knew the old password is out);
   * its tokens stay (revoke them separately when they may be known too).
   */
  private Route changePassword(Caller caller, String email, String address, String correlationId) {
    return jsonBody(PasswordChange.class, true, body -> {
      String problem = Passwords.problem(body.password());
      if (problem != null) return badRequest(problem);
      Optional<Route> badReason = checkReason(body.reason());
      if (badReason.isPresent()) return badReason.get();
      boolean self = email.equals(caller.email());
      if (self) {
        Duration wait = limiter.attempt(email, address);
        if (!wait.isZero()) return tooMany(wait);
      }
      CompletionStage<Boolean> allowed = !self ? CompletableFuture.completedFuture(true)
          : credentials.passwordHash(email).thenCompose(h -> hashing(() -> body.currentPassword() != null
              && h.isPresent() && Passwords.verify(body.currentPassword(), h.get())));
      return onComplete(allowed, checked -> {
        if (checked.isFailure()) return unavailable(checked.failed().get());
        if (!checked.get()) {
          return complete(StatusCodes.FORBIDDEN, error("forbidden", "field 'currentPassword' is wrong or missing"));
        }
        if (self) limiter.succeeded(email, address);
        Provenance by = provenance(caller, body.reason(), "password changed via admin API", correlationId);
        CompletionStage<Reply> changed = authenticator.ask(email, r -> new AccountCommand.Get(r)).thenCompose(now ->
            now instanceof Accepted ? hash(body.password()).thenCompose(h -> credentials.setPassword(email, h, by.at()))
                .thenCompose(v -> authenticator.ask(email, r -> new AccountCommand.PasswordSet(by, r)))
                .thenCompose(reply -> credentials.endSessions(email)
                    .thenCompose(n -> authenticator.ask(email, r -> new AccountCommand.RevokeSessions(by, r))))
                : CompletableFuture.completedFuture(now));
        return onSuccess(changed, reply -> accountReply(reply, StatusCodes.OK,
            account -> json(StatusCodes.OK, Account.of(account, by.at()))));
      });
    });
  }

  private Route revokeSessions(Caller caller, String email, String correlationId) {
    return because(caller, correlationId, "sessions revoked via admin API", by -> onSuccess(
        authenticator.ask(email, r -> new AccountCommand.RevokeSessions(by, r)),
        reply -> accountReply(reply, StatusCodes.OK, account -> onSuccess(credentials.endSessions(email),
            ended -> json(StatusCodes.OK, Map.of("ended", ended))))));
  }

  // ---------------------------------------------------------------- tokens

  private Route tokens(String email) {
    return onSuccess(authenticator.account(email), account -> {
      if (account == null) return complete(StatusCodes.NOT_FOUND, error("not_found", "no account '" + email + "'"));
      return onSuccess(credentials.lastUses(email), uses -> {
        Instant now = clock.instant();
        return json(StatusCodes.OK, new AccountJson.Tokens(
            account.tokens().stream().map(t -> AccountJson.Token.of(t, uses, now)).toList()));
      });
    });
  }

  private Route issueToken(Caller caller, String email, String correlationId) {
    return jsonBody(TokenRequest.class, true, body -> {
      if (body.name() == null || body.name().isBlank() || body.name().length() > MAX_NAME
          || hasControlCharacters(body.name())) {
        return badRequest("field 'name' must be 1 to " + MAX_NAME + " printable characters");
      }
      Role role = body.role() == null ? caller.role() : Role.parse(body.role()).orElse(null);
      if (role == null) return badRequest("field 'role' must be one of owner, operator, viewer, auditor");
      if (!caller.role().covers(role)) {
        return complete(StatusCodes.FORBIDDEN, error("forbidden",
            "a token's role is bounded by the caller's: '" + caller.role().wire() + "' cannot issue '" + role.wire() + "'"));
      }
      Instant now = clock.instant();
      if (body.expiresAt() != null && !body.expiresAt().isAfter(now)) {
        return badRequest("field 'expiresAt' must be in the future");
      }
      Optional<Route> badReason = checkReason(body.reason());
      if (badReason.isPresent()) return badReason.get();
      Authenticator.NewToken token = Authenticator.newToken();
      Provenance by = provenance(caller, body.reason(), "API token issued via admin API", correlationId);
      // the hash first: a token recorded by the entity always has its stored half
      return onSuccess(credentials.addToken(token.id(), email, token.hash(), now), stored -> onSuccess(
          authenticator.ask(email, r -> new AccountCommand.IssueToken(token.id(), body.name().strip(), role,
              body.expiresAt(), by, r)),
          reply -> {
            if (!(reply instanceof Accepted)) credentials.deleteToken(token.id());
            return accountReply(reply, StatusCodes.CREATED, account -> json(StatusCodes.CREATED,
                new IssuedToken(token.id(), body.name().strip(), role.wire(), body.expiresAt(), token.token())));
          }));
    });
  }

  private Route revokeToken(Caller caller, String email, String id, String correlationId) {
    return because(caller, correlationId, "API token revoked via admin API", by -> onSuccess(
        authenticator.ask(email, r -> new AccountCommand.RevokeToken(id, by, r)),
        reply -> accountReply(reply, StatusCodes.OK, account -> onSuccess(credentials.deleteToken(id),
            done -> json(StatusCodes.OK, Map.of("revoked", id))))));
  }

  // ---------------------------------------------------------------- helpers

  /** A browser sends Origin with a cross-site POST: it must name this very host, or the request is refused. */
  private Route sameOrigin(java.util.function.Supplier<Route> inner) {
    return optionalHeaderValueByName("Origin", origin -> optionalHeaderValueByName("Host", host -> {
      if (origin.isEmpty()) return inner.get();
      String o = origin.get();
      String authority = o.startsWith("http://") ? o.substring(7) : o.startsWith("https://") ? o.substring(8) : o;
      return host.isPresent() && authority.equalsIgnoreCase(host.get()) ? inner.get()
          : complete(StatusCodes.FORBIDDEN, error("forbidden", "cross-site request refused"));
    }));
  }

  private Route validEmail(String raw, Function<String, Route> inner) {
    String email = AccountEntity.idOf(raw);
    return EMAIL.matcher(email).matches() ? inner.apply(email) : badRequest("'" + printable(raw) + "' is not an e-mail address");
  }

  /** The caller's own account, or the permission over others. */
  private Route selfOr(Caller caller, String email, Permission permission, java.util.function.Supplier<Route> inner) {
    return email.equals(caller.email()) ? inner.get() : allow(caller, permission, inner);
  }

  /**
   * Changing one's own account (sessions, tokens, password) takes a signed-in person, not a token: a
   * token bounded to a lower role must not manage the account above it.
   */
  private Route selfInSessionOr(Caller caller, String email, Permission permission, java.util.function.Supplier<Route> inner) {
    if (email.equals(caller.email()) && !caller.may(permission)) return inSession(caller, inner);
    return allow(caller, permission, inner);
  }

  private Route inSession(Caller caller, java.util.function.Supplier<Route> inner) {
    return caller.via() == Caller.Via.SESSION ? inner.get() : complete(StatusCodes.FORBIDDEN, error("forbidden",
        "issuing and revoking tokens, and changing one's own account, takes a signed-in session, not a token"));
  }

  private Route notSelf(Caller caller, String email, java.util.function.Supplier<Route> inner) {
    return email.equals(caller.email())
        ? complete(StatusCodes.CONFLICT, error("illegal_state", "an owner cannot change their own role or disable themselves"))
        : inner.get();
  }

  private Route withAccount(Caller caller, Function<String, Route> inner) {
    return caller.hasAccount() ? inner.apply(caller.email())
        : badRequest("the break-glass principal has no account and no tokens of its own; sign in as a person");
  }

  /** An optional body with only a reason; the provenance built from it. */
  private Route because(Caller caller, String correlationId, String defaultReason, Function<Provenance, Route> inner) {
    return jsonBody(TenantJson.Because.class, false, body -> {
      String reason = body == null ? null : body.reason();
      Optional<Route> bad = checkReason(reason);
      return bad.orElseGet(() -> inner.apply(provenance(caller, reason, defaultReason, correlationId)));
    });
  }

  private Route command(String email, Function<ActorRef<Reply>, AccountCommand> command, StatusCode status) {
    return onSuccess(authenticator.ask(email, command),
        reply -> accountReply(reply, status, account -> json(status, Account.of(account, clock.instant()))));
  }

  private Route accountReply(Reply reply, StatusCode status, Function<AccountState, Route> onAccepted) {
    if (reply instanceof Accepted a) return onAccepted.apply(a.account());
    Rejected r = (Rejected) reply;
    StatusCode code = switch (r.reason()) {
      case NOT_FOUND -> StatusCodes.NOT_FOUND;
      case ALREADY_EXISTS, ILLEGAL_STATE -> StatusCodes.CONFLICT;
      case FORBIDDEN -> StatusCodes.FORBIDDEN;
    };
    return complete(code, error(r.reason().name().toLowerCase(Locale.ROOT), r.message()));
  }

  private Optional<Route> checkNewAccount(String email, String displayName, String password) {
    if (email == null || !EMAIL.matcher(AccountEntity.idOf(email)).matches()) {
      return Optional.of(badRequest("field 'email' must be an e-mail address"));
    }
    if (displayName != null && (displayName.isBlank() || displayName.length() > MAX_NAME
        || hasControlCharacters(displayName))) {
      return Optional.of(badRequest("field 'displayName' must be 1 to " + MAX_NAME + " printable characters"));
    }
    String problem = Passwords.problem(password);
    return problem == null ? Optional.empty() : Optional.of(badRequest("field 'password': " + problem));
  }

  private static String displayName(String given, String email) {
    return given == null ? email : given.strip();
  }

  private CompletionStage<String> hash(String password) {
    return hashing(() -> Passwords.hash(password));
  }

  /** Argon2id off the request threads, on a small pool of its own; a full queue fails (→ 503) instead of piling up. */
  private <T> CompletionStage<T> hashing(java.util.function.Supplier<T> work) {
    try {
      return CompletableFuture.supplyAsync(work, hashing);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new java.util.concurrent.TimeoutException("password hashing is saturated"));
    }
  }

  private Route unavailable(Throwable t) {
    log.warn("Account request could not be completed: {}", t.toString());
    return complete(StatusCodes.SERVICE_UNAVAILABLE, error("unavailable", "try again shortly"));
  }

  private <T> Route completeWith(CompletionStage<T> stage, Function<T, Route> inner) {
    return onComplete(stage, r -> r.isSuccess() ? inner.apply(r.get()) : unavailable(r.failed().get()));
  }

  private Route tooMany(Duration wait) {
    long seconds = Math.max(1, wait.toSeconds());
    return respondWithHeader(RawHeader.create("Retry-After", Long.toString(seconds)), () ->
        complete(StatusCodes.TOO_MANY_REQUESTS, error("too_many_attempts",
            "too many failed attempts; try again in " + seconds + " s")));
  }
}
