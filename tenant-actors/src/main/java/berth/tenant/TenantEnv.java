package berth.tenant;

import java.util.List;
import java.util.Map;

/** The environment every tenant container receives. Names are journaled, values are derived. */
final class TenantEnv {
  static final String TENANT_ID = "BERTH_TENANT_ID";
  static final String INCARNATION = "BERTH_TENANT_INCARNATION";
  static final List<String> NAMES = List.of(TENANT_ID, INCARNATION);

  static Map<String, String> values(String slug, int incarnation) {
    return Map.of(TENANT_ID, slug, INCARNATION, Integer.toString(incarnation));
  }

  private TenantEnv() {}
}
