package berth.api;

import berth.account.AccountCommand.Accepted;
import berth.account.AccountCommand.Rejected;
import berth.account.AccountCommand.Reply;
import berth.account.AccountCredentials;
import berth.account.AccountEntity;
import berth.account.AccountState;
import berth.api.AccountJson.Account;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the people routes ({@link SessionRoutes}, {@link AccountRoutes}) share: the credentials
 * store, the account entities (through {@link Authenticator}), one sign-in throttle and one pool
 * for password hashing, and the answers they give alike.
 */
abstract class AccountDirectives extends ApiDirectives {
  private static final Logger log = LoggerFactory.getLogger(AccountDirectives.class);
  static final Pattern EMAIL = Pattern.compile("[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,190}");
  static final int MAX_NAME = 100;

  /** What every people route works with; one of each per node. */
  record People(AccountCredentials credentials, Authenticator authenticator, SignInLimiter limiter,
      PasswordHashing hashing) {
    static People of(ActorSystem<?> system, AccountCredentials credentials, Authenticator authenticator,
        ApiSettings settings, Clock clock) {
      ApiSettings.Accounts a = settings.accounts();
      return new People(credentials, authenticator,
          new SignInLimiter(a.maxFailuresPerAccount(), a.maxFailuresPerAddress(), a.failureWindow(), clock),
          new PasswordHashing(system));
    }
  }

  protected final AccountCredentials credentials;
  protected final Authenticator authenticator;
  protected final SignInLimiter limiter;
  protected final PasswordHashing hashing;

  AccountDirectives(ActorSystem<?> system, People people, ApiSettings settings, BooleanSupplier databaseAvailable,
      Clock clock) {
    super(system, settings, databaseAvailable, clock);
    this.credentials = people.credentials();
    this.authenticator = people.authenticator();
    this.limiter = people.limiter();
    this.hashing = people.hashing();
  }

  protected Route accountReply(Reply reply, StatusCode status, Function<AccountState, Route> onAccepted) {
    if (reply instanceof Accepted a) return onAccepted.apply(a.account());
    Rejected r = (Rejected) reply;
    StatusCode code = switch (r.reason()) {
      case NOT_FOUND -> StatusCodes.NOT_FOUND;
      case ALREADY_EXISTS, ILLEGAL_STATE -> StatusCodes.CONFLICT;
      case FORBIDDEN -> StatusCodes.FORBIDDEN;
    };
    return complete(code, error(r.reason().name().toLowerCase(Locale.ROOT), r.message()));
  }

  protected Optional<Route> checkNewAccount(String email, String displayName, String password) {
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

  protected static String displayName(String given, String email) {
    return given == null ? email : given.strip();
  }

  protected Route unavailable(Throwable t) {
    log.warn("Account request could not be completed: {}", t.toString());
    return complete(StatusCodes.SERVICE_UNAVAILABLE, error("unavailable", "try again shortly"));
  }

  protected <T> Route completeWith(CompletionStage<T> stage, Function<T, Route> inner) {
    return onComplete(stage, r -> r.isSuccess() ? inner.apply(r.get()) : unavailable(r.failed().get()));
  }

  protected Route tooMany(Duration wait) {
    long seconds = Math.max(1, wait.toSeconds());
    return respondWithHeader(RawHeader.create("Retry-After", Long.toString(seconds)), () ->
        complete(StatusCodes.TOO_MANY_REQUESTS, error("too_many_attempts",
            "too many failed attempts; try again in " + seconds + " s")));
  }

  protected CompletionStage<String> hash(String password) {
    return hashing.run(() -> Passwords.hash(password));
  }
}
