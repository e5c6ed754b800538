package berth.tenant;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * A tenant's secrets (API keys, database passwords): write-only to callers. Nothing but the init
 * step ever reads a value back, to hand it to the tenant over its authenticated guest API; every other
 * reader gets names, versions and who changed them. Values are never journaled, logged or put into a
 * container's configuration. The PostgreSQL adapter (encrypted at rest) lives in the persistence
 * module; another store (a Vault KV adapter) can take its place without touching the entity.
 */
public interface SecretStore {

  /** Env-style names: an upper-case letter or underscore, then upper-case letters, digits, underscores. */
  Pattern NAME = Pattern.compile("[A-Z_][A-Z0-9_]{0,63}");

  /** What anyone may know of a secret: never its value. */
  record SecretInfo(String name, long version, Instant updatedAt, String updatedBy) {}

  /** The values to deliver, with the version they make up together. */
  record Delivery(long version, Map<String, String> values) {
    /** Never shows a value. */
    @Override
    public String toString() {
      return "Delivery[version=" + version + ", names=" + values.keySet() + "]";
    }
  }

  /** Replaces the tenant's secrets with these (names not given are deleted); the new version. */
  CompletionStage<Long> replaceAll(String slug, Map<String, String> values, String by, Instant at);

  /** Sets one secret; the new version. */
  CompletionStage<Long> put(String slug, String name, String value, String by, Instant at);

  /** Deletes one secret (a missing one is no change); the new version. */
  CompletionStage<Long> delete(String slug, String name, String by, Instant at);

  CompletionStage<List<SecretInfo>> list(String slug);

  /** The current values, decrypted, for the init step alone. */
  CompletionStage<Delivery> forDelivery(String slug);

  /** Deletes every secret of the tenant (with its data). */
  CompletionStage<Void> purge(String slug);

  /** Holds nothing: for nodes and tests that have no secrets. */
  SecretStore NONE = new SecretStore() {
    @Override
    public CompletionStage<Long> replaceAll(String slug, Map<String, String> values, String by, Instant at) {
      return CompletableFuture.failedFuture(new UnsupportedOperationException("no secret store"));
    }

    @Override
    public CompletionStage<Long> put(String slug, String name, String value, String by, Instant at) {
      return CompletableFuture.failedFuture(new UnsupportedOperationException("no secret store"));
    }

    @Override
    public CompletionStage<Long> delete(String slug, String name, String by, Instant at) {
      return CompletableFuture.failedFuture(new UnsupportedOperationException("no secret store"));
    }

    @Override
    public CompletionStage<List<SecretInfo>> list(String slug) {
      return CompletableFuture.completedFuture(List.of());
    }

    @Override
    public CompletionStage<Delivery> forDelivery(String slug) {
      return CompletableFuture.completedFuture(new Delivery(0, Map.of()));
    }

    @Override
    public CompletionStage<Void> purge(String slug) {
      return CompletableFuture.completedFuture(null);
    }
  };
}
