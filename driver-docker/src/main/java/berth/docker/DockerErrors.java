package berth.docker;

import berth.tenant.DriverException;
import com.github.dockerjava.api.exception.BadRequestException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.UnauthorizedException;

/** Translates docker-java failures into the domain's retryable / permanent distinction. */
final class DockerErrors {
  private DockerErrors() {}

  static DriverException translate(String what, RuntimeException e) {
    if (e instanceof DriverException de) {
      return de;
    }
    String message = what + ": " + summary(e);
    // 400 (invalid spec), 401/403 and 404 (missing image) will not clear by themselves.
    if (e instanceof BadRequestException || e instanceof UnauthorizedException || e instanceof NotFoundException) {
      return DriverException.permanent(message, e);
    }
    // 409 (removal in progress, volume still in use), 5xx, and transport failures (daemon unreachable,
    // restarting or slow) may clear: retry them within the step's budget.
    return DriverException.retryable(message, e);
  }

  private static String summary(Throwable e) {
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      Throwable cause = e.getCause();
      m = cause != null && cause.getMessage() != null ? cause.getMessage() : e.getClass().getSimpleName();
    }
    m = m.strip();
    return m.length() > 300 ? m.substring(0, 300) + "…" : m;
  }
}
