package berth.account;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The secret halves of accounts, kept outside the journal: password hashes (Argon2id, encoded),
 * API token hashes, session id hashes, and the one-time setup codes that let the first owner sign up.
 * Nothing here is ever a plaintext credential. The PostgreSQL adapter lives in the persistence module,
 * so every node of a cluster sees the same sessions and tokens.
 */
public interface AccountCredentials {

  /** A token's stored half: whose it is and the SHA-256 of its secret. */
  record StoredToken(String email, byte[] hash, Instant lastUsedAt) {}

  /** A browser session: whose, its CSRF token, and its clock. */
  record StoredSession(String email, String csrf, Instant createdAt, Instant lastSeenAt, Instant expiresAt) {}

  // ---------------------------------------------------------------- first run

  /** Whether an owner has signed up (or was created): self sign-up is closed for good. */
  boolean ownerExists();

  /** {@link #ownerExists}, off the caller's thread. */
  CompletionStage<Boolean> ownerExistsAsync();

  /** Keeps the hash of a setup code this node printed; any unexpired one works, once. */
  void addSetupCode(byte[] codeHash, Instant expiresAt);

  /**
   * In one transaction: when no owner exists and the code is known and unexpired, records
   * {@code email} as the owner (closing sign-up to everyone else). False when sign-up is closed or the
   * code is not valid (the caller cannot tell which from outside). The codes stay until
   * {@link #ownerCreated} (the account exists) or {@link #releaseOwnership} (it could not be made).
   */
  CompletionStage<Boolean> claimOwnership(byte[] codeHash, String email, Instant at);

  /** Undoes a claim whose account could not be created: sign-up opens again, with the same codes. */
  CompletionStage<Void> releaseOwnership(String email);

  /** The owner's account exists: every setup code is forgotten (also records an owner made by the break-glass principal). */
  CompletionStage<Void> ownerCreated(String email, Instant at);

  // ---------------------------------------------------------------- passwords

  CompletionStage<Void> setPassword(String email, String encodedHash, Instant at);

  CompletionStage<Optional<String>> passwordHash(String email);

  // ---------------------------------------------------------------- API tokens

  CompletionStage<Void> addToken(String tokenId, String email, byte[] hash, Instant at);

  CompletionStage<Optional<StoredToken>> token(String tokenId);

  /** Notes a use; writes at most about once a minute per token. */
  CompletionStage<Void> tokenUsed(String tokenId, Instant at);

  /** Token id → last use, for an account's tokens that were ever used. */
  CompletionStage<Map<String, Instant>> lastUses(String email);

  CompletionStage<Void> deleteToken(String tokenId);

  // ---------------------------------------------------------------- sessions

  CompletionStage<Void> addSession(byte[] idHash, String email, String csrf, Instant at, Instant expiresAt);

  CompletionStage<Optional<StoredSession>> session(byte[] idHash);

  /** Notes activity (the idle clock); writes at most about once a minute per session. */
  CompletionStage<Void> sessionSeen(byte[] idHash, Instant at);

  CompletionStage<Void> endSession(byte[] idHash);

  /** Ends every session of the account; how many there were. */
  CompletionStage<Integer> endSessions(String email);
}
