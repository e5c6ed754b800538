package berth.api;

import berth.account.AccountCommand;
import berth.account.AccountCommand.Accepted;
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
import berth.api.AccountJson.TokenRequest;
import berth.tenant.Provenance;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentPersistenceIdsQuery;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * Accounts and roles ({@code /api/accounts}) and personal API tokens ({@code /api/tokens}). Every
 * change is a command to the account's entity, journaled with who, why and when; the secret halves
 * (password hashes, token hashes) go to {@link AccountCredentials}.
 */
final class AccountRoutes extends AccountDirectives {

  AccountRoutes(ActorSystem<?> system, People people, ApiSettings settings, BooleanSupplier databaseAvailable,
      Clock clock) {
    super(system, people, settings, databaseAvailable, clock);
  }

  Route route(Caller caller, String correlationId) {
    return concat(
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
          : credentials.passwordHash(email).thenCompose(h -> hashing.run(() -> body.currentPassword() != null
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
}
