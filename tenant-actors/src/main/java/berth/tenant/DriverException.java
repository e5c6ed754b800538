package berth.tenant;

/**
 * The only failure a driver or guest adapter may surface to the domain. Adapters translate their own
 * errors at the boundary: {@code retryable} failures (daemon unreachable, timeouts, conflicts that may
 * clear) are retried with backoff; permanent ones (bad spec, missing image, name taken by a stranger)
 * fail the step at once. Messages must never contain secret values.
 */
public final class DriverException extends RuntimeException {
  private final boolean retryable;

  private DriverException(String message, boolean retryable, Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
  }

  public static DriverException retryable(String message, Throwable cause) {
    return new DriverException(message, true, cause);
  }

  public static DriverException permanent(String message, Throwable cause) {
    return new DriverException(message, false, cause);
  }

  public boolean retryable() {
    return retryable;
  }
}
