package berth.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the reference tenant image from this repository's files: {@code FROM scratch}, a JRE linked
 * with jlink, the host's glibc, and the reference tenant app (embedded in this jar at build time). No
 * registry is involved. The image carries the digest of its inputs as a label, so a stale image is
 * rebuilt and an up-to-date one is left alone.
 */
public final class ReferenceImage {
  private static final Logger log = LoggerFactory.getLogger(ReferenceImage.class);
  static final String APP_RESOURCE = "/berth/tenant-image/tenant-app.jar";
  static final String DIGEST_LABEL = "berth.image.inputs";
  /** The unprivileged user the tenant runs as; it owns /data. */
  static final int TENANT_UID = 10001;

  private ReferenceImage() {}

  /** Builds the configured reference image ({@code berth.docker.reference-image.tag}) when missing or stale. */
  public static void ensure(DockerClient docker, DockerSettings settings) {
    ensure(docker, settings, settings.referenceImageTag());
  }

  /** Builds {@code tag} unless an image of that tag built from the same inputs exists. */
  public static void ensure(DockerClient docker, DockerSettings settings, String tag) {
    byte[] app = appJar();
    String digest = digest(app, settings);
    buildUnlessCurrent(docker, tag, digest, "the reference tenant image (takes a minute the first time)", work -> {
      Path jre = work.resolve("jre");
      jlink(settings.jreModules(), jre);
      return buildContext(settings, app, jre, digest, work);
    });
  }

  /** Writes a build context (a tar with a Dockerfile) into a scratch directory and returns it. */
  interface Context {
    Path write(Path work) throws IOException;
  }

  /**
   * Builds {@code tag} from the context {@code context} writes, unless an image of that tag carries
   * {@code digest} (of its inputs) as its {@link #DIGEST_LABEL}: a stale image is rebuilt, a current one left.
   */
  static void buildUnlessCurrent(DockerClient docker, String tag, String digest, String what, Context context) {
    try {
      var existing = docker.inspectImageCmd(tag).exec();
      Map<String, String> labels = existing.getConfig() == null ? null : existing.getConfig().getLabels();
      if (labels != null && digest.equals(labels.get(DIGEST_LABEL))) {
        return;
      }
      log.info("Image {} is stale; rebuilding {}", tag, what);
    } catch (NotFoundException missing) {
      log.info("Image {} is missing; building {}", tag, what);
    }
    Path work = null;
    try {
      work = Files.createTempDirectory("berth-image");
      Path tar = context.write(work);
      String id;
      try (InputStream in = new BufferedInputStream(Files.newInputStream(tar))) {
        id = docker.buildImageCmd(in)
            .withTags(Set.of(tag))
            .withPull(false)
            .exec(new BuildImageResultCallback())
            .awaitImageId();
      }
      log.info("Built {} ({})", tag, id);
    } catch (IOException e) {
      throw new UncheckedIOException("could not assemble " + what, e);
    } finally {
      ImageTar.deleteQuietly(work);
    }
  }

  private static byte[] appJar() {
    try (InputStream in = ReferenceImage.class.getResourceAsStream(APP_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the reference tenant app " + APP_RESOURCE + " is not on the classpath; "
            + "build the project with Maven (the tenant-image module embeds it)");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String digest(byte[] app, DockerSettings s) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(app);
      md.update(String.join(",", s.jreModules()).getBytes(StandardCharsets.UTF_8));
      md.update(String.join(",", s.libs()).getBytes(StandardCharsets.UTF_8));
      md.update(dockerfile("").getBytes(StandardCharsets.UTF_8));
      md.update(Runtime.version().toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(md.digest()).substring(0, 32);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void jlink(List<String> modules, Path output) {
    ToolProvider jlink = ToolProvider.findFirst("jlink").orElseThrow(() -> new IllegalStateException(
        "jlink is not available in this Java runtime (" + System.getProperty("java.home") + "); run Berth on a full JDK"));
    StringWriter out = new StringWriter();
    int rc = jlink.run(new PrintWriter(out), new PrintWriter(out),
        "--add-modules", String.join(",", modules),
        "--strip-debug", "--no-man-pages", "--no-header-files", "--compress=2",
        "--output", output.toString());
    if (rc != 0) {
      throw new IllegalStateException("jlink failed (" + rc + "): " + out);
    }
  }

  static String dockerfile(String digest) {
    return String.join("\n",
        "FROM scratch",
        "ADD rootfs.tar /",
        "ENV BERTH_DATA_DIR=/data PORT=8080",
        "USER " + TENANT_UID + ":" + TENANT_UID,
        "EXPOSE 8080",
        "LABEL " + DIGEST_LABEL + "=\"" + digest + "\" org.opencontainers.image.title=\"berth reference tenant\"",
        "ENTRYPOINT [\"/opt/jre/bin/java\", \"-XX:+UseSerialGC\", \"-XX:MaxRAMPercentage=45\", \"-XX:-UsePerfData\","
            + " \"-Xss512k\", \"-jar\", \"/app/tenant-app.jar\"]",
        "");
  }

  /**
   * Writes the build context into {@code work}: a Dockerfile and rootfs.tar, whose entries carry
   * explicit modes and owners. Both archives are written to disk, never held in memory, so building
   * the image does not need a large heap.
   */
  private static Path buildContext(DockerSettings s, byte[] app, Path jre, String digest, Path work) throws IOException {
    Path rootfs = work.resolve("rootfs.tar");
    try (ImageTar tar = new ImageTar(new BufferedOutputStream(Files.newOutputStream(rootfs)))) {
      for (String dir : List.of("app", "opt", "lib", "lib64", "etc", s.libDir().toString().substring(1))) {
        tar.dir(dir, 0755, 0);
      }
      tar.dir("tmp", 01777, 0);
      tar.dir("data", 0755, TENANT_UID);
      tar.file("app/tenant-app.jar", app, 0644);
      tar.file("etc/passwd", ("root:x:0:0:root:/:/sbin/nologin\ntenant:x:" + TENANT_UID + ":" + TENANT_UID
          + ":tenant:/data:/sbin/nologin\n").getBytes(StandardCharsets.UTF_8), 0644);
      tar.file("etc/group", ("root:x:0:\ntenant:x:" + TENANT_UID + ":\n").getBytes(StandardCharsets.UTF_8), 0644);
      for (String lib : s.libs()) {
        Path p = s.libDir().resolve(lib);
        tar.file(s.libDir().toString().substring(1) + "/" + lib, p.toRealPath(), 0755);
      }
      tar.file(s.loader().toString().substring(1), s.loader().toRealPath(), 0755);
      List<Path> jreFiles;
      try (Stream<Path> walk = Files.walk(jre)) {
        jreFiles = new ArrayList<>(walk.sorted(Comparator.naturalOrder()).toList());
      }
      for (Path p : jreFiles) {
        String name = "opt/jre" + (p.equals(jre) ? "" : "/" + jre.relativize(p));
        if (Files.isDirectory(p)) {
          tar.dir(name, 0755, 0);
        } else {
          tar.file(name, p, Files.isExecutable(p) ? 0755 : 0644);
        }
      }
    }
    Path context = work.resolve("context.tar");
    try (ImageTar tar = new ImageTar(new BufferedOutputStream(Files.newOutputStream(context)))) {
      tar.file("Dockerfile", dockerfile(digest).getBytes(StandardCharsets.UTF_8), 0644);
      tar.file("rootfs.tar", rootfs, 0644);
    }
    return context;
  }

}
