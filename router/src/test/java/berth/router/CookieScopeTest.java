package berth.router;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CookieScopeTest {

  @Test
  void cookiesForTheTenantsOwnHostPass() {
    assertTrue(CookieScope.allowed("s=1; Path=/; HttpOnly", "acme.localhost"));
    assertTrue(CookieScope.allowed("s=1; Domain=acme.localhost", "acme.localhost"));
    assertTrue(CookieScope.allowed("s=1; domain=.ACME.localhost.", "acme.localhost"));
    assertTrue(CookieScope.allowed("s=1; Domain=app.acme.localhost", "acme.localhost"));
  }

  @Test
  void cookiesScopedToTheParentOrANeighbourAreDropped() {
    assertFalse(CookieScope.allowed("planted=1; Path=/; Domain=localhost", "acme.localhost"));
    assertFalse(CookieScope.allowed("planted=1; Domain=.localhost", "acme.localhost"));
    assertFalse(CookieScope.allowed("planted=1; Domain=other.localhost", "acme.localhost"));
    assertFalse(CookieScope.allowed("planted=1; Domain=cme.localhost", "acme.localhost"));
    assertFalse(CookieScope.allowed("planted=1; Domain=xacme.localhost", "acme.localhost"));
    assertFalse(CookieScope.allowed("planted=1; Domain=", "acme.localhost"));
    assertFalse(CookieScope.allowed("a=1; Domain=acme.localhost; Domain=localhost", "acme.localhost"));
  }
}
