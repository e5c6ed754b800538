import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The prober of bench/failover.sh, run with the JDK's source launcher ({@code java FailoverProbe.java}),
 * so that probing costs one JVM instead of a process per request on a 2-core machine.
 *
 * <p>Arguments: {@code t0-epoch-ms victim-address admin-token deadline-s target...} where a target is
 * {@code slug:adminPort:routerPort}. For every target it starts a probe every 250 ms without waiting for
 * earlier ones (a request sent while the tenant's entity is unreachable waits out the admin API's ask
 * timeout; later ones must not queue behind it). A probe succeeds when the admin API answers READY from
 * a node other than the victim and a request through that node's router then gets HTTP 200 from the
 * tenant. Prints, per target, the ms from t0 to the completion of its first successful probe (so the
 * figure errs long by up to one probe's latency), and separately the first admin READY and the router's
 * worst latency; exits 1 if a target never succeeds before the deadline.
 */
public final class FailoverProbe {
  record Target(String slug, int api, int router) {
    String key() {
      return slug + " via :" + api;
    }
  }

  public static void main(String[] args) throws Exception {
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host"); // the router picks the tenant by Host
    long t0 = Long.parseLong(args[0]);
    String victim = "\"node\":\"" + args[1] + "\"";
    String token = args[2];
    long deadline = t0 + Long.parseLong(args[3]) * 1000;
    List<Target> targets = new ArrayList<>();
    for (int i = 4; i < args.length; i++) {
      String[] p = args[i].split(":");
      targets.add(new Target(p[0], Integer.parseInt(p[1]), Integer.parseInt(p[2])));
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    Map<Target, Long> done = new ConcurrentHashMap<>();
    Map<Target, Long> firstAdmin = new ConcurrentHashMap<>();
    Map<Target, Long> worstRouter = new ConcurrentHashMap<>();

    while (done.size() < targets.size() && System.currentTimeMillis() < deadline) {
      for (Target t : targets) {
        if (System.getenv("PROBE_TRACE") != null) {
          long sent = System.currentTimeMillis();
          HttpRequest routed = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.router() + "/"))
              .timeout(Duration.ofSeconds(10)).header("Host", t.slug() + ".localhost:" + t.router()).build();
          http.sendAsync(routed, HttpResponse.BodyHandlers.discarding()).whenComplete((rr, e) -> System.err.println(
              "trace " + t.key() + " router sent " + (sent - t0) + " took " + (System.currentTimeMillis() - sent) + " -> "
                  + (rr == null ? String.valueOf(e) : rr.statusCode())));
        }
        if (done.containsKey(t)) continue;
        HttpRequest admin = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.api() + "/api/tenants/" + t.slug()))
            .timeout(Duration.ofSeconds(12)).header("Authorization", "Bearer " + token).build();
        http.sendAsync(admin, HttpResponse.BodyHandlers.ofString()).thenCompose(r -> {
          String body = r.body();
          if (r.statusCode() != 200 || !body.contains("\"phase\":\"READY\"") || !body.contains("\"node\":\"pekko://")
              || body.contains(victim)) {
            return java.util.concurrent.CompletableFuture.completedFuture(false);
          }
          firstAdmin.putIfAbsent(t, System.currentTimeMillis() - t0);
          long sent = System.currentTimeMillis();
          HttpRequest routed = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.router() + "/"))
              .timeout(Duration.ofSeconds(5)).header("Host", t.slug() + ".localhost:" + t.router()).build();
          return http.sendAsync(routed, HttpResponse.BodyHandlers.discarding()).thenApply(rr -> {
            worstRouter.merge(t, System.currentTimeMillis() - sent, Math::max);
            return rr.statusCode() == 200;
          });
        }).whenComplete((ok, e) -> {
          if (Boolean.TRUE.equals(ok)) done.putIfAbsent(t, System.currentTimeMillis() - t0);
        });
      }
      TimeUnit.MILLISECONDS.sleep(250);
    }
    long worst = 0;
    for (Target t : targets) {
      Long ms = done.get(t);
      System.out.printf("  %-22s READY+routable after %s ms (first admin READY %s ms, router worst %s ms)%n", t.key(),
          ms, firstAdmin.get(t), worstRouter.get(t));
      if (ms == null) {
        System.out.println("FAILED");
        System.exit(1);
      }
      worst = Math.max(worst, ms);
    }
    System.out.println("worst " + worst);
    System.exit(0);
  }
}
