package berth.docker;

import com.github.dockerjava.api.DockerClient;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the light tenant image ({@code berth.docker.light-image}): {@code FROM scratch}, the host's
 * statically linked busybox, and the shell scripts of {@code tenant-image/src/main/light} (embedded in
 * this jar). busybox httpd serves the start page from the volume and runs {@code /.berth/init} as CGI;
 * a container needs a few MiB where the JVM reference tenant needs 256. Like the reference image it
 * carries the digest of its inputs, so it is rebuilt only when they change.
 */
public final class LightImage {
  private static final Logger log = LoggerFactory.getLogger(LightImage.class);
  static final String RESOURCES = "/berth/tenant-image/light/";
  /** The busybox applets the scripts run, linked in /bin. */
  static final List<String> APPLETS = List.of("sh", "httpd", "head", "sed", "sha256sum", "mv");
  /** A file of the image: its resource (under {@link #RESOURCES}), its path in the image, its mode. */
  private record File(String resource, String path, int mode) {}

  private static final List<File> FILES = List.of(
      new File("start.sh", "lib/berth/start", 0755),
      new File("page", "lib/berth/page", 0755),
      new File("init", "www/.berth/init", 0755), // a CGI script by httpd.conf
      new File("www/.berth/health", "www/.berth/health", 0644),
      new File("httpd.conf", "etc/httpd.conf", 0644));

  /**
   * Names the rest of the image's layout (directories, links, users) written by {@link #buildContext}:
   * change it with that layout, so images built from the old one are rebuilt.
   */
  static final String LAYOUT = "v1: bin etc lib/berth www/.berth tmp(1777) data(uid); applet links; www/index.html -> /data/index.html; passwd tenant";

  private LightImage() {}

  /**
   * Builds the light image when missing or stale. Without a static busybox at {@code berth.docker.light-image.busybox}
   * it builds nothing and says why: the node runs all the same, and a tenant created with that image
   * fails at its create step ("image … not found").
   */
  public static void ensure(DockerClient docker, DockerSettings settings) {
    Optional<String> problem = problem(settings.busybox());
    if (problem.isPresent()) {
      log.warn("The light tenant image {} is not built: {}. Tenants created with it will fail until it is"
          + " (Debian: apt-get install busybox-static, or set berth.docker.light-image.busybox)",
          settings.lightImageTag(), problem.get());
      return;
    }
    byte[] busybox = read(settings.busybox());
    List<byte[]> files = FILES.stream().map(f -> resource(f.resource())).toList();
    String digest = digest(busybox, files);
    ReferenceImage.buildUnlessCurrent(docker, settings.lightImageTag(), digest, "the light tenant image",
        work -> buildContext(busybox, files, digest, work));
  }

  /** Why {@code busybox} cannot go into a FROM-scratch image: missing, not ELF, or dynamically linked. */
  static Optional<String> problem(Path busybox) {
    if (!Files.isRegularFile(busybox)) {
      return Optional.of(busybox + " does not exist");
    }
    byte[] elf;
    try (InputStream in = Files.newInputStream(busybox)) {
      elf = in.readNBytes(64 * 1024);
    } catch (IOException e) {
      return Optional.of(busybox + " cannot be read: " + e.getMessage());
    }
    ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
    if (elf.length < 64 || b.getInt(0) != 0x464c457f || elf[4] != 2) { // "\x7fELF", 64-bit
      return Optional.of(busybox + " is not a 64-bit ELF executable");
    }
    long phoff = b.getLong(0x20);
    int phentsize = Short.toUnsignedInt(b.getShort(0x36));
    int phnum = Short.toUnsignedInt(b.getShort(0x38));
    for (int i = 0; i < phnum; i++) {
      long at = phoff + (long) i * phentsize;
      if (at + 4 > elf.length) break;
      if (b.getInt((int) at) == 3) { // PT_INTERP: needs a dynamic loader and libraries the image lacks
        return Optional.of(busybox + " is dynamically linked; a FROM-scratch image needs a static one");
      }
    }
    return Optional.empty();
  }

  static String dockerfile(String digest) {
    return String.join("\n",
        "FROM scratch",
        "ADD rootfs.tar /",
        "ENV PATH=/bin",
        "USER " + ReferenceImage.TENANT_UID + ":" + ReferenceImage.TENANT_UID,
        "EXPOSE 8080",
        "LABEL " + ReferenceImage.DIGEST_LABEL + "=\"" + digest + "\" org.opencontainers.image.title=\"berth light tenant\"",
        "ENTRYPOINT [\"/bin/sh\", \"/lib/berth/start\"]",
        "");
  }

  private static Path buildContext(byte[] busybox, List<byte[]> files, String digest, Path work) throws IOException {
    int uid = ReferenceImage.TENANT_UID;
    Path rootfs = work.resolve("rootfs.tar");
    try (ImageTar tar = new ImageTar(new BufferedOutputStream(Files.newOutputStream(rootfs)))) {
      for (String dir : List.of("bin", "etc", "lib", "lib/berth", "www", "www/.berth")) {
        tar.dir(dir, 0755, 0);
      }
      tar.dir("tmp", 01777, 0);
      tar.dir("data", 0755, uid);
      tar.file("bin/busybox", busybox, 0755);
      for (String applet : APPLETS) {
        tar.symlink("bin/" + applet, "busybox");
      }
      for (int i = 0; i < FILES.size(); i++) {
        tar.file(FILES.get(i).path(), files.get(i), FILES.get(i).mode());
      }
      // the start page is written to the volume (it names the tenant and says whether it was initialized)
      tar.symlink("www/index.html", "/data/index.html");
      tar.file("etc/passwd", ("root:x:0:0:root:/:/sbin/nologin\ntenant:x:" + uid + ":" + uid
          + ":tenant:/data:/sbin/nologin\n").getBytes(StandardCharsets.UTF_8), 0644);
      tar.file("etc/group", ("root:x:0:\ntenant:x:" + uid + ":\n").getBytes(StandardCharsets.UTF_8), 0644);
    }
    Path context = work.resolve("context.tar");
    try (ImageTar tar = new ImageTar(new BufferedOutputStream(Files.newOutputStream(context)))) {
      tar.file("Dockerfile", dockerfile(digest).getBytes(StandardCharsets.UTF_8), 0644);
      tar.file("rootfs.tar", rootfs, 0644);
    }
    return context;
  }

  private static String digest(byte[] busybox, List<byte[]> files) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(busybox);
      for (int i = 0; i < files.size(); i++) { // each file with where it goes and its mode
        md.update(files.get(i));
        md.update((FILES.get(i).path() + ":" + FILES.get(i).mode()).getBytes(StandardCharsets.UTF_8));
      }
      md.update(LAYOUT.getBytes(StandardCharsets.UTF_8));
      md.update(String.join(",", APPLETS).getBytes(StandardCharsets.UTF_8));
      md.update(dockerfile("").getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(md.digest()).substring(0, 32);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] resource(String name) {
    try (InputStream in = LightImage.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException("the light tenant's " + RESOURCES + name + " is not on the classpath; "
            + "build the project with Maven (driver-docker embeds tenant-image/src/main/light)");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] read(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read " + p, e);
    }
  }
}
