package berth.tenant.testing;

import berth.account.AccountCredentials;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A fake {@link AccountCredentials} in memory, for logic above the store (the admin API's routes on
 * Pekko's in-memory journal). The PostgreSQL adapter is what nodes use and what the cluster tests run.
 */
public final class InMemoryAccountCredentials implements AccountCredentials {
  private final Map<ByteBuffer, Instant> codes = new ConcurrentHashMap<>();
  private final Map<String, String> passwords = new ConcurrentHashMap<>();
  private final Map<String, StoredToken> tokens = new ConcurrentHashMap<>();
  private final Map<ByteBuffer, StoredSession> sessions = new ConcurrentHashMap<>();
  private volatile String owner;

  @Override
  public boolean ownerExists() {
    return owner != null;
  }

  @Override
  public CompletionStage<Boolean> ownerExistsAsync() {
    return done(owner != null);
  }

  @Override
  public void addSetupCode(byte[] codeHash, Instant expiresAt) {
    codes.put(ByteBuffer.wrap(codeHash.clone()), expiresAt);
  }

  @Override
  public synchronized CompletionStage<Boolean> claimOwnership(byte[] codeHash, String email, Instant at) {
    Instant expires = codes.get(ByteBuffer.wrap(codeHash));
    if (owner != null || expires == null || !at.isBefore(expires)) return done(false);
    owner = email;
    return done(true);
  }

  @Override
  public synchronized CompletionStage<Void> releaseOwnership(String email) {
    if (email.equals(owner)) owner = null;
    return done(null);
  }

  @Override
  public synchronized CompletionStage<Void> ownerCreated(String email, Instant at) {
    if (owner == null) owner = email;
    codes.clear();
    return done(null);
  }

  @Override
  public CompletionStage<Void> setPassword(String email, String encodedHash, Instant at) {
    passwords.put(email, encodedHash);
    return done(null);
  }

  @Override
  public CompletionStage<Optional<String>> passwordHash(String email) {
    return done(Optional.ofNullable(passwords.get(email)));
  }

  @Override
  public CompletionStage<Void> addToken(String tokenId, String email, byte[] hash, Instant at) {
    tokens.put(tokenId, new StoredToken(email, hash.clone(), null));
    return done(null);
  }

  @Override
  public CompletionStage<Optional<StoredToken>> token(String tokenId) {
    return done(Optional.ofNullable(tokens.get(tokenId)));
  }

  @Override
  public CompletionStage<Void> tokenUsed(String tokenId, Instant at) {
    tokens.computeIfPresent(tokenId, (id, t) -> new StoredToken(t.email(), t.hash(), at));
    return done(null);
  }

  @Override
  public CompletionStage<Map<String, Instant>> lastUses(String email) {
    Map<String, Instant> uses = new HashMap<>();
    tokens.forEach((id, t) -> {
      if (t.email().equals(email) && t.lastUsedAt() != null) uses.put(id, t.lastUsedAt());
    });
    return done(uses);
  }

  @Override
  public CompletionStage<Void> deleteToken(String tokenId) {
    tokens.remove(tokenId);
    return done(null);
  }

  @Override
  public CompletionStage<Void> addSession(byte[] idHash, String email, String csrf, Instant at, Instant expiresAt) {
    sessions.put(ByteBuffer.wrap(idHash.clone()), new StoredSession(email, csrf, at, at, expiresAt));
    return done(null);
  }

  @Override
  public CompletionStage<Optional<StoredSession>> session(byte[] idHash) {
    return done(Optional.ofNullable(sessions.get(ByteBuffer.wrap(idHash))));
  }

  @Override
  public CompletionStage<Void> sessionSeen(byte[] idHash, Instant at) {
    sessions.computeIfPresent(ByteBuffer.wrap(idHash),
        (k, s) -> new StoredSession(s.email(), s.csrf(), s.createdAt(), at, s.expiresAt()));
    return done(null);
  }

  @Override
  public CompletionStage<Void> endSession(byte[] idHash) {
    sessions.remove(ByteBuffer.wrap(idHash));
    return done(null);
  }

  @Override
  public CompletionStage<Integer> endSessions(String email) {
    int before = sessions.size();
    sessions.values().removeIf(s -> s.email().equals(email));
    return done(before - sessions.size());
  }

  private static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
