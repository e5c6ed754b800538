package berth.tenantimage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The reference tenant: the smallest program that meets docs/tenant-contract.md. It serves a page
 * naming its tenant, the guest API under {@code /.berth/}, a WebSocket echo, and a few streaming
 * endpoints that exercise the router.
 */
public final class TenantApp extends AllDirectives {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String tenantId;
  private final Path initFile;
  private final AtomicReference<JsonNode> init = new AtomicReference<>();

  TenantApp(String tenantId, Path dataDir) {
    this.tenantId = tenantId;
    this.initFile = dataDir.resolve("berth-init.json");
    try {
      if (Files.exists(initFile)) {
        init.set(JSON.readTree(initFile.toFile())); // a restarted container stays initialized
      }
    } catch (IOException e) {
      System.err.println("ignoring unreadable " + initFile + ": " + e.getMessage());
    }
  }

  public static void main(String[] args) {
    String tenantId = System.getenv().getOrDefault("BERTH_TENANT_ID", "unknown");
    Path dataDir = Path.of(System.getenv().getOrDefault("BERTH_DATA_DIR", "/data"));
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "tenant");
    TenantApp app = new TenantApp(tenantId, dataDir);
    Http.get(system).newServerAt("0.0.0.0", port).bind(app.routes())
        .thenAccept(b -> system.log().info("tenant {} listening on {}", tenantId, b.localAddress()));
  }

  Route routes() {
    return concat(
        pathPrefix(".berth", () -> concat(
            path("health", () -> get(() -> complete(StatusCodes.OK, HttpEntities.create(ContentTypes.APPLICATION_JSON,
                "{\"status\":\"ok\",\"tenant\":\"" + tenantId + "\"}")))),
            path("init", () -> post(() -> entity(org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller.entityToString(),
                this::acceptInit))))),
        pathSingleSlash(() -> get(() -> complete(HttpEntities.create(ContentTypes.TEXT_HTML_UTF8, page())))),
        path("ws", () -> handleWebSocketMessages(Flow.<Message>create())),
        path("echo", () -> post(() -> extractRequestEntity(entity ->
            complete(HttpEntities.createChunked(entity.getContentType(), entity.getDataBytes()))))),
        path("bytes", () -> get(() -> parameter("n", n -> complete(HttpEntities.createChunked(
            ContentTypes.APPLICATION_OCTET_STREAM, bytes(Long.parseLong(n))))))),
        path("sse", () -> get(() -> parameter("n", n -> completeOK(
            Source.range(1, Integer.parseInt(n)).throttle(1, Duration.ofMillis(100))
                .map(i -> ServerSentEvent.create("tick " + i)),
            org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling.toEventStream())))),
        path("headers", () -> get(() -> extractRequest(req -> {
          StringBuilder sb = new StringBuilder();
          req.getHeaders().forEach(h -> sb.append(h.name()).append(": ").append(h.value()).append('\n'));
          return complete(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, sb.toString()));
        }))));
  }

  private Route acceptInit(String body) {
    JsonNode payload;
    try {
      payload = JSON.readTree(body);
    } catch (IOException e) {
      return complete(StatusCodes.BAD_REQUEST, HttpEntities.create(ContentTypes.APPLICATION_JSON, "{\"error\":\"malformed JSON\"}"));
    }
    if (payload == null || !tenantId.equals(payload.path("tenantId").asText())) {
      return complete(StatusCodes.CONFLICT, HttpEntities.create(ContentTypes.APPLICATION_JSON,
          "{\"error\":\"init payload is for another tenant\"}"));
    }
    try {
      Path tmp = initFile.resolveSibling(initFile.getFileName() + ".tmp");
      // only identity is kept on disk; secrets in the payload are not written out here
      var kept = JSON.createObjectNode()
          .put("tenantId", tenantId)
          .put("displayName", payload.path("displayName").asText())
          .put("incarnation", payload.path("incarnation").asInt())
          .put("initializedAt", Instant.now().toString());
      Files.writeString(tmp, JSON.writeValueAsString(kept), StandardCharsets.UTF_8);
      Files.move(tmp, initFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      init.set(kept);
    } catch (IOException e) {
      return complete(StatusCodes.SERVICE_UNAVAILABLE, HttpEntities.create(ContentTypes.APPLICATION_JSON,
          "{\"error\":\"could not store init state\"}"));
    }
    return complete(StatusCodes.OK, HttpEntities.create(ContentTypes.APPLICATION_JSON, "{\"initialized\":true}"));
  }

  private String page() {
    JsonNode i = init.get();
    String status = i == null
        ? "<p id=\"status\">Not initialized yet.</p>"
        : "<p id=\"status\">Initialized as <b>" + html(i.path("displayName").asText()) + "</b> (incarnation "
            + i.path("incarnation").asInt() + ") at " + html(i.path("initializedAt").asText()) + ".</p>";
    return "<!doctype html><html><head><meta charset=\"utf-8\"><title>Tenant " + html(tenantId) + "</title></head>"
        + "<body><h1 id=\"tenant\">Tenant " + html(tenantId) + "</h1>" + status + "</body></html>";
  }

  private static Source<ByteString, NotUsed> bytes(long n) {
    int chunk = 64 * 1024;
    ByteString block = ByteString.fromArray(new byte[chunk]);
    long full = n / chunk;
    int rest = (int) (n % chunk);
    Source<ByteString, NotUsed> blocks = Source.repeat(block).take(full);
    return rest == 0 ? blocks : blocks.concat(Source.single(block.take(rest)));
  }

  static String html(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
