package berth.docker;

import berth.tenant.ContainerInfo;
import berth.tenant.ContainerSpec;
import berth.tenant.DriverException;
import berth.tenant.Endpoint;
import berth.tenant.Labels;
import berth.tenant.TenantDriver;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.InternalServerErrorException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.Volume;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TenantDriver} on a Docker engine, through docker-java. One container per tenant with a
 * deterministic name, Berth's labels, a named data volume at {@code /data}, its port published on the
 * configured host address (127.0.0.1) at a port Docker picks, resource limits, no new privileges, all
 * capabilities dropped and no restart policy: Berth, not Docker, decides when a tenant runs.
 */
public final class DockerTenantDriver implements TenantDriver {
  private static final Logger log = LoggerFactory.getLogger(DockerTenantDriver.class);
  static final String DATA_PATH = "/data";

  private final DockerClient docker;
  private final DockerSettings settings;
  private final TenantNetwork network;
  private final ExecutorService executor;
  private final EngineStreams streams;

  public DockerTenantDriver(DockerClient docker, DockerSettings settings, ExecutorService executor) {
    this.docker = docker;
    this.settings = settings;
    this.executor = executor;
    this.network = new TenantNetwork(docker, settings);
    this.streams = new EngineStreams(docker, settings);
  }

  /**
   * Creates the tenant's container, or adopts the one already bearing its name (a create retried after
   * a crash, or raced by another call). The engine's name conflict is the check: no inspection first,
   * none after — a new container is described from its spec and the id the engine returned (three
   * engine calls: volume, container, credential file; the image's user is cached).
   */
  @Override
  public CompletionStage<Created> create(ContainerSpec spec) {
    return call("create " + spec.containerName(), () -> {
      Map<String, String> labels = labels(spec);
      String user;
      try {
        user = userOf(spec);
      } catch (DriverException imageGone) {
        // the image's tag is gone (removed, or being rebuilt): a container made from it may still be there
        return adoptExisting(spec).orElseThrow(() -> imageGone);
      }
      network.ensure(spec.spec().network());
      docker.createVolumeCmd().withName(spec.volumeName()).withLabels(labels).exec(); // idempotent by name
      ExposedPort port = ExposedPort.tcp(spec.spec().containerPort());
      String id;
      try {
        id = docker.createContainerCmd(spec.spec().image())
            .withName(spec.containerName())
            .withLabels(labels)
            .withUser(user)
            .withEnv(spec.env().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
            .withExposedPorts(port)
            .withHostConfig(hostConfig(spec, port))
            .exec()
            .getId();
      } catch (ConflictException exists) {
        // the name is taken: by this tenant's container from an earlier attempt (after a crash) or from a
        // call racing this one, or by a stranger (refused)
        return adoptExisting(spec).orElseThrow(() -> exists);
      } catch (NotFoundException missing) {
        if (!network.exists(spec.spec().network())) {
          network.forget(spec.spec().network());
          throw DriverException.retryable("network " + spec.spec().network() + " was removed; creating it again", missing);
        }
        // the image's tag went between the lookup (cached) and this create: adopt what may be there
        return adoptExisting(spec).orElseThrow(() ->
            DriverException.permanent("image " + spec.spec().image() + " not found on the Docker engine", missing));
      }
      GuestCredentialFile.write(docker, id, spec.guestCredential(), user);
      log.info("Created container {} for tenant {}", spec.containerName(), spec.tenantId());
      return new Created(new ContainerInfo(id, spec.containerName(), spec.tenantId(), false, null, labels), false);
    });
  }

  /**
   * The container bearing the tenant's name, adopted, with its credential file written (the call that
   * made it may have died before writing it; start writes none for a new container); empty when there
   * is none. A container of anything else under that name is a permanent error.
   */
  private Optional<Created> adoptExisting(ContainerSpec spec) {
    return inspectRaw(spec.containerName()).map(existing -> {
      ContainerInfo adopted = adoptable(existing, spec);
      GuestCredentialFile.write(docker, adopted.id(), spec.guestCredential(), existing.getConfig().getUser());
      return new Created(adopted, true);
    });
  }

  @Override
  public CompletionStage<ContainerInfo> start(String containerName, String guestCredential) {
    return call("start " + containerName, () -> {
      InspectContainerResponse c = inspectRaw(containerName)
          .orElseThrow(() -> DriverException.containerMissing("container " + containerName + " does not exist"));
      if (!Boolean.TRUE.equals(c.getState().getRunning())) {
        try {
          if (everStarted(c)) {
            // a container that ran before: its credential file is written again in case it was lost;
            // a new one got it from create (which writes it for every container it makes or adopts)
            GuestCredentialFile.write(docker, c.getId(), guestCredential, c.getConfig().getUser());
          }
          docker.startContainerCmd(containerName).exec();
        } catch (NotModifiedException alreadyRunning) {
          // started concurrently; fine
        } catch (NotFoundException removedMeanwhile) {
          throw DriverException.containerMissing("container " + containerName + " was removed while starting");
        } catch (InternalServerErrorException e) {
          if (e.getMessage() == null || !e.getMessage().contains("already exists")) throw e;
          // After a daemon restart containerd can keep a stale task for a container dockerd believes
          // stopped; such a container never starts again. Replace it: the volume stays, and the
          // tenant re-creates the container on it.
          log.warn("Container {} cannot be started (stale task after a Docker restart); removing it to re-create it",
              containerName);
          docker.removeContainerCmd(containerName).withForce(true).exec();
          throw DriverException.containerMissing("container " + containerName
              + " had a stale task after a Docker restart and was removed to be re-created");
        }
        c = inspectRaw(containerName).orElseThrow(
            () -> DriverException.containerMissing("container " + containerName + " was removed while starting"));
      }
      return info(c);
    });
  }

  @Override
  public CompletionStage<Void> stop(String containerName) {
    return call("stop " + containerName, () -> {
      try {
        docker.stopContainerCmd(containerName).withTimeout((int) settings.stopTimeout().toSeconds()).exec();
      } catch (NotFoundException | NotModifiedException alreadyStopped) {
        // idempotent
      }
      return null;
    });
  }

  @Override
  public CompletionStage<Void> remove(String containerName, String volumeName) {
    return call("remove " + containerName, () -> {
      forceRemoveContainer(containerName);
      removeVolumeIfPresent(volumeName);
      return null;
    });
  }

  @Override
  public CompletionStage<Void> removeContainer(String nameOrId) {
    return call("remove container " + nameOrId, () -> {
      forceRemoveContainer(nameOrId);
      return null;
    });
  }

  /** Idempotent: a container that is gone is removed. */
  private void forceRemoveContainer(String nameOrId) {
    try {
      docker.removeContainerCmd(nameOrId).withForce(true).exec();
      log.info("Removed container {}", nameOrId);
    } catch (NotFoundException gone) {
      // idempotent
    }
  }

  /** Idempotent: a volume that is gone is removed. */
  private void removeVolumeIfPresent(String volumeName) {
    try {
      docker.removeVolumeCmd(volumeName).exec();
      log.info("Removed volume {}", volumeName);
    } catch (NotFoundException gone) {
      // idempotent
    }
  }

  @Override
  public CompletionStage<Optional<Output>> logs(String containerName, int maxBytes) {
    return call("logs of " + containerName, () -> {
      Optional<InspectContainerResponse> c = inspectRaw(containerName);
      if (c.isEmpty()) {
        return Optional.<Output>empty();
      }
      try (ContainerOutput out = new ContainerOutput(maxBytes)) {
        boolean complete = docker.logContainerCmd(c.get().getId()).withStdOut(true).withStdErr(true)
            .withFollowStream(false).exec(out)
            .awaitCompletion(settings.responseTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        if (!complete) {
          throw DriverException.retryable("the logs of " + containerName + " did not arrive within "
              + settings.responseTimeout(), null);
        }
        return Optional.of(new Output(c.get().getId(), out.text(), out.truncated()));
      } catch (java.io.IOException closing) {
        throw DriverException.retryable("reading the logs of " + containerName + " failed", closing);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw DriverException.retryable("interrupted while reading the logs of " + containerName, e);
      } catch (NotFoundException gone) {
        return Optional.<Output>empty();
      }
    });
  }

  @Override
  public CompletionStage<Void> removeVolume(String volumeName) {
    return call("remove volume " + volumeName, () -> {
      removeVolumeIfPresent(volumeName);
      return null;
    });
  }

  @Override
  public CompletionStage<Optional<ContainerInfo>> inspect(String containerName) {
    return call("inspect " + containerName, () -> inspectRaw(containerName).map(this::info));
  }

  /**
   * One list call for the whole fleet (the reconcile loop's view each pass): labels, state and the
   * published port come with the listing, no inspection per container.
   */
  @Override
  public CompletionStage<List<ContainerInfo>> listManaged() {
    return call("list containers", () -> docker.listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of(Labels.MANAGED, "true", Labels.FLEET, settings.fleet()))
        .exec()
        .stream()
        .map(this::info)
        .toList());
  }

  @Override
  public AutoCloseable followLogs(String containerName, int tailLines, Consumer<String> sink,
      Consumer<Throwable> onEnd) {
    return streams.followLogs(containerName, tailLines, sink, onEnd);
  }

  @Override
  public AutoCloseable watch(Consumer<ContainerEvent> listener) {
    return streams.watch(listener);
  }

  /**
   * Isolation and hardening: the tenant network, a read-only root filesystem with a size-limited
   * tmpfs at /tmp, the data volume, resource limits, no new privileges, no capabilities, bounded logs,
   * no restart policy (Berth, not Docker, decides when a tenant runs).
   */
  private HostConfig hostConfig(ContainerSpec spec, ExposedPort port) {
    var s = spec.spec();
    return HostConfig.newHostConfig()
        .withNetworkMode(s.network())
        .withPortBindings(new PortBinding(Ports.Binding.bindIp(settings.publishedHost()), port))
        .withBinds(new Bind(spec.volumeName(), new Volume(DATA_PATH)))
        .withReadonlyRootfs(Boolean.TRUE.equals(s.readOnlyRootfs()))
        .withTmpFs(Map.of("/tmp", "rw,nosuid,nodev,noexec,size=" + s.tmpBytes()))
        .withMemory(s.memoryBytes())
        .withMemorySwap(s.memoryBytes())
        .withNanoCPUs(s.nanoCpus())
        .withPidsLimit(s.pidsLimit())
        .withSecurityOpts(List.of("no-new-privileges"))
        .withCapDrop(Capability.ALL)
        .withLogConfig(new LogConfig(LogConfig.LoggingType.JSON_FILE,
            Map.of("max-size", settings.logMaxSize(), "max-file", Integer.toString(settings.logMaxFiles()))))
        .withRestartPolicy(RestartPolicy.noRestart());
  }

  /** Whether the engine ever started {@code c} (a container never started has Docker's zero time). */
  static boolean everStarted(InspectContainerResponse c) {
    String at = c.getState() == null ? null : c.getState().getStartedAt();
    return at != null && !at.isEmpty() && !at.startsWith("0001-01-01");
  }

  /** An image's USER, remembered for {@link #IMAGE_USER_TTL}: a burst of creates inspects each image once. */
  private record ImageUser(String user, long until) {}

  static final Duration IMAGE_USER_TTL = Duration.ofSeconds(10);
  private final Map<String, ImageUser> imageUsers = new ConcurrentHashMap<>();

  /** The image's own user; the spec's when the image names none or names root: a tenant never runs as root. */
  private String userOf(ContainerSpec spec) {
    String image = spec.spec().image();
    ImageUser known = imageUsers.get(image);
    String imageUser;
    if (known != null && known.until() - System.nanoTime() > 0) {
      imageUser = known.user();
    } else {
      try {
        var config = docker.inspectImageCmd(image).exec().getConfig();
        imageUser = config == null || config.getUser() == null ? "" : config.getUser().strip();
      } catch (NotFoundException noImage) {
        imageUsers.remove(image);
        throw DriverException.permanent("image " + image + " not found on the Docker engine", noImage);
      }
      imageUsers.put(image, new ImageUser(imageUser, System.nanoTime() + IMAGE_USER_TTL.toNanos()));
    }
    String uid = imageUser.split(":", 2)[0];
    boolean root = uid.isEmpty() || uid.equals("root") || uid.matches("0+");
    return root ? spec.spec().user() : imageUser;
  }

  private Optional<InspectContainerResponse> inspectRaw(String nameOrId) {
    try {
      return Optional.of(docker.inspectContainerCmd(nameOrId).exec());
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  /** An existing container may be adopted only if it is this fleet's container for this tenant. */
  private ContainerInfo adoptable(InspectContainerResponse c, ContainerSpec spec) {
    Map<String, String> labels = c.getConfig().getLabels() == null ? Map.of() : c.getConfig().getLabels();
    if (!spec.tenantId().equals(labels.get(Labels.TENANT)) || !settings.fleet().equals(labels.get(Labels.FLEET))) {
      throw DriverException.permanent("container name " + spec.containerName()
          + " is taken by a container that is not fleet " + settings.fleet() + "'s tenant " + spec.tenantId(), null);
    }
    log.info("Adopting existing container {} for tenant {}", spec.containerName(), spec.tenantId());
    return info(c);
  }

  private Map<String, String> labels(ContainerSpec spec) {
    Map<String, String> labels = new LinkedHashMap<>(spec.spec().labels());
    labels.put(Labels.MANAGED, "true");
    labels.put(Labels.FLEET, settings.fleet());
    return labels;
  }

  private ContainerInfo info(Container c) {
    Map<String, String> labels = c.getLabels() == null ? Map.of() : c.getLabels();
    // as an inspection says: a paused or restarting container counts as running
    boolean running = java.util.Set.of("running", "paused", "restarting").contains(c.getState());
    Endpoint endpoint = null;
    if (running && c.getPorts() != null) {
      endpoint = java.util.Arrays.stream(c.getPorts())
          .filter(p -> p.getPublicPort() != null)
          .findFirst()
          .map(p -> new Endpoint(settings.publishedHost(), p.getPublicPort()))
          .orElse(null);
    }
    String name = c.getNames() == null || c.getNames().length == 0 ? null
        : c.getNames()[0].startsWith("/") ? c.getNames()[0].substring(1) : c.getNames()[0];
    return new ContainerInfo(c.getId(), name, labels.get(Labels.TENANT), running, endpoint, labels);
  }

  private ContainerInfo info(InspectContainerResponse c) {
    Map<String, String> labels = c.getConfig().getLabels() == null ? Map.of() : c.getConfig().getLabels();
    boolean running = Boolean.TRUE.equals(c.getState().getRunning());
    Endpoint endpoint = null;
    if (running && c.getNetworkSettings() != null && c.getNetworkSettings().getPorts() != null) {
      endpoint = c.getNetworkSettings().getPorts().getBindings().values().stream()
          .filter(b -> b != null && b.length > 0)
          .map(b -> b[0])
          .findFirst()
          .map(b -> new Endpoint(settings.publishedHost(), Integer.parseInt(b.getHostPortSpec())))
          .orElse(null);
    }
    String name = c.getName() != null && c.getName().startsWith("/") ? c.getName().substring(1) : c.getName();
    return new ContainerInfo(c.getId(), name, labels.get(Labels.TENANT), running, endpoint, labels);
  }

  private <T> CompletionStage<T> call(String what, Supplier<T> action) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return action.get();
      } catch (RuntimeException e) {
        throw DockerErrors.translate(what, e);
      }
    }, executor);
  }
}
