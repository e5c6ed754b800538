package berth.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import berth.tenant.TlsStores;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./berth tls} (a CA made once and reused, stores that open with the generated password, files
 * 0600) and the start-up checks of remoting's TLS material ({@link RemotingTls}): each way of getting
 * it wrong stops the node with a message naming the setting.
 */
class TlsCertificatesTest {
  @TempDir Path dir;

  @Test
  void theCaIsMadeOnceAndSignsEveryNameItIsAskedFor() throws Exception {
    TlsCertificates tls = new TlsCertificates(dir, Clock.systemUTC());
    tls.issue("node-1=node-1.berth.svc,10.1.2.3");
    byte[] ca = Files.readAllBytes(dir.resolve("ca.pem"));
    String password = Files.readString(dir.resolve("password")).strip();
    tls.issue("node-2");
    assertArrayEquals(ca, Files.readAllBytes(dir.resolve("ca.pem")), "a second run reuses the CA");
    assertEquals(password, Files.readString(dir.resolve("password")).strip(), "and the password");

    KeyStore trust = TlsStores.trustStore(dir.resolve("truststore.p12").toString(), password, "trust");
    X509Certificate caCert = (X509Certificate) trust.getCertificate("berth-ca");
    for (String name : new String[] {"node-1", "node-2"}) {
      KeyStore store = TlsStores.keyStore(dir.resolve(name + ".p12").toString(), password, name, Clock.systemUTC());
      X509Certificate cert = (X509Certificate) store.getCertificate(name);
      cert.verify(caCert.getPublicKey());
      assertTrue(cert.getExtendedKeyUsage().containsAll(java.util.List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2")),
          "server and client use");
    }
    X509Certificate first = (X509Certificate) TlsStores.keyStore(dir.resolve("node-1.p12").toString(), password, "n",
        Clock.systemUTC()).getCertificate("node-1");
    assertEquals("[[2, node-1], [2, node-1.berth.svc], [7, 10.1.2.3]]", first.getSubjectAlternativeNames().toString());
    try (var files = Files.list(dir)) {
      files.forEach(f -> assertEquals("rw-------", permissions(f), f.toString()));
    }
    assertThrows(IllegalArgumentException.class, () -> tls.issue("../etc"), "a name is not a path");
    for (String reserved : new String[] {"ca", "truststore", "password"}) {
      assertThrows(IllegalArgumentException.class, () -> tls.issue(reserved), reserved + " is the CA's own file");
    }
    assertEquals(password, Files.readString(dir.resolve("password")), "no newline: it goes into a Secret byte for byte");
    // the CA's key kept elsewhere: no second CA is made behind the operator's back
    Files.delete(dir.resolve("ca-key.pem")); // as if kept offline
    var half = assertThrows(IllegalStateException.class, () -> tls.issue("node-3"));
    assertTrue(half.getMessage().contains("ca.pem but not ca-key.pem"), half.getMessage());
    assertArrayEquals(ca, Files.readAllBytes(dir.resolve("ca.pem")));
  }

  @Test
  void remotingTlsThatCouldNotWorkOrWouldAdmitAnyoneStopsTheNode() throws Exception {
    TlsCertificates tls = new TlsCertificates(dir, Clock.systemUTC());
    tls.issue("node");
    String password = Files.readString(dir.resolve("password")).strip();
    String keyStore = dir.resolve("node.p12").toString();
    String trustStore = dir.resolve("truststore.p12").toString();

    RemotingTls.check(remoting(keyStore, trustStore, password, true), Clock.systemUTC()); // all in order
    RemotingTls.check(ConfigFactory.load(), Clock.systemUTC()); // plain tcp on loopback, the local default

    assertRefused("BERTH_REMOTE_KEYSTORE", remoting(dir.resolve("missing.p12").toString(), trustStore, password, true));
    assertRefused("BERTH_REMOTE_TLS_PASSWORD) is empty", remoting("", trustStore, password, true)); // BERTH_REMOTE_KEYSTORE=
    assertRefused("BERTH_REMOTE_KEYSTORE", remoting(dir.toString(), trustStore, password, true)); // a directory
    assertRefused("wrong password", remoting(keyStore, trustStore, "not-the-password-of-this-store", true));
    assertRefused("placeholder", remoting(keyStore, trustStore, "changeme", true));
    assertRefused("not set", remoting(keyStore, trustStore, "", true));
    assertRefused("require-mutual-authentication", remoting(keyStore, trustStore, password, false));
    assertRefused("holds no private key", remoting(trustStore, trustStore, password, true));
    assertRefused("BERTH_REMOTE_TRUSTSTORE", remoting(keyStore, dir.resolve("none.p12").toString(), password, true));
    // no key store configured at all: Pekko's default file name, which does not exist
    assertRefused("BERTH_REMOTE_KEYSTORE", ConfigFactory.parseString("pekko.remote.artery.transport = tls-tcp")
        .withFallback(ConfigFactory.load()));

    Path old = dir.resolve("old");
    new TlsCertificates(old, Clock.fixed(Instant.now().minus(Duration.ofDays(800)), ZoneOffset.UTC)).issue("node");
    String oldPassword = Files.readString(old.resolve("password")).strip();
    assertRefused("expired on", remoting(old.resolve("node.p12").toString(), old.resolve("truststore.p12").toString(),
        oldPassword, true));
  }

  @Test
  void httpsIsOffWithoutAKeyStoreAndOnWithOne() throws Exception {
    new TlsCertificates(dir, Clock.systemUTC()).issue("admin");
    String password = Files.readString(dir.resolve("password")).strip();
    assertTrue(TlsStores.httpsServer(ConfigFactory.parseString("key-store = \"\", password = \"\""), "s",
        Clock.systemUTC()).isEmpty());
    assertTrue(TlsStores.httpsServer(ConfigFactory.parseString("key-store = \"%s\", password = \"%s\""
        .formatted(dir.resolve("admin.p12"), password)), "s", Clock.systemUTC()).isPresent());
    var storeless = assertThrows(IllegalArgumentException.class, () -> TlsStores.httpsServer(
        ConfigFactory.parseString("key-store = \"\", password = \"set-but-no-store\""), "s", Clock.systemUTC()));
    assertTrue(storeless.getMessage().contains("password is set"), "a password without a store is not plain HTTP");
    var wrong = assertThrows(IllegalArgumentException.class, () -> TlsStores.httpsServer(ConfigFactory.parseString(
        "key-store = \"%s\", password = \"wrong-password-for-this\"".formatted(dir.resolve("admin.p12"))),
        "berth.api.tls.key-store (BERTH_API_TLS_KEYSTORE)", Clock.systemUTC()));
    assertTrue(wrong.getMessage().startsWith("berth.api.tls.key-store (BERTH_API_TLS_KEYSTORE)"), wrong.getMessage());
  }

  private static Config remoting(String keyStore, String trustStore, String password, boolean mutual) {
    return ConfigFactory.parseString("""
        pekko.remote.artery.transport = tls-tcp
        pekko.remote.artery.ssl.config-ssl-engine {
          key-store = "%s", trust-store = "%s"
          key-store-password = "%3$s", key-password = "%3$s", trust-store-password = "%3$s"
          require-mutual-authentication = %4$s
        }
        """.formatted(keyStore, trustStore, password, mutual)).withFallback(ConfigFactory.load());
  }

  private static void assertRefused(String expected, Config config) {
    var e = assertThrows(IllegalArgumentException.class, () -> RemotingTls.check(config, Clock.systemUTC()));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  private static String permissions(Path f) {
    try {
      return PosixFilePermissions.toString(Files.getPosixFilePermissions(f));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
