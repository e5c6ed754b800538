package berth.docker;

import berth.tenant.DriverException;
import berth.tenant.Labels;
import berth.tenant.TenantDriver.ContainerEvent;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import java.io.Closeable;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the engine streams for as long as someone listens: a container's output as it is written,
 * and the events of this fleet's containers. Each is closed by the {@link AutoCloseable} it returns.
 */
final class EngineStreams {
  private static final Logger log = LoggerFactory.getLogger(EngineStreams.class);

  private final DockerClient docker;
  private final DockerSettings settings;

  EngineStreams(DockerClient docker, DockerSettings settings) {
    this.docker = docker;
    this.settings = settings;
  }

  /** A container's output as it is written, from its last {@code tailLines} lines, until closed. */
  AutoCloseable followLogs(String containerName, int tailLines, Consumer<String> sink,
      Consumer<Throwable> onEnd) {
    AtomicBoolean ended = new AtomicBoolean();
    Consumer<Throwable> endOnce = t -> {
      if (ended.compareAndSet(false, true)) onEnd.accept(t);
    };
    ResultCallback.Adapter<com.github.dockerjava.api.model.Frame> callback = new ResultCallback.Adapter<>() {
      @Override
      public void onNext(com.github.dockerjava.api.model.Frame frame) {
        byte[] payload = frame.getPayload();
        if (payload != null && payload.length > 0) sink.accept(new String(payload, java.nio.charset.StandardCharsets.UTF_8));
      }

      @Override
      public void onError(Throwable t) {
        endOnce.accept(t instanceof NotFoundException
            ? DriverException.permanent("container " + containerName + " does not exist", t) : t);
        super.onError(t);
      }

      @Override
      public void onComplete() {
        endOnce.accept(null);
        super.onComplete();
      }
    };
    try {
      docker.logContainerCmd(containerName).withStdOut(true).withStdErr(true).withFollowStream(true)
          .withTail(Math.max(0, tailLines)).exec(callback);
    } catch (RuntimeException e) {
      endOnce.accept(e);
    }
    return () -> {
      endOnce.accept(null);
      callback.close();
    };
  }

  /**
   * Follows the engine's event stream for this fleet's containers, on a thread of its own. When the
   * stream ends (the daemon restarted, an idle connection timed out) it reconnects after
   * {@code events-reconnect-delay}, asking for events since the previous stream ended, so a gap
   * yields duplicates (harmless: listeners inspect) rather than misses.
   */
  AutoCloseable watch(Consumer<ContainerEvent> listener) {
    AtomicBoolean closed = new AtomicBoolean();
    AtomicReference<Closeable> stream = new AtomicReference<>();
    Thread follower = new Thread(() -> {
      Long since = null;
      while (!closed.get()) {
        ResultCallback.Adapter<Event> callback = new ResultCallback.Adapter<>() {
          @Override
          public void onNext(Event e) {
            Map<String, String> attributes = e.getActor() == null ? null : e.getActor().getAttributes();
            String tenant = attributes == null ? null : attributes.get(Labels.TENANT);
            if (tenant != null) {
              listener.accept(new ContainerEvent(tenant, e.getId(), e.getAction()));
            }
          }
        };
        try {
          var cmd = docker.eventsCmd()
              .withEventTypeFilter(EventType.CONTAINER)
              .withEventFilter("die", "destroy", "oom", "stop", "kill")
              .withLabelFilter(Map.of(Labels.MANAGED, "true", Labels.FLEET, settings.fleet()));
          if (since != null) cmd = cmd.withSince(String.valueOf(since));
          stream.set(cmd.exec(callback));
          callback.awaitCompletion();
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          if (!closed.get()) log.debug("Docker event stream ended: {}", e.toString());
        }
        since = Instant.now().getEpochSecond() - 1;
        try {
          Thread.sleep(settings.eventsReconnectDelay().toMillis());
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "berth-docker-events");
    follower.setDaemon(true);
    follower.start();
    return () -> {
      closed.set(true);
      follower.interrupt();
      Closeable c = stream.get();
      if (c != null) c.close();
    };
  }
}
