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
  private final boolean notReady;

  private DriverException(String message, boolean retryable, boolean containerMissing, boolean notReady, Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
    this.containerMissing = containerMissing;
    this.notReady = notReady;
  }

  public static DriverException retryable(String message, Throwable cause) {
    return new DriverException(message, true, false, false, cause);
  }

  public static DriverException permanent(String message, Throwable cause) {
    return new DriverException(message, false, false, false, cause);
  }

  /**
   * The tenant does not answer its health check (yet): a container that is still starting. Asked
   * again at the health cadence ({@code berth.tenant.health-interval}) until the step's deadline,
   * not retried with the backoff nor counted against the attempt budget.
   */
  public static DriverException notReady(String message, Throwable cause) {
    return new DriverException(message, true, false, true, cause);
  }

  public boolean notReady() {
    return notReady;
  }

  /**
   * The container an operation needs does not exist (it was removed behind Berth's back). Not worth
   * retrying as such: the tenant must create it again.
   */
  public static DriverException containerMissing(String message) {
    return new DriverException(message, false, true, false, null);
  }

  public boolean containerMissing() {
    return containerMissing;
  }

  public boolean retryable() {
    return retryable;
  }
}
