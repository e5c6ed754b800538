package berth.tenant;

/** The side-effecting steps a tenant entity asks its driver or guest to perform. */
public enum Step {
  CREATE,
  START,
  INITIALIZE,
  REMOVE,
  /** Delete a retired tenant's retained data volume. */
  PURGE;

  /** The reason journaled when the step succeeded. */
  String describeDone(java.time.Duration retention) {
    return switch (this) {
      case CREATE -> "container created";
      case START -> "container started";
      case INITIALIZE -> "tenant healthy and init payload delivered";
      case REMOVE -> retention.isZero() ? "container and volume removed"
          : "container removed; data kept for " + retention;
      case PURGE -> "data volume deleted";
    };
  }
}
