package berth.tenant;

/**
 * A tenant's lifecycle phase. EMPTY means no tenant was ever provisioned under the slug.
 *
 * <pre>
 * EMPTY -> PROVISIONING -> INITIALIZING -> READY -> TEARING_DOWN -> RETIRED
 *              |               |                        ^   |
 *              +---------------+---> FAILED ------------+   +--(provision again)--> PROVISIONING
 *                                      | retry: back to the phase that failed
 * </pre>
 */
public enum Phase {
  EMPTY,
  PROVISIONING,
  INITIALIZING,
  READY,
  TEARING_DOWN,
  RETIRED,
  FAILED;

  /** Phases in which the entity owes the world a driver or guest step. */
  public boolean inTransition() {
    return this == PROVISIONING || this == INITIALIZING || this == TEARING_DOWN;
  }

  /** Phases in which a tenant exists and its slug is taken. */
  public boolean active() {
    return this != EMPTY && this != RETIRED;
  }
}
