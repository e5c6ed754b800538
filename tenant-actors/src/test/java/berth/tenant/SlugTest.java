package berth.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SlugTest {

  @Test
  void aSlugIsADnsLabelOfTwoToFortyCharacters() {
    for (String ok : List.of("ab", "acme", "a-b", "a1", "0x", "a".repeat(40))) {
      assertTrue(Slug.valid(ok), ok);
      assertEquals(ok, new Slug(ok).value());
    }
    for (String bad : List.of("", "a", "-ab", "ab-", "Acme", "a_b", "a.b", "a b", "é-t", "a".repeat(41), "ab\n")) {
      assertFalse(Slug.valid(bad), bad);
      assertTrue(Slug.parse(bad).isEmpty(), bad);
      assertThrows(IllegalArgumentException.class, () -> new Slug(bad));
    }
    assertFalse(Slug.valid(null));
  }

  @Test
  void theProblemQuotesTheInputSafely() {
    assertEquals("slug 'a\u0000b?' is not a DNS label: use 2 to 40 lowercase letters, digits and inner hyphens"
        .replace('\u0000', '?'), Slug.problem("a\u0000b\n"));
    assertTrue(Slug.problem("x".repeat(100)).contains("x".repeat(60) + "…'"));
  }
}
