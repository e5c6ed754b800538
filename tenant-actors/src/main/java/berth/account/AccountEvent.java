package berth.account;

import berth.tenant.CborSerializable;
import berth.tenant.Provenance;
import java.time.Instant;

/**
 * What happened to an account, journaled with who asked, why and when: the audit trail covers
 * people as well as tenants. No event carries a password, a password hash, a token or a session id.
 */
public sealed interface AccountEvent extends CborSerializable {
  Provenance by();

  record AccountCreated(String email, String displayName, Role role, Provenance by) implements AccountEvent {}

  record RoleChanged(Role from, Role to, Provenance by) implements AccountEvent {}

  /** The account can no longer sign in; its sessions end and its tokens are revoked, at once. */
  record AccountDisabled(Provenance by) implements AccountEvent {}

  record AccountEnabled(Provenance by) implements AccountEvent {}

  /** A new password was set (the hash is kept outside the journal). */
  record PasswordChanged(Provenance by) implements AccountEvent {}

  /** A personal API token; its secret is shown once to the caller and kept only as a hash, elsewhere. */
  record TokenIssued(String tokenId, String name, Role role, Instant expiresAt, Provenance by) implements AccountEvent {}

  record TokenRevoked(String tokenId, Provenance by) implements AccountEvent {}

  record SignedIn(String address, Provenance by) implements AccountEvent {}

  /** A wrong password for this account, from {@code address}. */
  record SignInFailed(String address, Provenance by) implements AccountEvent {}

  /** Every session of the account ended (sign-out everywhere, or the owner's revocation). */
  record SessionsRevoked(Provenance by) implements AccountEvent {}
}
