package berth.docker;

import com.github.dockerjava.api.DockerClient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Hands a tenant container its guest credential as a file on its data volume,
 * {@code /data/.berth/guest-token} (docs/tenant-contract.md), owned by the user the container runs as
 * and readable by it alone. Written through the engine's archive API into the created container, so
 * the credential is in no environment variable, label or command line: nothing in the container's
 * configuration shows it.
 */
final class GuestCredentialFile {
  static final String DIR = ".berth";
  static final String NAME = "guest-token";

  private GuestCredentialFile() {}

  /**
   * @param user the container's user as {@code uid[:gid]}; a user given by name cannot be resolved
   *     here, and then the file is root's and readable by everyone in the container
   */
  static void write(DockerClient docker, String containerId, String credential, String user) {
    int[] owner = numericOwner(user);
    boolean owned = owner != null;
    byte[] content = credential.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
      TarArchiveEntry dir = new TarArchiveEntry(DIR + "/");
      dir.setMode(owned ? 040700 : 040755);
      own(dir, owner);
      out.putArchiveEntry(dir);
      out.closeArchiveEntry();
      TarArchiveEntry file = new TarArchiveEntry(DIR + "/" + NAME);
      file.setMode(owned ? 0100400 : 0100444);
      file.setSize(content.length);
      own(file, owner);
      out.putArchiveEntry(file);
      out.write(content);
      out.closeArchiveEntry();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    docker.copyArchiveToContainerCmd(containerId)
        .withRemotePath(DockerTenantDriver.DATA_PATH)
        .withTarInputStream(new ByteArrayInputStream(tar.toByteArray()))
        .exec();
  }

  private static void own(TarArchiveEntry e, int[] owner) {
    e.setUserId(owner == null ? 0 : owner[0]);
    e.setGroupId(owner == null ? 0 : owner[1]);
  }

  /** {uid, gid} of "uid" or "uid:gid", or null when the user is given by name. */
  static int[] numericOwner(String user) {
    String[] parts = user.split(":", 2);
    try {
      int uid = Integer.parseInt(parts[0]);
      int gid = parts.length > 1 ? Integer.parseInt(parts[1]) : uid;
      return new int[] {uid, gid};
    } catch (NumberFormatException named) {
      return null;
    }
  }
}
