package berth.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed sign-ins per account and per address within a sliding window, on this node: past the limit,
 * further attempts are refused (429) before any password is checked, until the oldest failure ages
 * out. A success clears the account's count (not the address's). Memory is bounded: at most
 * {@link #MAX_KEYS} keys are tracked, the stalest dropped first.
 */
final class SignInLimiter {
  static final int MAX_KEYS = 100_000;

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

  /** How long until an attempt for this account from this address is allowed; zero when it is now. */
  Duration wait(String account, String address) {
    Instant now = clock.instant();
    Duration a = waitFor("account:" + account, perAccount, now);
    Duration b = waitFor("address:" + address, perAddress, now);
    return a.compareTo(b) >= 0 ? a : b;
  }

  void failed(String account, String address) {
    if (failures.size() >= MAX_KEYS) evictStale();
    Instant now = clock.instant();
    record("account:" + account, now);
    record("address:" + address, now);
  }

  void succeeded(String account) {
    failures.remove("account:" + account);
  }

  private Duration waitFor(String key, int limit, Instant now) {
    Deque<Instant> times = failures.get(key);
    if (times == null) return Duration.ZERO;
    synchronized (times) {
      prune(times, now);
      if (times.size() < limit) return Duration.ZERO;
      return Duration.between(now, times.peekFirst().plus(window));
    }
  }

  private void record(String key, Instant now) {
    Deque<Instant> times = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
    synchronized (times) {
      prune(times, now);
      times.addLast(now);
      while (times.size() > Math.max(perAccount, perAddress)) times.removeFirst();
    }
  }

  private void prune(Deque<Instant> times, Instant now) {
    while (!times.isEmpty() && !times.peekFirst().plus(window).isAfter(now)) times.removeFirst();
  }

  private void evictStale() {
    Instant now = clock.instant();
    for (Iterator<Map.Entry<String, Deque<Instant>>> it = failures.entrySet().iterator(); it.hasNext(); ) {
      Deque<Instant> times = it.next().getValue();
      synchronized (times) {
        prune(times, now);
        if (times.isEmpty()) it.remove();
      }
    }
    if (failures.size() >= MAX_KEYS) failures.clear(); // a flood of distinct keys: start over rather than grow
  }
}
