package berth.cluster;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * {@code ./berth tls DIR NAME[=SAN,...]...}: a private CA for one Berth cluster and a key store per
 * name it is asked for, enough for TLS remoting with mutual authentication and for HTTPS on the
 * admin API and router (docs/operations.md "TLS"). In DIR, every file mode 0600, written whole:
 * <ul>
 *   <li>{@code ca.pem}, {@code ca-key.pem}: the CA (made on the first run, reused by later ones to issue
 *       more names or renew them: keep ca-key.pem offline once the nodes have their stores);
 *   <li>{@code truststore.p12}: the CA certificate, for {@code BERTH_REMOTE_TRUSTSTORE} and clients;
 *   <li>{@code NAME.p12}: NAME's private key and certificate (with the CA's), for
 *       {@code BERTH_REMOTE_KEYSTORE} (and {@code BERTH_API_TLS_KEYSTORE}, {@code BERTH_ROUTER_TLS_KEYSTORE}
 *       — but any certificate of a cluster's CA admits its holder to the cluster: make certificates for
 *       servers deployed elsewhere, such as a router's wildcard, in a directory of their own);
 *       also as PEM, {@code NAME.pem} and {@code NAME-key.pem};
 *   <li>{@code password}: the password of every .p12 file in DIR (made on the first run).
 * </ul>
 * Certificates are ECDSA P-256, for server and client use, with NAME and the extra subject alternative
 * names given after '=' (host names, IP addresses, {@code *.tenants.example.com}); the CA is valid for
 * ten years, a name's certificate for {@link #NODE_VALIDITY}.
 */
public final class TlsCertificates {
  static final Duration CA_VALIDITY = Duration.ofDays(3650);
  static final Duration NODE_VALIDITY = Duration.ofDays(397);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final Clock clock;

  TlsCertificates(Path dir, Clock clock) {
    this.dir = dir;
    this.clock = clock;
  }

  public static void main(String[] args) {
    if (args.length < 2 || args[1].startsWith("-")) {
      System.err.println("usage: ./berth tls DIR NAME[=SAN,...] [NAME...]   a cluster CA (made once) and NAME.p12 per name");
      System.exit(64);
    }
    TlsCertificates tls = new TlsCertificates(Path.of(args[0]), Clock.systemUTC());
    for (int i = 1; i < args.length; i++) {
      Path store = tls.issue(args[i]);
      System.out.println("berth: " + store + " (" + args[i] + ")");
    }
    System.out.println("berth: trust store " + tls.dir.resolve("truststore.p12") + "; the password of every store there is in "
        + tls.dir.resolve("password"));
  }

  /**
   * Issues (or renews) the key store of {@code spec}, {@code NAME[=SAN,...]}, creating the CA, the
   * trust store and the password first if DIR has none.
   *
   * @return the key store written, {@code DIR/NAME.p12}
   */
  Path issue(String spec) {
    String name = spec.contains("=") ? spec.substring(0, spec.indexOf('=')) : spec;
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9.-]*")) {
      throw new IllegalArgumentException("a name is letters, digits, '.' and '-': " + name);
    }
    if (List.of("ca", "ca-key", "truststore", "password").contains(name)) {
      throw new IllegalArgumentException("'" + name + "' names one of the CA's own files: choose another name");
    }
    List<String> sans = new ArrayList<>(List.of(name));
    if (spec.contains("=")) {
      for (String san : spec.substring(spec.indexOf('=') + 1).split(",")) {
        if (!san.isBlank()) sans.add(san.strip());
      }
    }
    try {
      Files.createDirectories(dir);
      char[] password = password();
      Ca ca = ca(password);
      KeyPair keys = ecKeys();
      X509Certificate cert = sign(ca, new X500Name("CN=" + name), keys, sans);
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(name, keys.getPrivate(), password, new Certificate[] {cert, ca.cert()});
      Path p12 = dir.resolve(name + ".p12");
      writeStore(p12, store, password);
      writeOwnerOnly(dir.resolve(name + ".pem"), pem(cert));
      writeOwnerOnly(dir.resolve(name + "-key.pem"), pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate()));
      return p12;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("could not issue a certificate for " + name + ": " + e.getMessage(), e);
    }
  }

  /** The CA: its certificate and private key. */
  private record Ca(X509Certificate cert, PrivateKey key) {}

  /** DIR's CA, made with the trust store (under {@code password}) when DIR has none yet. */
  private Ca ca(char[] password) throws IOException, GeneralSecurityException, OperatorCreationException {
    Path keyFile = dir.resolve("ca-key.pem");
    Path certFile = dir.resolve("ca.pem");
    if (Files.exists(keyFile) != Files.exists(certFile)) {
      // a new CA here would replace the trust store every node has: refuse instead
      throw new IllegalStateException(dir + " has " + (Files.exists(certFile) ? "ca.pem but not ca-key.pem" : "ca-key.pem but not ca.pem")
          + ": put the CA's other half back to issue more certificates from it (or use an empty directory for a new CA)");
    }
    if (Files.exists(keyFile)) {
      try (Reader r = Files.newBufferedReader(keyFile); PEMParser parser = new PEMParser(r)) {
        return new Ca(readCertificate(certFile), new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) parser.readObject()));
      }
    }
    KeyPair keys = ecKeys();
    byte[] id = new byte[4];
    RANDOM.nextBytes(id);
    X500Name subject = new X500Name("CN=Berth cluster CA " + java.util.HexFormat.of().formatHex(id));
    Instant now = clock.instant();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minus(Duration.ofHours(1))),
        Date.from(now.plus(CA_VALIDITY)), subject, keys.getPublic());
    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
    X509Certificate ca = certificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    writeOwnerOnly(keyFile, pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate()));
    writeOwnerOnly(certFile, pem(ca));
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("berth-ca", ca);
    writeStore(dir.resolve("truststore.p12"), trust, password);
    return new Ca(ca, keys.getPrivate());
  }

  private X509Certificate sign(Ca ca, X500Name subject, KeyPair keys, List<String> sans)
      throws GeneralSecurityException, OperatorCreationException, IOException {
    Instant now = clock.instant();
    Instant notAfter = now.plus(NODE_VALIDITY);
    if (notAfter.isAfter(ca.cert().getNotAfter().toInstant())) {
      notAfter = ca.cert().getNotAfter().toInstant(); // never outlives the CA
    }
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.cert(), serial(), Date.from(now.minus(Duration.ofHours(1))),
        Date.from(notAfter), subject, keys.getPublic());
    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
    b.addExtension(Extension.extendedKeyUsage, false,
        new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
    b.addExtension(Extension.subjectAlternativeName, false,
        new GeneralNames(sans.stream().map(TlsCertificates::generalName).toArray(GeneralName[]::new)));
    b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
    b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca.cert()));
    return certificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.key())));
  }

  private static GeneralName generalName(String san) {
    boolean ip = san.matches("[0-9.]+") || san.contains(":");
    if (ip) {
      try {
        return new GeneralName(GeneralName.iPAddress, new org.bouncycastle.asn1.DEROctetString(
            InetAddress.getByName(san).getAddress()));
      } catch (java.net.UnknownHostException e) {
        throw new IllegalArgumentException("not an IP address: " + san, e);
      }
    }
    return new GeneralName(GeneralName.dNSName, san);
  }

  /** The password of DIR's stores, made on the first run: 32 random bytes, base64. */
  private char[] password() throws IOException {
    Path file = dir.resolve("password");
    if (Files.exists(file)) {
      return Files.readString(file, StandardCharsets.UTF_8).toCharArray();
    }
    byte[] random = new byte[32];
    RANDOM.nextBytes(random);
    String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    // no trailing newline: the file goes byte for byte into a Kubernetes Secret and from there into
    // BERTH_REMOTE_TLS_PASSWORD, where a newline would be part of the password
    writeOwnerOnly(file, password.getBytes(StandardCharsets.UTF_8));
    return password.toCharArray();
  }

  private static KeyPair ecKeys() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return g.generateKeyPair();
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  private static X509Certificate certificate(X509CertificateHolder holder) throws GeneralSecurityException {
    return new JcaX509CertificateConverter().getCertificate(holder);
  }

  private static X509Certificate readCertificate(Path file) throws IOException, GeneralSecurityException {
    try (Reader r = Files.newBufferedReader(file); PEMParser parser = new PEMParser(r)) {
      return certificate((X509CertificateHolder) parser.readObject());
    }
  }

  private static byte[] pem(Object object) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(object);
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private void writeStore(Path file, KeyStore store, char[] password) throws IOException, GeneralSecurityException {
    var bytes = new java.io.ByteArrayOutputStream();
    store.store(bytes, password);
    writeOwnerOnly(file, bytes.toByteArray());
  }

  /** Writes a file whole, mode 0600 from its first byte: a new file beside it, then renamed over it. */
  private void writeOwnerOnly(Path file, byte[] content) throws IOException {
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (OutputStream out = Files.newOutputStream(tmp)) {
      out.write(content);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
