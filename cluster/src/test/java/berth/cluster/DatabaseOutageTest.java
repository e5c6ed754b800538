package berth.cluster;

import static berth.cluster.TestNodes.awaitPhase;
import static berth.cluster.TestNodes.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import berth.persistence.EmbeddedPostgresServer;
import com.typesafe.config.ConfigFactory;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL stopped for a while under admin API traffic, on a real node and real dockerd: writes are
 * refused at once with 503 while it is down, every write acknowledged with 202 survives, and the node
 * carries on by itself when the database is back — no restart.
 */
class DatabaseOutageTest {
  static final Duration WITHIN = Duration.ofSeconds(90);

  @TempDir Path dir;

  @Test
  void writesFailFastWhileTheDatabaseIsDownAndNothingAcknowledgedIsLost() throws Exception {
    TestNodes nodes = new TestNodes(dir);
    Path pgData = dir.resolve("external-pg");
    int port = TestNodes.freePort();
    EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(pgData, port);
    var config = ConfigFactory.parseString("berth.db { url = \"%s\", user = postgres, password = \"%s\" }"
        .formatted(pg.jdbcUrl(), pg.password())).withFallback(nodes.config());
    List<String> acknowledged = new ArrayList<>();
    try (BerthNode node = BerthNode.start(config, BerthNode.Hooks.NONE)) {
      assertEquals(202, call(node, "POST", "/api/tenants", "{\"slug\":\"before\"}").statusCode());
      awaitPhase(node, "before", "READY", WITHIN);

      pg.close();
      long stopped = System.nanoTime();
      int n = 0;
      HttpResponse<String> r;
      long took;
      do {
        long t0 = System.nanoTime();
        r = call(node, "POST", "/api/tenants", "{\"slug\":\"during-" + n + "\"}");
        took = System.nanoTime() - t0;
        if (r.statusCode() == 202) acknowledged.add("during-" + n);
        n++;
        assertTrue(System.nanoTime() - stopped < WITHIN.toNanos(), "never refused: " + r.body());
      } while (r.statusCode() != 503);
      System.out.println("database outage: first 503 " + (System.nanoTime() - stopped) / 1_000_000
          + " ms after the stop; " + acknowledged.size() + " writes acknowledged before it");
      // once the outage is known, refusals are immediate and change nothing
      for (int i = 0; i < 5; i++) {
        long t0 = System.nanoTime();
        r = call(node, "POST", "/api/tenants", "{\"slug\":\"refused-" + i + "\"}");
        took = System.nanoTime() - t0;
        assertEquals(503, r.statusCode(), r.body());
        assertTrue(took < Duration.ofSeconds(2).toNanos(), "a refusal took " + took / 1_000_000 + " ms");
        assertTrue(r.body().contains("nothing was changed"), r.body());
      }
      assertEquals(503, call(node, "GET", "/api/tenants", null).statusCode());

      pg = EmbeddedPostgresServer.start(pgData, port);
      long deadline = System.nanoTime() + WITHIN.toNanos();
      while ((r = call(node, "POST", "/api/tenants", "{\"slug\":\"after\"}")).statusCode() != 202) {
        assertTrue(System.nanoTime() < deadline, "writes never accepted again: " + r.body());
        Thread.sleep(500);
      }
      awaitPhase(node, "after", "READY", WITHIN);
      awaitPhase(node, "before", "READY", WITHIN);
      for (String slug : acknowledged) {
        awaitPhase(node, slug, "READY", WITHIN); // acknowledged means journaled: it exists and converges
      }
      for (int i = 0; i < 5; i++) {
        assertEquals(404, call(node, "GET", "/api/tenants/refused-" + i, null).statusCode());
      }
    } finally {
      pg.close();
      nodes.removeContainers();
    }
  }
}
