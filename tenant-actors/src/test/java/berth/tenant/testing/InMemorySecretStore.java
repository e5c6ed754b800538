package berth.tenant.testing;

import berth.tenant.SecretStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** Secrets in memory (unencrypted: a test double for the logic above the port, never for a node). */
public final class InMemorySecretStore implements SecretStore {
  private final Map<String, Map<String, String>> values = new ConcurrentHashMap<>();
  private final Map<String, Long> versions = new ConcurrentHashMap<>();

  @Override
  public synchronized CompletionStage<Long> replaceAll(String slug, Map<String, String> v, String by, Instant at) {
    values.put(slug, new TreeMap<>(v));
    return CompletableFuture.completedFuture(versions.merge(slug, 1L, Long::sum));
  }

  @Override
  public synchronized CompletionStage<Long> put(String slug, String name, String value, String by, Instant at) {
    values.computeIfAbsent(slug, s -> new TreeMap<>()).put(name, value);
    return CompletableFuture.completedFuture(versions.merge(slug, 1L, Long::sum));
  }

  @Override
  public synchronized CompletionStage<Long> delete(String slug, String name, String by, Instant at) {
    values.computeIfAbsent(slug, s -> new TreeMap<>()).remove(name);
    return CompletableFuture.completedFuture(versions.merge(slug, 1L, Long::sum));
  }

  @Override
  public synchronized CompletionStage<List<SecretInfo>> list(String slug) {
    List<SecretInfo> out = new ArrayList<>();
    values.getOrDefault(slug, Map.of()).keySet().forEach(n -> out.add(new SecretInfo(n, versions.get(slug), null, null)));
    return CompletableFuture.completedFuture(out);
  }

  @Override
  public synchronized CompletionStage<Delivery> forDelivery(String slug) {
    return CompletableFuture.completedFuture(
        new Delivery(versions.getOrDefault(slug, 0L), Map.copyOf(values.getOrDefault(slug, Map.of()))));
  }

  @Override
  public synchronized CompletionStage<Void> purge(String slug) {
    values.remove(slug);
    versions.remove(slug);
    return CompletableFuture.completedFuture(null);
  }
}
