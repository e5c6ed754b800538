package berth.tenant;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A tenant's name in the fleet: a DNS label of 2 to 40 lowercase letters, digits and inner hyphens.
 * It is the entity id, part of the container's name and the tenant's host name, so the admin API
 * accepts no other, and the router routes no other host label.
 */
public record Slug(String value) {
  private static final Pattern RULE = Pattern.compile("[a-z0-9][a-z0-9-]{0,38}[a-z0-9]");
  static final int MAX_SHOWN = 60;

  public Slug {
    if (!valid(value)) {
      throw new IllegalArgumentException(problem(value));
    }
  }

  /** The rule as a regular expression (whole match), for clients that check as the user types. */
  public static String pattern() {
    return RULE.pattern();
  }

  /** The rule in words. */
  public static final String RULE_TEXT = "2 to 40 lowercase letters, digits and inner hyphens";

  public static boolean valid(String candidate) {
    return candidate != null && RULE.matcher(candidate).matches();
  }

  public static Optional<Slug> parse(String candidate) {
    return valid(candidate) ? Optional.of(new Slug(candidate)) : Optional.empty();
  }

  /** Why {@code candidate} is not a slug, in words for an operator (control characters masked). */
  public static String problem(String candidate) {
    String shown = candidate == null ? "" : candidate.length() > MAX_SHOWN ? candidate.substring(0, MAX_SHOWN) + "…" : candidate;
    return "slug '" + shown.replaceAll("\\p{Cntrl}", "?")
        + "' is not a DNS label: use " + RULE_TEXT;
  }

  @Override
  public String toString() {
    return value;
  }
}
