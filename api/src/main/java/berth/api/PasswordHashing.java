package berth.api;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Argon2id off the request threads, on a small pool of its own. A hash takes 19 MiB and tens of
 * milliseconds: two run at a time behind a short queue, and a full queue fails the call (the routes
 * answer 503) instead of piling work up.
 */
final class PasswordHashing {
  static final int THREADS = 2;
  static final int QUEUE = 32;

  private final ThreadPoolExecutor pool = new ThreadPoolExecutor(THREADS, THREADS, 1, TimeUnit.MINUTES,
      new ArrayBlockingQueue<>(QUEUE), r -> {
        Thread t = new Thread(r, "berth-password-hashing");
        t.setDaemon(true);
        return t;
      });

  PasswordHashing(ActorSystem<?> system) {
    system.getWhenTerminated().thenRun(pool::shutdown);
  }

  <T> CompletionStage<T> run(Supplier<T> work) {
    try {
      return CompletableFuture.supplyAsync(work, pool);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new TimeoutException("password hashing is saturated"));
    }
  }
}
