package berth.tenant;

/** The side-effecting steps a tenant entity asks its driver or guest to perform. */
public enum Step {
  CREATE,
  START,
  INITIALIZE,
  REMOVE,
  /** Delete a retired tenant's retained data volume. */
  PURGE
}
