package berth.account;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What an account may do (docs/api.md has the matrix). {@code owner} may do everything, including
 * managing accounts; {@code operator} runs tenants and their secrets; {@code viewer} reads;
 * {@code auditor} reads and exports the audit trail, people included.
 */
public enum Role {
  OWNER(EnumSet.allOf(Permission.class)),
  OPERATOR(EnumSet.of(Permission.READ_FLEET, Permission.READ_LOGS, Permission.MANAGE_TENANTS,
      Permission.SIGN_IN_TO_TENANTS, Permission.OWN_TOKENS)),
  VIEWER(EnumSet.of(Permission.READ_FLEET, Permission.OWN_TOKENS)),
  AUDITOR(EnumSet.of(Permission.READ_FLEET, Permission.READ_ACCOUNTS, Permission.READ_AUDIT, Permission.OWN_TOKENS));

  private final Set<Permission> permissions;

  Role(Set<Permission> permissions) {
    this.permissions = permissions;
  }

  public boolean permits(Permission p) {
    return permissions.contains(p);
  }

  /** Whether everything {@code other} may do, this role may do too: a token is bounded by its account's role. */
  public boolean covers(Role other) {
    return permissions.containsAll(other.permissions);
  }

  /** The name in JSON and in the journal's views: lower case. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Role> parse(String s) {
    if (s == null) return Optional.empty();
    for (Role r : values()) {
      if (r.wire().equals(s)) return Optional.of(r);
    }
    return Optional.empty();
  }
}
