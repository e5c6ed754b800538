package berth.cluster;

import berth.tenant.ContainerInfo;
import berth.tenant.ContainerSpec;
import berth.tenant.TenantDriver;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/** A driver that passes every call to the real one; tests override the calls they interfere with. */
abstract class ForwardingDriver implements TenantDriver {
  protected final TenantDriver real;

  ForwardingDriver(TenantDriver real) {
    this.real = real;
  }

  @Override
  public CompletionStage<Created> create(ContainerSpec spec) {
    return real.create(spec);
  }

  @Override
  public CompletionStage<ContainerInfo> start(String name, String guestCredential) {
    return real.start(name, guestCredential);
  }

  @Override
  public CompletionStage<Void> stop(String name) {
    return real.stop(name);
  }

  @Override
  public CompletionStage<Void> remove(String name, String volume) {
    return real.remove(name, volume);
  }

  @Override
  public CompletionStage<Void> removeContainer(String nameOrId) {
    return real.removeContainer(nameOrId);
  }

  @Override
  public CompletionStage<java.util.Optional<Output>> logs(String containerName, int maxBytes) {
    return real.logs(containerName, maxBytes);
  }

  @Override
  public CompletionStage<Void> removeVolume(String volumeName) {
    return real.removeVolume(volumeName);
  }

  @Override
  public CompletionStage<Optional<ContainerInfo>> inspect(String name) {
    return real.inspect(name);
  }

  @Override
  public CompletionStage<List<ContainerInfo>> listManaged() {
    return real.listManaged();
  }

  @Override
  public AutoCloseable watch(Consumer<ContainerEvent> listener) {
    return real.watch(listener);
  }
}
