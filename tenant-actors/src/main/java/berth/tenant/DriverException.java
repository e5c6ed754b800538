package berth.tenant;

/**
 * The only failure a driver or guest adapter may surface to the domain. Adapters translate their own
 * errors at the boundary: {@code retryable} failures (daemon unreachable, timeouts, conflicts that may
 * clear) are retried with backoff; permanent ones (bad spec, missing image, name taken by a stranger)
 * fail the step at once. Messages must never contain secret values.
 */
public final class DriverException extends RuntimeException {
  private final boolean retryable;
  private final boolean containerMissing;

  private DriverException(String message, boolean retryable, boolean containerMissing, Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
    this.containerMissing = containerMissing;
  }

  public static DriverException retryable(String message, Throwable cause) {
    return new DriverException(message, true, false, cause);
  }

  public static DriverException permanent(String message, Throwable cause) {
    return new DriverException(message, false, false, cause);
  }

  /**
   * The container an operation needs does not exist (it was removed behind Berth's back). Not worth
   * retrying as such: the tenant must create it again.
   */
  public static DriverException containerMissing(String message) {
    return new DriverException(message, false, true, null);
  }

  public boolean containerMissing() {
    return containerMissing;
  }

  public boolean retryable() {
    return retryable;
  }
}
