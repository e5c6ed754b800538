package berth.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PasswordsTest {

  @Test
  void argon2idHashesVerifyOnlyTheirPasswordAndNeverContainIt() {
    String password = "correct horse battery staple";
    String hash = Passwords.hash(password);
    assertTrue(hash.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), hash);
    assertFalse(hash.contains(password));
    assertTrue(Passwords.verify(password, hash));
    assertFalse(Passwords.verify("correct horse battery stapler", hash));
    assertNotEquals(hash, Passwords.hash(password), "a fresh salt each time");
  }

  @Test
  void malformedOrTamperedHashesNeverVerify() {
    String hash = Passwords.hash("another long password");
    assertFalse(Passwords.verify("another long password", null));
    assertFalse(Passwords.verify("another long password", "plain text"));
    assertFalse(Passwords.verify("another long password", hash.replace("t=2", "t=3")), "parameters are bound");
    String tampered = hash.substring(0, hash.length() - 2) + (hash.endsWith("A") ? "BB" : "AA");
    assertFalse(Passwords.verify("another long password", tampered));
  }

  @Test
  void shortAndHugePasswordsAreRefusedWithoutBeingQuoted() {
    assertNotNull(Passwords.problem("short"));
    assertFalse(Passwords.problem("short").contains("short"));
    assertNotNull(Passwords.problem(null));
    assertNotNull(Passwords.problem("x".repeat(257)));
    assertNull(Passwords.problem("twelve chars"));
  }
}
