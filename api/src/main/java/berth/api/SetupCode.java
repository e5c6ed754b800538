package berth.api;

import berth.account.AccountCredentials;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First run: while no owner exists, each node that starts prints a one-time setup code (as Jenkins
 * prints its initial admin password), so that whoever reaches the port first cannot become owner.
 * Only its hash is stored; any unexpired printed code works, once, and signing up forgets them all.
 */
public final class SetupCode {
  private static final Logger log = LoggerFactory.getLogger(SetupCode.class);
  /** Crockford's base 32: no I, L, O or U to misread. 16 characters: 80 bits. */
  private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  private static final SecureRandom RANDOM = new SecureRandom();

  private SetupCode() {}

  /** Prints (logs) a new setup code when no owner exists yet; the code, or empty when sign-up is closed. */
  public static Optional<String> issueIfNoOwner(AccountCredentials credentials, ApiSettings settings, Clock clock) {
    if (credentials.ownerExists()) return Optional.empty();
    StringBuilder code = new StringBuilder();
    for (int i = 0; i < 16; i++) {
      if (i > 0 && i % 4 == 0) code.append('-');
      code.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    String shown = code.toString();
    credentials.addSetupCode(Authenticator.sha256(shown.replace("-", "")),
        clock.instant().plus(settings.accounts().setupCodeTtl()));
    log.warn("""

        *************************************************************
        No owner has signed up yet. One-time setup code (valid {} h):

            {}

        Sign up: POST /api/setup {"code", "email", "displayName", "password"}
        *************************************************************""",
        settings.accounts().setupCodeTtl().toHours(), shown);
    return Optional.of(shown);
  }
}
