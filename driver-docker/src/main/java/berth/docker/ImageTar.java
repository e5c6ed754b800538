package berth.docker;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes the tar archives images are built from (a root filesystem, a build context), every entry with
 * an explicit mode and owner: nothing depends on the files' owners or umask on this host.
 */
final class ImageTar implements AutoCloseable {
  private final TarArchiveOutputStream tar;

  ImageTar(OutputStream out) {
    tar = new TarArchiveOutputStream(out);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
  }

  void dir(String name, int mode, int owner) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
    e.setMode(040000 | mode);
    e.setIds(owner, owner);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  void file(String name, byte[] content, int mode) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(0100000 | mode);
    e.setSize(content.length);
    e.setIds(0, 0);
    tar.putArchiveEntry(e);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  void file(String name, Path content, int mode) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setMode(0100000 | mode);
    e.setSize(Files.size(content));
    e.setIds(0, 0);
    tar.putArchiveEntry(e);
    Files.copy(content, tar);
    tar.closeArchiveEntry();
  }

  void symlink(String name, String target) throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
    e.setLinkName(target);
    e.setMode(0120777);
    e.setIds(0, 0);
    tar.putArchiveEntry(e);
    tar.closeArchiveEntry();
  }

  @Override
  public void close() throws IOException {
    tar.close();
  }

  static void deleteQuietly(Path dir) {
    if (dir == null) return;
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp dir left behind is harmless
    }
  }
}
