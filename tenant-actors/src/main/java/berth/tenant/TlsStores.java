package berth.tenant;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.Date;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key and trust stores a node serves TLS from (remoting between nodes, the admin API, the router),
 * checked when the node starts so a misconfiguration stops it with a message naming the setting rather
 * than failing at the first handshake: the file is there and opens with the password given (not blank,
 * not a placeholder such as Pekko's "changeme"), a key store holds a private key whose certificate is
 * valid today, a trust store holds at least one certificate. PKCS#12 and JKS files are read.
 */
public final class TlsStores {
  private static final Logger log = LoggerFactory.getLogger(TlsStores.class);
  private static final Duration EXPIRY_WARNING = Duration.ofDays(30);

  private TlsStores() {}

  /** A key store with a private key and a certificate valid now; expiry within 30 days is logged. */
  public static KeyStore keyStore(String file, String password, String setting, Clock clock) {
    return keyStore(file, password, password, setting, clock);
  }

  /** The same, for a store whose key has a password of its own. */
  public static KeyStore keyStore(String file, String password, String keyPassword, String setting, Clock clock) {
    KeyStore store = open(file, password, setting);
    try {
      boolean hasKey = false;
      for (String alias : Collections.list(store.aliases())) {
        if (!store.isKeyEntry(alias)) continue;
        hasKey = true;
        store.getKey(alias, keyPassword.toCharArray()); // the key opens
        if (store.getCertificate(alias) instanceof X509Certificate cert) {
          requireValid(cert, file, setting, clock);
        }
      }
      if (!hasKey) {
        throw new IllegalArgumentException(setting + ": " + file + " holds no private key (a trust store given "
            + "where a key store belongs?)");
      }
      return store;
    } catch (UnrecoverableKeyException e) {
      throw new IllegalArgumentException(setting + ": the private key in " + file
          + " does not open with the key password given (use one password for the store and its key)", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(setting + ": cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** A trust store holding at least one certificate. */
  public static KeyStore trustStore(String file, String password, String setting) {
    KeyStore store = open(file, password, setting);
    try {
      for (String alias : Collections.list(store.aliases())) {
        if (store.getCertificate(alias) != null) return store;
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(setting + ": cannot read " + file + ": " + e.getMessage(), e);
    }
    throw new IllegalArgumentException(setting + ": " + file + " holds no certificate to trust");
  }

  /**
   * An HTTPS server context from a {@code tls} block ({@code key-store}, {@code password}) of a
   * server's configuration, or empty when its key store is not set (plain HTTP).
   *
   * @param setting how an operator names the key store setting, e.g. {@code berth.api.tls.key-store (BERTH_API_TLS_KEYSTORE)}
   */
  public static Optional<SSLContext> httpsServer(Config tls, String setting, Clock clock) {
    String file = tls.getString("key-store").strip();
    String password = tls.getString("password");
    if (file.isEmpty()) {
      if (!password.isEmpty()) {
        // a password without its store is a mistyped or missing key store setting: not plain HTTP
        throw new IllegalArgumentException(setting + " is empty while its password is set: name the key store, "
            + "or unset the password to serve plain HTTP");
      }
      return Optional.empty();
    }
    KeyStore store = keyStore(file, password, setting, clock);
    try {
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password.toCharArray());
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return Optional.of(context);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(setting + ": cannot serve TLS from " + file + ": " + e.getMessage(), e);
    }
  }

  private static KeyStore open(String file, String password, String setting) {
    if (file.isBlank()) {
      throw new IllegalArgumentException(setting + " is empty: name a key store file");
    }
    Path path = Path.of(file);
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new IllegalArgumentException(setting + ": no readable file " + path.toAbsolutePath()
          + " (./berth tls makes a CA and node key stores, docs/operations.md \"TLS\")");
    }
    if (password.isBlank()) {
      throw new IllegalArgumentException(setting + ": the store's password is not set");
    }
    NodeSecret.requireNoPlaceholder(password, setting + "'s password");
    try {
      return KeyStore.getInstance(path.toFile(), password.toCharArray()); // PKCS#12 or JKS, by content
    } catch (IOException e) {
      if (e.getCause() instanceof UnrecoverableKeyException) {
        throw new IllegalArgumentException(setting + ": wrong password for " + path, e);
      }
      throw new IllegalArgumentException(setting + ": cannot read " + path + ": " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(setting + ": cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  private static void requireValid(X509Certificate cert, String file, String setting, Clock clock) {
    Date now = Date.from(clock.instant());
    try {
      cert.checkValidity(now);
    } catch (CertificateExpiredException e) {
      throw new IllegalArgumentException(setting + ": the certificate in " + file + " (" + cert.getSubjectX500Principal()
          + ") expired on " + cert.getNotAfter().toInstant(), e);
    } catch (CertificateNotYetValidException e) {
      throw new IllegalArgumentException(setting + ": the certificate in " + file + " (" + cert.getSubjectX500Principal()
          + ") is valid only from " + cert.getNotBefore().toInstant(), e);
    }
    if (cert.getNotAfter().toInstant().isBefore(clock.instant().plus(EXPIRY_WARNING))) {
      log.warn("{}: the certificate in {} ({}) expires on {}: renew it (./berth tls)", setting, file,
          cert.getSubjectX500Principal(), cert.getNotAfter().toInstant());
    }
  }

  /**
   * Whether {@code host} names this machine's loopback interface: the one place plain TCP is acceptable
   * without TLS. A host that is missing or does not resolve is not known to be loopback.
   */
  public static boolean loopback(String host) {
    if (host == null || host.isEmpty()) return false;
    try {
      return java.net.InetAddress.getByName(host).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }
}
