package berth.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed sign-ins per account and per address within a sliding window, on this node. An attempt is
 * counted as a failure <em>before</em> its password is checked ({@link #attempt}), so that many
 * requests sent at once cannot all pass the check; a success takes its count back. Past the limit,
 * attempts are refused (429) before any password is checked, until the oldest failure ages out.
 * Memory is bounded: beyond {@link #MAX_KEYS} keys, the keys whose last failure is oldest are dropped
 * (never all at once, so a flood of new keys cannot wipe a lockout).
 */
final class SignInLimiter {
  static final int MAX_KEYS = 100_000;
  /** What the node calls an address it could not learn. */
  static final String UNKNOWN = "unknown";

  private final int perAccount;
  private final int perAddress;
  private final Duration window;
  private final Clock clock;
  private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();

  SignInLimiter(int perAccount, int perAddress, Duration window, Clock clock) {
    this.perAccount = perAccount;
    this.perAddress = perAddress;
    this.window = window;
    this.clock = clock;
  }

  /**
   * Zero when the attempt may go on (it is then counted as a failure until {@link #succeeded});
   * otherwise how long to wait, and nothing is counted.
   */
  synchronized Duration attempt(String account, String address) {
    if (UNKNOWN.equals(address)) address = UNKNOWN + ":" + account; // never one count shared by every client
    Instant now = clock.instant();
    Duration a = waitFor("account:" + account, perAccount, now);
    Duration b = waitFor("address:" + address, perAddress, now);
    Duration wait = a.compareTo(b) >= 0 ? a : b;
    if (!wait.isZero()) return wait;
    if (failures.size() >= MAX_KEYS) evictOldest();
    record("account:" + account, now);
    record("address:" + address, now);
    return Duration.ZERO;
  }

  /** The attempt succeeded: its count is taken back, and the account's earlier failures forgotten. */
  synchronized void succeeded(String account, String address) {
    if (UNKNOWN.equals(address)) address = UNKNOWN + ":" + account;
    failures.remove("account:" + account);
    Deque<Instant> times = failures.get("address:" + address);
    if (times != null && !times.isEmpty()) times.removeLast();
  }

  private Duration waitFor(String key, int limit, Instant now) {
    Deque<Instant> times = failures.get(key);
    if (times == null) return Duration.ZERO;
    prune(times, now);
    if (times.size() < limit) return Duration.ZERO;
    return Duration.between(now, times.peekFirst().plus(window));
  }

  private void record(String key, Instant now) {
    Deque<Instant> times = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
    prune(times, now);
    times.addLast(now);
    while (times.size() > Math.max(perAccount, perAddress)) times.removeFirst();
  }

  private void prune(Deque<Instant> times, Instant now) {
    while (!times.isEmpty() && !times.peekFirst().plus(window).isAfter(now)) times.removeFirst();
  }

  private void evictOldest() {
    Instant now = clock.instant();
    failures.values().forEach(t -> prune(t, now));
    failures.values().removeIf(Deque::isEmpty);
    if (failures.size() < MAX_KEYS) return;
    List<Map.Entry<String, Deque<Instant>>> all = new ArrayList<>(failures.entrySet());
    all.sort(Comparator.comparing(e -> e.getValue().peekLast()));
    for (int i = 0; i < all.size() / 10; i++) failures.remove(all.get(i).getKey());
  }
}
