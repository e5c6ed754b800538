package berth.tenant.testing;

import berth.tenant.LogArchive;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** A log archive in memory, for tests of the logic above the port. */
public final class InMemoryLogArchive implements LogArchive {
  private final Map<String, List<KeptLog>> kept = new ConcurrentHashMap<>();

  @Override
  public synchronized CompletionStage<Void> keep(String slug, KeptLog log) {
    List<KeptLog> logs = kept.computeIfAbsent(slug, s -> new ArrayList<>());
    logs.removeIf(l -> l.containerId().equals(log.containerId()));
    logs.add(log);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public synchronized CompletionStage<List<KeptLog>> list(String slug) {
    return CompletableFuture.completedFuture(List.copyOf(kept.getOrDefault(slug, List.of())));
  }

  @Override
  public synchronized CompletionStage<Void> purge(String slug) {
    kept.remove(slug);
    return CompletableFuture.completedFuture(null);
  }
}
