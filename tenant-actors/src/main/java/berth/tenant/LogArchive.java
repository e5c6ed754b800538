package berth.tenant;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where a tenant container's own output is kept after the container is gone: captured (bounded) just
 * before teardown removes it, readable through the admin API while the tenant's data is kept, and
 * deleted with that data. So "what happened inside tenant X" survives its container. The PostgreSQL
 * adapter lives in the persistence module.
 */
public interface LogArchive {

  /**
   * One container's output as it was when it was removed.
   *
   * @param truncated only the last part was kept ({@code berth.tenant.kept-log-size})
   */
  record KeptLog(int incarnation, String containerId, Instant keptAt, String reason, boolean truncated, String text) {}

  /** Keeps a container's output; keeping the same container's again replaces it. */
  CompletionStage<Void> keep(String slug, KeptLog log);

  /** The tenant's kept output, oldest first. */
  CompletionStage<List<KeptLog>> list(String slug);

  /** Deletes everything kept for the tenant. */
  CompletionStage<Void> purge(String slug);

  /** Keeps nothing: for nodes and tests that do not keep logs. */
  LogArchive NONE = new LogArchive() {
    @Override
    public CompletionStage<Void> keep(String slug, KeptLog log) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<List<KeptLog>> list(String slug) {
      return CompletableFuture.completedFuture(List.of());
    }

    @Override
    public CompletionStage<Void> purge(String slug) {
      return CompletableFuture.completedFuture(null);
    }
  };
}
