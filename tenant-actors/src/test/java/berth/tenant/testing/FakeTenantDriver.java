package berth.tenant.testing;

import berth.tenant.ContainerInfo;
import berth.tenant.ContainerSpec;
import berth.tenant.DriverException;
import berth.tenant.Endpoint;
import berth.tenant.Labels;
import berth.tenant.TenantDriver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory stand-in for a container runtime, for tests of the logic above the driver port. It
 * keeps the same idempotency rules a real driver must keep, and lets a test inject failures or hold an
 * operation in flight.
 */
public final class FakeTenantDriver implements TenantDriver {

  public enum Op { CREATE, START, STOP, REMOVE, PURGE }

  public record FakeContainer(String id, String name, String tenantId, String volume, boolean running, int port) {}

  private final Map<String, FakeContainer> containers = new ConcurrentHashMap<>();
  private final Map<String, Boolean> volumes = new ConcurrentHashMap<>();
  private final Map<Op, ConcurrentLinkedDeque<DriverException>> failures = new ConcurrentHashMap<>();
  private final Map<Op, CompletableFuture<Void>> gates = new ConcurrentHashMap<>();
  private final Map<Op, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger ids = new AtomicInteger();
  private final AtomicInteger ports = new AtomicInteger(40000);

  /** The next {@code times} calls of {@code op} fail with {@code error}. */
  public FakeTenantDriver failNext(Op op, int times, DriverException error) {
    var q = failures.computeIfAbsent(op, k -> new ConcurrentLinkedDeque<>());
    for (int i = 0; i < times; i++) q.add(error);
    return this;
  }

  /** Calls of {@code op} do not complete until {@link #release(Op)}. */
  public FakeTenantDriver hold(Op op) {
    gates.put(op, new CompletableFuture<>());
    return this;
  }

  public void release(Op op) {
    CompletableFuture<Void> gate = gates.remove(op);
    if (gate != null) gate.complete(null);
  }

  /** Puts a container in place as if an earlier, interrupted run had created it. */
  public void preexisting(String name, String tenantId, String volume, boolean running) {
    containers.put(name, new FakeContainer("pre-" + ids.incrementAndGet(), name, tenantId, volume, running,
        running ? ports.incrementAndGet() : 0));
    volumes.put(volume, true);
  }

  /** The container disappears behind Berth's back ({@code docker rm -f}); its volume stays. */
  public void vanish(String name) {
    containers.remove(name);
  }

  /** The container stops behind Berth's back ({@code docker kill}, or its process crashed). */
  public void crash(String name) {
    containers.computeIfPresent(name, (n, c) -> new FakeContainer(c.id(), n, c.tenantId(), c.volume(), false, 0));
  }

  public int calls(Op op) {
    return calls.computeIfAbsent(op, k -> new AtomicInteger()).get();
  }

  public List<String> log() {
    return List.copyOf(log);
  }

  public Optional<FakeContainer> container(String name) {
    return Optional.ofNullable(containers.get(name));
  }

  public boolean volumeExists(String name) {
    return volumes.containsKey(name);
  }

  public int containerCount() {
    return containers.size();
  }

  private <T> CompletionStage<T> call(Op op, java.util.function.Supplier<T> action) {
    calls.computeIfAbsent(op, k -> new AtomicInteger()).incrementAndGet();
    CompletableFuture<Void> gate = gates.getOrDefault(op, CompletableFuture.completedFuture(null));
    return gate.thenApply(v -> {
      var q = failures.get(op);
      DriverException failure = q == null ? null : q.poll();
      if (failure != null) {
        log.add(op + " failed");
        throw failure;
      }
      T result = action.get();
      log.add(op.toString());
      return result;
    });
  }

  @Override
  public CompletionStage<Created> create(ContainerSpec spec) {
    return call(Op.CREATE, () -> {
      FakeContainer existing = containers.get(spec.containerName());
      if (existing != null) {
        if (!existing.tenantId().equals(spec.tenantId())) {
          throw DriverException.permanent("name " + spec.containerName() + " is taken by another owner", null);
        }
        return new Created(info(existing), true);
      }
      FakeContainer c = new FakeContainer("c-" + ids.incrementAndGet(), spec.containerName(), spec.tenantId(),
          spec.volumeName(), false, 0);
      containers.put(c.name(), c);
      volumes.put(spec.volumeName(), true);
      return new Created(info(c), false);
    });
  }

  @Override
  public CompletionStage<ContainerInfo> start(String name, String guestCredential) {
    return call(Op.START, () -> {
      FakeContainer c = containers.get(name);
      if (c == null) throw DriverException.containerMissing("no container " + name);
      if (!c.running()) {
        c = new FakeContainer(c.id(), c.name(), c.tenantId(), c.volume(), true, ports.incrementAndGet());
        containers.put(name, c);
      }
      return info(c);
    });
  }

  @Override
  public CompletionStage<Void> stop(String name) {
    return call(Op.STOP, () -> {
      containers.computeIfPresent(name, (k, c) -> new FakeContainer(c.id(), c.name(), c.tenantId(), c.volume(), false, 0));
      return null;
    });
  }

  @Override
  public CompletionStage<Void> remove(String name, String volume) {
    return call(Op.REMOVE, () -> {
      containers.remove(name);
      volumes.remove(volume);
      return null;
    });
  }

  @Override
  public CompletionStage<Void> removeContainer(String nameOrId) {
    return call(Op.REMOVE, () -> {
      containers.values().removeIf(c -> c.name().equals(nameOrId) || c.id().equals(nameOrId));
      return null;
    });
  }

  /** Each fake container "wrote" one line naming itself. */
  @Override
  public CompletionStage<Optional<Output>> logs(String name, int maxBytes) {
    FakeContainer c = containers.get(name);
    return CompletableFuture.completedFuture(Optional.ofNullable(c)
        .map(x -> new Output(x.id(), "fake container " + x.id() + " of " + x.tenantId() + " ran\n", false)));
  }

  @Override
  public CompletionStage<Void> removeVolume(String volume) {
    return call(Op.PURGE, () -> {
      volumes.remove(volume);
      return null;
    });
  }

  @Override
  public CompletionStage<Optional<ContainerInfo>> inspect(String name) {
    return CompletableFuture.completedFuture(Optional.ofNullable(containers.get(name)).map(FakeTenantDriver::info));
  }

  @Override
  public CompletionStage<List<ContainerInfo>> listManaged() {
    return CompletableFuture.completedFuture(containers.values().stream().map(FakeTenantDriver::info).toList());
  }

  private static ContainerInfo info(FakeContainer c) {
    Map<String, String> labels = new HashMap<>();
    labels.put(Labels.MANAGED, "true");
    labels.put(Labels.TENANT, c.tenantId());
    return new ContainerInfo(c.id(), c.name(), c.tenantId(), c.running(),
        c.running() ? new Endpoint("127.0.0.1", c.port()) : null, labels);
  }
}
