package berth.api;

import berth.account.AccountCommand;
import berth.account.AccountCredentials;
import berth.account.AccountEntity;
import berth.account.AccountState;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Resolves a request's credentials to a {@link Caller}: the break-glass bearer token, a personal API
 * token ({@code berth_<id>_<secret>}), or a session cookie. The stored halves come from
 * {@link AccountCredentials} (hashes only); whether the account may still act — not disabled, token
 * not revoked or expired, session not revoked — is decided by its {@link AccountEntity}, the single
 * writer of that truth, so a revocation holds on every node at once.
 */
final class Authenticator {
  static final String COOKIE = "berth_session";
  static final String TOKEN_PREFIX = "berth_";
  private static final int TOKEN_ID_HEX = 24;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The outcome: a caller, or why not (a message safe to show: it never quotes a credential). */
  record Outcome(Caller caller, String refusal) {
    static Outcome refused(String why) {
      return new Outcome(null, why);
    }
  }

  private final ActorSystem<?> system;
  private final AccountCredentials credentials;
  private final ApiSettings settings;
  private final Clock clock;
  private final byte[] breakGlass;

  Authenticator(ActorSystem<?> system, AccountCredentials credentials, ApiSettings settings, Clock clock) {
    this.system = system;
    this.credentials = credentials;
    this.settings = settings;
    this.clock = clock;
    this.breakGlass = settings.token().value().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * @param activity whether the request is the person's doing (it restarts the session's idle clock);
   *     background requests — live streams, polling — are not, so an unattended console signs out
   */
  CompletionStage<Outcome> authenticate(Optional<String> authorization, Optional<String> sessionCookie,
      boolean activity) {
    if (authorization.isPresent()) {
      String header = authorization.get();
      if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
        return done(Outcome.refused("the Authorization header must be 'Bearer <token>'"));
      }
      String bearer = header.substring(7).strip();
      if (breakGlass.length > 0 && MessageDigest.isEqual(bearer.getBytes(StandardCharsets.UTF_8), breakGlass)) {
        return done(new Outcome(Caller.breakGlass(settings.principal()), null));
      }
      return apiToken(bearer);
    }
    if (sessionCookie.isPresent()) {
      return session(sessionCookie.get(), activity);
    }
    return done(Outcome.refused("sign in, or send an Authorization: Bearer <token> header"));
  }

  private CompletionStage<Outcome> apiToken(String bearer) {
    if (!bearer.startsWith(TOKEN_PREFIX) || bearer.length() != TOKEN_PREFIX.length() + TOKEN_ID_HEX + 1 + 64
        || bearer.charAt(TOKEN_PREFIX.length() + TOKEN_ID_HEX) != '_') {
      return done(Outcome.refused("the bearer token is not valid"));
    }
    String id = bearer.substring(TOKEN_PREFIX.length(), TOKEN_PREFIX.length() + TOKEN_ID_HEX);
    byte[] presented = sha256(bearer.substring(TOKEN_PREFIX.length() + TOKEN_ID_HEX + 1));
    Instant now = clock.instant();
    return credentials.token(id).thenCompose(stored -> {
      if (stored.isEmpty() || !MessageDigest.isEqual(stored.get().hash(), presented)) {
        return done(Outcome.refused("the bearer token is not valid"));
      }
      return account(stored.get().email()).thenApply(account -> {
        if (account == null || account.disabled()) return Outcome.refused("the token's account is disabled");
        AccountState.Token t = account.token(id);
        if (t == null || t.revokedAt() != null) return Outcome.refused("the token was revoked");
        if (t.expiresAt() != null && !now.isBefore(t.expiresAt())) return Outcome.refused("the token has expired");
        if (!account.role().covers(t.role())) {
          return Outcome.refused("the token's role exceeds its account's role now; issue a new one");
        }
        credentials.tokenUsed(id, now);
        return new Outcome(new Caller(account.email(), t.role(), Caller.Via.TOKEN, account.email(), id, null, null, null, null, null),
            null);
      });
    });
  }

  private CompletionStage<Outcome> session(String cookie, boolean activity) {
    byte[] hash = sha256(cookie);
    Instant now = clock.instant();
    return credentials.session(hash).thenCompose(found -> {
      if (found.isEmpty()) return done(Outcome.refused("the session has ended; sign in again"));
      AccountCredentials.StoredSession s = found.get();
      Duration idle = settings.accounts().sessionIdle();
      if (!now.isBefore(s.expiresAt()) || !now.isBefore(s.lastSeenAt().plus(idle))) {
        return credentials.endSession(hash).thenApply(v -> Outcome.refused("the session has expired; sign in again"));
      }
      return account(s.email()).thenApply(account -> {
        if (account == null || account.disabled()) return Outcome.refused("the account is disabled");
        if (account.sessionsRevokedAt() != null && !s.createdAt().isAfter(account.sessionsRevokedAt())) {
          return Outcome.refused("the session was revoked; sign in again");
        }
        Instant idleEnd = (activity ? now : s.lastSeenAt()).plus(idle);
        if (activity) credentials.sessionSeen(hash, now);
        return new Outcome(new Caller(account.email(), account.role(), Caller.Via.SESSION, account.email(), null, hash,
            s.csrf(), idleEnd.isBefore(s.expiresAt()) ? idleEnd : s.expiresAt(), null, null), null);
      });
    });
  }

  /** The account's current state, or null when there is none. */
  CompletionStage<AccountState> account(String email) {
    return ask(email, AccountCommand.Get::new).thenApply(r ->
        r instanceof AccountCommand.Accepted a ? a.account() : null);
  }

  CompletionStage<AccountCommand.Reply> ask(String email, Function<ActorRef<AccountCommand.Reply>, AccountCommand> command) {
    return ClusterSharding.get(system).entityRefFor(AccountEntity.TYPE_KEY, AccountEntity.idOf(email))
        .ask(command::apply, settings.askTimeout());
  }

  // ---------------------------------------------------------------- credentials

  /** A new API token: its id and the whole token, shown to the caller once. */
  record NewToken(String id, String token, byte[] hash) {
    @Override
    public String toString() {
      return "NewToken[" + id + "]";
    }
  }

  static NewToken newToken() {
    byte[] id = new byte[TOKEN_ID_HEX / 2];
    byte[] secret = new byte[32];
    RANDOM.nextBytes(id);
    RANDOM.nextBytes(secret);
    String idHex = HexFormat.of().formatHex(id);
    String secretHex = HexFormat.of().formatHex(secret);
    return new NewToken(idHex, TOKEN_PREFIX + idHex + "_" + secretHex, sha256(secretHex));
  }

  /** 32 random bytes, URL-safe: session ids, CSRF tokens. */
  static String randomId() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
