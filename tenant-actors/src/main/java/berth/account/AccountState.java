package berth.account;

import berth.account.AccountEvent.AccountCreated;
import berth.account.AccountEvent.AccountDisabled;
import berth.account.AccountEvent.AccountEnabled;
import berth.account.AccountEvent.PasswordChanged;
import berth.account.AccountEvent.RoleChanged;
import berth.account.AccountEvent.SessionsRevoked;
import berth.account.AccountEvent.SignInFailed;
import berth.account.AccountEvent.SignedIn;
import berth.account.AccountEvent.TokenIssued;
import berth.account.AccountEvent.TokenRevoked;
import berth.tenant.CborSerializable;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An account as its events made it; also the view the admin API answers with (it holds nothing
 * secret). {@code email} is null until the account is created.
 */
public record AccountState(
    String email,
    String displayName,
    Role role,
    boolean disabled,
    Instant createdAt,
    String createdBy,
    Instant passwordChangedAt,
    Instant sessionsRevokedAt,
    Instant lastSignInAt,
    List<Token> tokens) implements CborSerializable {

  /** A token's metadata; its secret is never here. */
  public record Token(String id, String name, Role role, Instant createdAt, Instant expiresAt, Instant revokedAt)
      implements CborSerializable {
    public boolean usableAt(Instant now) {
      return revokedAt == null && (expiresAt == null || now.isBefore(expiresAt));
    }
  }

  public static AccountState empty() {
    return new AccountState(null, null, null, false, null, null, null, null, null, List.of());
  }

  public boolean exists() {
    return email != null;
  }

  public Token token(String id) {
    return tokens.stream().filter(t -> t.id().equals(id)).findFirst().orElse(null);
  }

  public AccountState apply(AccountEvent event) {
    if (event instanceof AccountCreated c) {
      return new AccountState(c.email(), c.displayName(), c.role(), false, c.by().at(), c.by().principal(), null,
          null, null, List.of());
    }
    if (event instanceof RoleChanged r) {
      return new AccountState(email, displayName, r.to(), disabled, createdAt, createdBy, passwordChangedAt,
          sessionsRevokedAt, lastSignInAt, tokens);
    }
    if (event instanceof AccountDisabled d) {
      // its tokens are revoked with it: enabling the account again does not bring them back
      List<Token> revoked = tokens.stream().map(t -> t.revokedAt() != null ? t
          : new Token(t.id(), t.name(), t.role(), t.createdAt(), t.expiresAt(), d.by().at())).toList();
      return new AccountState(email, displayName, role, true, createdAt, createdBy, passwordChangedAt,
          d.by().at(), lastSignInAt, revoked);
    }
    if (event instanceof AccountEnabled) {
      return new AccountState(email, displayName, role, false, createdAt, createdBy, passwordChangedAt,
          sessionsRevokedAt, lastSignInAt, tokens);
    }
    if (event instanceof PasswordChanged p) {
      return new AccountState(email, displayName, role, disabled, createdAt, createdBy, p.by().at(),
          sessionsRevokedAt, lastSignInAt, tokens);
    }
    if (event instanceof SessionsRevoked s) {
      return new AccountState(email, displayName, role, disabled, createdAt, createdBy, passwordChangedAt,
          s.by().at(), lastSignInAt, tokens);
    }
    if (event instanceof SignedIn s) {
      return new AccountState(email, displayName, role, disabled, createdAt, createdBy, passwordChangedAt,
          sessionsRevokedAt, s.by().at(), tokens);
    }
    if (event instanceof SignInFailed) {
      return this;
    }
    Map<String, Token> next = new LinkedHashMap<>();
    tokens.forEach(t -> next.put(t.id(), t));
    if (event instanceof TokenIssued i) {
      next.put(i.tokenId(), new Token(i.tokenId(), i.name(), i.role(), i.by().at(), i.expiresAt(), null));
    } else if (event instanceof TokenRevoked r) {
      Token t = next.get(r.tokenId());
      if (t != null) next.put(t.id(), new Token(t.id(), t.name(), t.role(), t.createdAt(), t.expiresAt(), r.by().at()));
    } else {
      throw new IllegalStateException("unhandled account event " + event.getClass().getSimpleName());
    }
    return new AccountState(email, displayName, role, disabled, createdAt, createdBy, passwordChangedAt,
        sessionsRevokedAt, lastSignInAt, List.copyOf(next.values()));
  }
}
