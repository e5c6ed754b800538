package berth.api;

import berth.account.AccountState;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** JSON shapes of accounts, sessions and tokens (see docs/api.md). None carries a secret but the token shown once. */
final class AccountJson {
  private AccountJson() {}

  record SignUp(String code, String email, String displayName, String password) {
    @Override
    public String toString() {
      return "SignUp[" + email + "]";
    }
  }

  record SignIn(String email, String password) {
    @Override
    public String toString() {
      return "SignIn[" + email + "]";
    }
  }

  record NewAccount(String email, String displayName, String role, String password, String reason) {
    @Override
    public String toString() {
      return "NewAccount[" + email + "]";
    }
  }

  record RoleChange(String role, String reason) {}

  record PasswordChange(String password, String currentPassword, String reason) {
    @Override
    public String toString() {
      return "PasswordChange";
    }
  }

  /** @param expiresAt optional; absent: the token does not expire */
  record TokenRequest(String name, String role, Instant expiresAt, String reason) {}

  record Token(String id, String name, String role, Instant createdAt, Instant expiresAt, Instant revokedAt,
      Instant lastUsedAt, boolean usable) {
    static Token of(AccountState.Token t, Map<String, Instant> lastUses, Instant now) {
      return new Token(t.id(), t.name(), t.role().wire(), t.createdAt(), t.expiresAt(), t.revokedAt(),
          lastUses.get(t.id()), t.usableAt(now));
    }
  }

  /** The whole token, in the one answer that shows it. */
  record IssuedToken(String id, String name, String role, Instant expiresAt, String token) {
    @Override
    public String toString() {
      return "IssuedToken[" + id + "]";
    }
  }

  record Account(String email, String displayName, String role, boolean disabled, Instant createdAt, String createdBy,
      Instant lastSignInAt, Instant sessionsRevokedAt, int liveTokens) {
    static Account of(AccountState s, Instant now) {
      return new Account(s.email(), s.displayName(), s.role().wire(), s.disabled(), s.createdAt(), s.createdBy(),
          s.lastSignInAt(), s.sessionsRevokedAt(), (int) s.tokens().stream().filter(t -> t.usableAt(now)).count());
    }
  }

  /** GET /api/session: who the caller is; the CSRF token for a browser session. */
  record Session(String principal, String role, String via, Account account, String csrfToken) {}

  record Tokens(List<Token> tokens) {}
}
