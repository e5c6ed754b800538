package berth.router;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReservedPathsTest {

  @Test
  void everySpellingOfTheGuestApiIsRefused() {
    for (String p : List.of("/.berth/init", "/.berth/health", "/.berth", "/.berth/", "/.BERTH/init", "/.Berth/Init",
        "/%2eberth/init", "/%2Eberth/init", "/.berth%2Finit", "/.berth%2finit", "/%252eberth/init",
        "/.berth;x=1/init", "/.berth/init;jsessionid=1", "//.berth/init", "///.berth//init", "/./.berth/init",
        "/a/../.berth/init", "/a/%2e%2e/.berth/init", "/..;/.berth/init", "/.berth\\init", "\\.berth\\init",
        "/.berth/sso/", "/.berth/SSO", "/.berth/./sso", "/x/../.berth/sso", "/.berth/sso;x")) {
      assertTrue(ReservedPaths.refused(p), p);
    }
  }

  @Test
  void theSsoLandingInItsOneSpellingAndTheTenantsOwnPathsPass() {
    for (String p : List.of("/.berth/sso", "/", "/api/tenants", "/berth/init", "/.berthx/init", "/a/.berth/init",
        "/.well-known/x", "/%2e%2e/etc")) {
      assertFalse(ReservedPaths.refused(p), p);
    }
  }
}
