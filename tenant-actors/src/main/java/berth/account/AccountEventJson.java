package berth.account;

import berth.account.AccountEvent.AccountCreated;
import berth.account.AccountEvent.RoleChanged;
import berth.account.AccountEvent.SignInFailed;
import berth.account.AccountEvent.SignedIn;
import berth.account.AccountEvent.TokenIssued;
import berth.account.AccountEvent.TokenRevoked;
import java.time.Instant;

/**
 * The public JSON of an account event's own fields (the audit trail), written out per type like the
 * tenant events' {@code EventJson}: never a password, hash, token or session id — the events hold none.
 */
public final class AccountEventJson {
  private AccountEventJson() {}

  public record Created(String email, String displayName, String role) {}

  public record RoleChange(String from, String to) {}

  public record Token(String tokenId, String name, String role, Instant expiresAt) {}

  public record TokenId(String tokenId) {}

  public record From(String address) {}

  public record Nothing() {}

  public static Object data(AccountEvent event) {
    if (event instanceof AccountCreated e) return new Created(e.email(), e.displayName(), e.role().wire());
    if (event instanceof RoleChanged e) return new RoleChange(e.from().wire(), e.to().wire());
    if (event instanceof TokenIssued e) return new Token(e.tokenId(), e.name(), e.role().wire(), e.expiresAt());
    if (event instanceof TokenRevoked e) return new TokenId(e.tokenId());
    if (event instanceof SignedIn e) return new From(e.address());
    if (event instanceof SignInFailed e) return new From(e.address());
    return new Nothing(); // disabled, enabled, password changed, sessions revoked: the fact is the type
  }
}
