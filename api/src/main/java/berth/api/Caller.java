package berth.api;

import berth.account.Permission;
import berth.account.Role;

/**
 * Who is asking, as authenticated: the principal recorded in events (an account's e-mail address,
 * or the break-glass name), the role in effect, and how the caller proved it.
 *
 * @param email the account, or null for the break-glass principal
 * @param tokenId the API token used, or null
 * @param sessionHash the session's id hash (cookie callers), or null
 * @param csrf the session's CSRF token, which unsafe requests must echo, or null
 * @param sessionEndsBy when the session ends unless the person acts again (idle or absolute), or null
 * @param address the client's address as the connection has it
 * @param userAgent the client's User-Agent header, cut short, or null
 */
record Caller(String principal, Role role, Via via, String email, String tokenId, byte[] sessionHash, String csrf,
    java.time.Instant sessionEndsBy, String address, String userAgent) {

  /** The same caller, seen from this request's connection. */
  Caller from(String address, String userAgent) {
    return new Caller(principal, role, via, email, tokenId, sessionHash, csrf, sessionEndsBy, address, userAgent);
  }

  enum Via {
    BREAK_GLASS, TOKEN, SESSION;

    String wire() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  static Caller breakGlass(String principal) {
    return new Caller(principal, Role.OWNER, Via.BREAK_GLASS, null, null, null, null, null, null, null);
  }

  boolean may(Permission p) {
    return role.permits(p);
  }

  boolean hasAccount() {
    return email != null;
  }

  @Override
  public String toString() {
    return "Caller[" + principal + ", " + role.wire() + ", " + via.wire() + "]"; // no session or CSRF value
  }
}
