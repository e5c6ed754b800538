package berth.persistence;

import berth.account.AccountCredentials;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import javax.sql.DataSource;

/**
 * {@link AccountCredentials} in PostgreSQL (V7): every node of a cluster sees the same sessions,
 * tokens and setup codes. Blocking JDBC runs on the given executor.
 */
public final class JdbcAccountCredentials implements AccountCredentials {
  /** Last-use and last-seen times are written at most this often per token or session. */
  static final Duration TOUCH_EVERY = Duration.ofMinutes(1);

  private final DataSource dataSource;
  private final Executor executor;

  public JdbcAccountCredentials(DataSource dataSource, Executor executor) {
    this.dataSource = dataSource;
    this.executor = executor;
  }

  @Override
  public boolean ownerExists() {
    return transaction(c -> {
      try (var st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM account_owner")) {
        rs.next();
        return rs.getLong(1) > 0;
      }
    });
  }

  @Override
  public CompletionStage<Boolean> ownerExistsAsync() {
    return CompletableFuture.supplyAsync(this::ownerExists, executor);
  }

  @Override
  public void addSetupCode(byte[] codeHash, Instant expiresAt) {
    transaction(c -> {
      Transactions.update(c, "INSERT INTO setup_codes (code_hash, expires_at) VALUES (?, ?)", codeHash, expiresAt);
      return null;
    });
  }

  @Override
  public CompletionStage<Boolean> claimOwnership(byte[] codeHash, String email, Instant at) {
    return async(c -> {
      // two sign-ups at once: one waits for the other here, then finds an owner
      try (var st = c.createStatement()) {
        st.execute("LOCK TABLE account_owner IN EXCLUSIVE MODE");
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM account_owner")) {
          rs.next();
          if (rs.getLong(1) > 0) return false;
        }
      }
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT count(*) FROM setup_codes WHERE code_hash = ? AND expires_at > ?")) {
        ps.setBytes(1, codeHash);
        ps.setTimestamp(2, Timestamp.from(at));
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getLong(1) != 1) return false;
        }
      }
      Transactions.update(c, "INSERT INTO account_owner (email, claimed_at) VALUES (?, ?)", email, at);
      return true;
    });
  }

  @Override
  public CompletionStage<Void> releaseOwnership(String email) {
    return async(c -> {
      Transactions.update(c, "DELETE FROM account_owner WHERE email = ?", email);
      return null;
    });
  }

  @Override
  public CompletionStage<Void> ownerCreated(String email, Instant at) {
    return async(c -> {
      Transactions.update(c, "LOCK TABLE account_owner IN EXCLUSIVE MODE");
      Transactions.update(c, "INSERT INTO account_owner (email, claimed_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
          email, at);
      Transactions.update(c, "DELETE FROM setup_codes");
      return null;
    });
  }

  @Override
  public CompletionStage<Void> setPassword(String email, String encodedHash, Instant at) {
    return async(c -> {
      Transactions.update(c, """
          INSERT INTO account_passwords (email, hash, updated_at) VALUES (?, ?, ?)
          ON CONFLICT (email) DO UPDATE SET hash = EXCLUDED.hash, updated_at = EXCLUDED.updated_at""",
          email, encodedHash, at);
      return null;
    });
  }

  @Override
  public CompletionStage<Optional<String>> passwordHash(String email) {
    return async(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT hash FROM account_passwords WHERE email = ?")) {
        ps.setString(1, email);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        }
      }
    });
  }

  @Override
  public CompletionStage<Void> addToken(String tokenId, String email, byte[] hash, Instant at) {
    return async(c -> {
      Transactions.update(c, "INSERT INTO account_tokens (token_id, email, hash, created_at) VALUES (?, ?, ?, ?)",
          tokenId, email, hash, at);
      return null;
    });
  }

  @Override
  public CompletionStage<Optional<StoredToken>> token(String tokenId) {
    return async(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT email, hash, last_used_at FROM account_tokens WHERE token_id = ?")) {
        ps.setString(1, tokenId);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(new StoredToken(rs.getString(1), rs.getBytes(2), instant(rs.getTimestamp(3))))
              : Optional.empty();
        }
      }
    });
  }

  @Override
  public CompletionStage<Void> tokenUsed(String tokenId, Instant at) {
    return async(c -> {
      Transactions.update(c, "UPDATE account_tokens SET last_used_at = ? "
          + "WHERE token_id = ? AND (last_used_at IS NULL OR last_used_at < ?)", at, tokenId, at.minus(TOUCH_EVERY));
      return null;
    });
  }

  @Override
  public CompletionStage<Map<String, Instant>> lastUses(String email) {
    return async(c -> {
      Map<String, Instant> uses = new HashMap<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT token_id, last_used_at FROM account_tokens WHERE email = ? AND last_used_at IS NOT NULL")) {
        ps.setString(1, email);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) uses.put(rs.getString(1), instant(rs.getTimestamp(2)));
        }
      }
      return uses;
    });
  }

  @Override
  public CompletionStage<Void> deleteToken(String tokenId) {
    return async(c -> {
      Transactions.update(c, "DELETE FROM account_tokens WHERE token_id = ?", tokenId);
      return null;
    });
  }

  @Override
  public CompletionStage<Void> addSession(byte[] idHash, String email, String csrf, Instant at, Instant expiresAt) {
    return async(c -> {
      Transactions.update(c, """
          INSERT INTO account_sessions (id_hash, email, csrf, created_at, last_seen_at, expires_at)
          VALUES (?, ?, ?, ?, ?, ?)""", idHash, email, csrf, at, at, expiresAt);
      // expired sessions of anyone go as new ones come
      Transactions.update(c, "DELETE FROM account_sessions WHERE expires_at < ?", at);
      return null;
    });
  }

  @Override
  public CompletionStage<Optional<StoredSession>> session(byte[] idHash) {
    return async(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT email, csrf, created_at, last_seen_at, expires_at FROM account_sessions WHERE id_hash = ?")) {
        ps.setBytes(1, idHash);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(new StoredSession(rs.getString(1), rs.getString(2),
              instant(rs.getTimestamp(3)), instant(rs.getTimestamp(4)), instant(rs.getTimestamp(5)))) : Optional.empty();
        }
      }
    });
  }

  @Override
  public CompletionStage<Void> sessionSeen(byte[] idHash, Instant at) {
    return async(c -> {
      Transactions.update(c, "UPDATE account_sessions SET last_seen_at = ? WHERE id_hash = ? AND last_seen_at < ?",
          at, idHash, at.minus(TOUCH_EVERY));
      return null;
    });
  }

  @Override
  public CompletionStage<Void> endSession(byte[] idHash) {
    return async(c -> {
      Transactions.update(c, "DELETE FROM account_sessions WHERE id_hash = ?", idHash);
      return null;
    });
  }

  @Override
  public CompletionStage<Integer> endSessions(String email) {
    return async(c -> {
      return Transactions.update(c, "DELETE FROM account_sessions WHERE email = ?", email);
    });
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }

  private <T> CompletionStage<T> async(Transactions.Work<T> work) {
    return Transactions.async(dataSource, executor, work);
  }

  private <T> T transaction(Transactions.Work<T> work) {
    return Transactions.run(dataSource, work);
  }
}
