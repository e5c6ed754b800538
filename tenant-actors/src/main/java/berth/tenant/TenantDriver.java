package berth.tenant;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The port through which tenant actors reach the runtime that hosts containers (Docker now,
 * Kubernetes later). Every operation is idempotent so that a step can be retried, or resumed after a
 * crash, without duplicating anything. Failed stages complete with {@link DriverException}.
 */
public interface TenantDriver {

  /**
   * Creates the container (and its data volume) named in the spec, or adopts it when a container of
   * that name already exists for the same tenant. A container of that name belonging to anything else
   * is a permanent failure, never overwritten.
   */
  CompletionStage<Created> create(ContainerSpec spec);

  /** The outcome of {@link #create}: the container, and whether it already existed (adopted). */
  record Created(ContainerInfo container, boolean adopted) {}

  /**
   * Starts the named container if it is not running; reports where it is published. The container is
   * first handed its guest credential again (it may have been derived from another secret since).
   */
  CompletionStage<ContainerInfo> start(String containerName, String guestCredential);

  /** Stops the named container if it is running. An absent container is not an error. */
  CompletionStage<Void> stop(String containerName);

  /** Removes the named container and volume. Either being absent already is not an error. */
  CompletionStage<Void> remove(String containerName, String volumeName);

  /**
   * Removes one container by name or id, leaving every volume alone: how the reconcile loop removes
   * an orphan, whose volume may not be Berth's to delete. An absent container is not an error.
   */
  CompletionStage<Void> removeContainer(String nameOrId);

  /**
   * The last {@code maxBytes} of a container's output (stdout and stderr, in order), or empty when
   * there is no such container.
   */
  CompletionStage<java.util.Optional<Output>> logs(String containerName, int maxBytes);

  /** @param truncated earlier output was dropped to stay within the limit */
  record Output(String containerId, String text, boolean truncated) {}

  /** Deletes a data volume; a volume that does not exist is already deleted. */
  CompletionStage<Void> removeVolume(String volumeName);

  CompletionStage<Optional<ContainerInfo>> inspect(String containerName);

  /** Every container carrying Berth's management label, whatever its tenant or state. */
  CompletionStage<List<ContainerInfo>> listManaged();

  /**
   * Something happened to a managed container ({@code action}: "die", "destroy", …). A hint, not a
   * fact: whoever acts on it inspects the container first.
   */
  record ContainerEvent(String tenantId, String containerId, String action) {}

  /**
   * Calls {@code listener} for lifecycle events of managed containers until the returned handle is
   * closed, reconnecting if the runtime goes away. A driver that cannot watch returns a no-op handle;
   * the reconcile loop's periodic inspection covers it.
   */
  default AutoCloseable watch(Consumer<ContainerEvent> listener) {
    return () -> {};
  }

  /**
   * Follows a container's output (stdout and stderr): its last {@code tailLines} lines, then what it
   * writes, chunk by chunk, to {@code sink}, until the container stops or the returned handle is
   * closed. {@code onEnd} runs once when following ends: null when it ended normally, else why. A
   * driver that cannot follow output ends at once with an {@link UnsupportedOperationException}.
   */
  default AutoCloseable followLogs(String containerName, int tailLines, Consumer<String> sink,
      Consumer<Throwable> onEnd) {
    onEnd.accept(new UnsupportedOperationException("this driver cannot follow a container's output"));
    return () -> {};
  }
}
