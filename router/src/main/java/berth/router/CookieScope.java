package berth.router;

import java.util.Locale;

/**
 * Which {@code Set-Cookie} headers of a tenant's response may reach the browser. Tenants share a
 * parent domain, so a cookie with {@code Domain=} that parent (or any other host) would be sent to
 * every neighbour: planted sessions, shadowed CSRF tokens. A cookie passes when it has no
 * {@code Domain} attribute (host-only: the tenant's own host) or its domain is the tenant's host or
 * below it; anything else is dropped.
 */
final class CookieScope {
  private CookieScope() {}

  /** @param tenantHost the host the request was routed by, e.g. {@code acme.localhost} */
  static boolean allowed(String setCookie, String tenantHost) {
    String host = tenantHost.toLowerCase(Locale.ROOT);
    String[] attributes = setCookie.split(";");
    for (int i = 1; i < attributes.length; i++) {
      String attribute = attributes[i].strip();
      int eq = attribute.indexOf('=');
      String name = (eq < 0 ? attribute : attribute.substring(0, eq)).strip();
      if (!name.equalsIgnoreCase("domain")) continue;
      String domain = eq < 0 ? "" : attribute.substring(eq + 1).strip().toLowerCase(Locale.ROOT);
      while (domain.startsWith(".")) domain = domain.substring(1);
      if (domain.endsWith(".")) domain = domain.substring(0, domain.length() - 1);
      if (!(domain.equals(host) || domain.endsWith("." + host))) {
        return false;
      }
    }
    return true;
  }
}
