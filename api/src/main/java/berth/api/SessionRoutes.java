package berth.api;

import berth.account.AccountCommand;
import berth.account.AccountCommand.Accepted;
import berth.account.AccountCommand.Reply;
import berth.account.AccountEntity;
import berth.account.Role;
import berth.api.AccountJson.Account;
import berth.api.AccountJson.SignIn;
import berth.api.AccountJson.SignUp;
import berth.tenant.Provenance;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpCookie;
import org.apache.pekko.http.javadsl.model.headers.SameSite;
import org.apache.pekko.http.javadsl.model.headers.SetCookie;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signing in and out: the owner's first sign-up with the setup code ({@code /api/setup}), sign-in
 * ({@code POST /api/session}), who the caller is and sign-out ({@code GET}/{@code DELETE
 * /api/session}). Passwords are checked with Argon2id off the request threads; failed sign-ins are
 * throttled ({@link SignInLimiter}) and recorded on the account.
 */
final class SessionRoutes extends AccountDirectives {
  private static final Logger log = LoggerFactory.getLogger(SessionRoutes.class);
  /** Who tried a wrong password: not the account's owner, as far as anyone knows. */
  static final String ANONYMOUS = "anonymous";

  SessionRoutes(ActorSystem<?> system, People people, ApiSettings settings, BooleanSupplier databaseAvailable,
      Clock clock) {
    super(system, people, settings, databaseAvailable, clock);
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

  Route route(Caller caller) {
    return path("session", () -> concat(
        get(() -> whoAmI(caller)),
        delete(() -> database(() -> signOut(caller)))));
  }

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
      CompletionStage<Boolean> verified = credentials.passwordHash(email).thenCompose(hash -> hashing.run(() -> {
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
}
