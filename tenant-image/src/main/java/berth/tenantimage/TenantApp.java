package berth.tenantimage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpCookie;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.headers.SameSite;
import org.apache.pekko.http.javadsl.model.headers.SetCookie;
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
  private final Path ssoKeyFile;
  private final Path guestTokenFile;
  private final Path notesFile;
  private final Path secretsFile;
  private final AtomicReference<JsonNode> init = new AtomicReference<>();
  private final SsoGate sso;

  TenantApp(String tenantId, Path dataDir, Clock clock) {
    this.tenantId = tenantId;
    this.initFile = dataDir.resolve("berth-init.json");
    this.ssoKeyFile = dataDir.resolve("berth-sso-key.json");
    this.guestTokenFile = dataDir.resolve(".berth").resolve("guest-token");
    this.notesFile = dataDir.resolve("notes.txt");
    this.secretsFile = dataDir.resolve("berth-secrets.json");
    this.sso = new SsoGate(tenantId, clock, dataDir.resolve("berth-sso-used.json"));
    try {
      if (Files.exists(initFile)) {
        init.set(JSON.readTree(initFile.toFile())); // a restarted container stays initialized
      }
      if (Files.exists(ssoKeyFile)) {
        configureSso(JSON.readTree(ssoKeyFile.toFile()));
      }
    } catch (IOException | IllegalArgumentException e) {
      System.err.println("ignoring unreadable init state in " + dataDir + ": " + e.getClass().getSimpleName());
    }
  }

  public static void main(String[] args) {
    String tenantId = System.getenv().getOrDefault("BERTH_TENANT_ID", "unknown");
    Path dataDir = Path.of(System.getenv().getOrDefault("BERTH_DATA_DIR", "/data"));
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "tenant");
    TenantApp app = new TenantApp(tenantId, dataDir, Clock.systemUTC());
    Http.get(system).newServerAt("0.0.0.0", port).bind(app.routes())
        .thenAccept(b -> System.out.println("tenant " + tenantId + " listening on " + b.localAddress()));
  }

  Route routes() {
    return concat(
        pathPrefix(".berth", () -> concat(
            path("health", () -> get(() -> complete(StatusCodes.OK, HttpEntities.create(ContentTypes.APPLICATION_JSON,
                "{\"status\":\"ok\",\"tenant\":\"" + tenantId + "\"}")))),
            path("init", () -> post(() -> optionalHeaderValueByName("Authorization", auth -> fromBerth(auth)
                ? entity(org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller.entityToString(), this::acceptInit)
                : complete(StatusCodes.UNAUTHORIZED, HttpEntities.create(ContentTypes.APPLICATION_JSON,
                    "{\"error\":\"the guest credential is missing or wrong\"}"))))),
            path("sso", () -> get(() -> parameterOptional("token", token -> optionalHeaderValueByName(
                "X-Forwarded-Proto", proto -> signIn(token, proto.filter("https"::equalsIgnoreCase).isPresent()))))))),
        // sign-out: ends the session and clears its cookie
        path("signout", () -> post(() -> optionalHeaderValueByName("Cookie", cookies -> {
          cookies.flatMap(TenantApp::sessionCookie).ifPresent(sso::end);
          return respondWithHeaders(List.of(RawHeader.create("Set-Cookie", SsoGate.COOKIE + "=; Path=/; Max-Age=0; HttpOnly"),
              Location.create("/")), () -> complete(StatusCodes.SEE_OTHER, "signed out"));
        }))),
        pathSingleSlash(() -> get(() -> optionalHeaderValueByName("Cookie", cookies ->
            complete(HttpEntities.create(ContentTypes.TEXT_HTML_UTF8, page(cookies.flatMap(TenantApp::sessionCookie))))))),
        // echo; the text frame "close" makes the tenant close the connection (server-side close)
        path("ws", () -> handleWebSocketMessages(Flow.<Message>create().takeWhile(m -> !(m.isText()
            && m.asTextMessage().isStrict() && m.asTextMessage().getStrictText().equals("close"))))),
        path("echo", () -> post(() -> extractRequestEntity(entity ->
            complete(HttpEntities.createChunked(entity.getContentType(), entity.getDataBytes()))))),
        path("count", () -> post(() -> extractMaterializer(mat -> extractRequestEntity(entity -> onSuccess(
            entity.getDataBytes().runFold(0L, (n, bytes) -> n + bytes.size(), mat),
            n -> complete(HttpEntities.create(ContentTypes.APPLICATION_JSON, "{\"bytes\":" + n + "}"))))))),
        path("bytes", () -> get(() -> parameter("n", n -> complete(HttpEntities.createChunked(
            ContentTypes.APPLICATION_OCTET_STREAM, bytes(Long.parseLong(n))))))),
        path("sse", () -> get(() -> parameter("n", n -> completeOK(
            Source.range(1, Integer.parseInt(n)).throttle(1, Duration.ofMillis(100))
                .map(i -> ServerSentEvent.create("tick " + i)),
            org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling.toEventStream())))),
        // the tenant's own data, on /data: what a teardown keeps and a restore brings back
        path("notes", () -> concat(
            get(() -> complete(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, readNotes()))),
            put(() -> entity(org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller.entityToString(), text -> {
              writeNotes(text);
              return complete(StatusCodes.NO_CONTENT);
            })))),
        // sets a cookie for any domain asked for, as a careless or hostile tenant could; the router must drop it
        path("set-cookie", () -> get(() -> parameter("domain", domain -> respondWithHeader(
            RawHeader.create("Set-Cookie", "planted=1; Path=/; Domain=" + domain),
            () -> complete("cookie set for " + domain))))),
        path("headers", () -> get(() -> extractRequest(req -> {
          StringBuilder sb = new StringBuilder();
          req.getHeaders().forEach(h -> sb.append(h.name()).append(": ").append(h.value()).append('\n'));
          return complete(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, sb.toString()));
        }))));
  }

  private String readNotes() {
    try {
      return Files.exists(notesFile) ? Files.readString(notesFile, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + notesFile, e);
    }
  }

  private void writeNotes(String text) {
    try {
      writeAtomically(notesFile, text, PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + notesFile, e);
    }
  }

  /**
   * Whether the request carries this container's guest credential (docs/tenant-contract.md), which
   * Berth wrote to {@code /data/.berth/guest-token} before the container first started. No file, no
   * init: a tenant fails closed.
   */
  private boolean fromBerth(Optional<String> authorization) {
    if (authorization.isEmpty() || !authorization.get().startsWith("Bearer ")) {
      return false;
    }
    try {
      byte[] expected = Files.readString(guestTokenFile, StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8);
      byte[] given = authorization.get().substring("Bearer ".length()).strip().getBytes(StandardCharsets.UTF_8);
      return expected.length > 0 && MessageDigest.isEqual(expected, given);
    } catch (IOException noCredential) {
      return false;
    }
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
    JsonNode ssoKey = payload.path("sso");
    try {
      if (ssoKey.isObject()) {
        configureSso(ssoKey);
      }
    } catch (IllegalArgumentException e) {
      return complete(StatusCodes.BAD_REQUEST, HttpEntities.create(ContentTypes.APPLICATION_JSON,
          "{\"error\":\"unusable SSO key\"}"));
    }
    try {
      if (ssoKey.isObject()) {
        // the verification key must survive a container restart; it stays on the tenant's own volume
        writeAtomically(ssoKeyFile, JSON.writeValueAsString(ssoKey), PosixFilePermissions.fromString("rw-------"));
      }
      // the secrets, for the tenant alone (mode 0600 on its own volume); never logged or shown
      JsonNode secrets = payload.path("secrets");
      writeAtomically(secretsFile, JSON.writeValueAsString(secrets.isObject() ? secrets : JSON.createObjectNode()),
          PosixFilePermissions.fromString("rw-------"));
      var kept = JSON.createObjectNode()
          .put("tenantId", tenantId)
          .put("displayName", payload.path("displayName").asText())
          .put("incarnation", payload.path("incarnation").asInt())
          .put("initializedAt", Instant.now().toString());
      writeAtomically(initFile, JSON.writeValueAsString(kept), PosixFilePermissions.fromString("rw-r-----"));
      init.set(kept);
    } catch (IOException e) {
      return complete(StatusCodes.SERVICE_UNAVAILABLE, HttpEntities.create(ContentTypes.APPLICATION_JSON,
          "{\"error\":\"could not store init state\"}"));
    }
    return complete(StatusCodes.OK, HttpEntities.create(ContentTypes.APPLICATION_JSON, "{\"initialized\":true}"));
  }

  private void configureSso(JsonNode key) {
    String alg = key.path("alg").asText();
    sso.configure(alg, alg.equals("RS256") ? key.path("publicKey").asText() : key.path("key").asText());
  }

  private static void writeAtomically(Path file, String content, Set<PosixFilePermission> mode) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(mode));
    Files.writeString(tmp, content, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * The SSO handoff: a good token opens a session (a host-only cookie, {@code Secure} when the
   * router says the browser came over https, expiring with the session) and lands on the page.
   */
  private Route signIn(Optional<String> token, boolean https) {
    Object outcome = token.isEmpty()
        ? new SsoGate.Refusal("malformed", "The sign-in link has no token.")
        : sso.admit(token.get());
    if (outcome instanceof SsoGate.Admitted admitted) {
      System.out.println("tenant " + tenantId + ": signed in " + admitted.principal() + " by SSO handoff");
      HttpCookie cookie = HttpCookie.create(SsoGate.COOKIE, admitted.session())
          .withPath("/").withHttpOnly(true).withSameSite(SameSite.Lax).withSecure(https)
          .withMaxAge(SsoGate.SESSION_TTL.toSeconds());
      return respondWithHeaders(List.of(SetCookie.create(cookie), Location.create("/")),
          () -> complete(StatusCodes.SEE_OTHER, HttpEntities.create(ContentTypes.TEXT_HTML_UTF8,
              "<!doctype html><a href=\"/\">Signed in; continue</a>")));
    }
    SsoGate.Refusal refusal = (SsoGate.Refusal) outcome;
    StatusCode status = refusal.code().equals("not_configured") ? StatusCodes.SERVICE_UNAVAILABLE : StatusCodes.UNAUTHORIZED;
    return complete(status, HttpEntities.create(ContentTypes.TEXT_HTML_UTF8,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign-in refused</title></head><body>"
            + "<h1>Sign-in refused</h1><p id=\"refusal\" data-code=\"" + refusal.code() + "\">" + html(refusal.message())
            + "</p></body></html>"));
  }

  /** Headers stay raw here (application.conf), so the session cookie is read from the Cookie header itself. */
  static Optional<String> sessionCookie(String cookieHeader) {
    for (String pair : cookieHeader.split(";")) {
      String p = pair.strip();
      if (p.startsWith(SsoGate.COOKIE + "=")) {
        return Optional.of(p.substring(SsoGate.COOKIE.length() + 1));
      }
    }
    return Optional.empty();
  }

  private String page(Optional<String> session) {
    JsonNode i = init.get();
    String status = i == null
        ? "<p id=\"status\">Not initialized yet.</p>"
        : "<p id=\"status\">Initialized as <b>" + html(i.path("displayName").asText()) + "</b> (incarnation "
            + i.path("incarnation").asInt() + ") at " + html(i.path("initializedAt").asText()) + ".</p>";
    String who = session.flatMap(sso::principalOf)
        .map(p -> "<p id=\"signed-in\">Signed in as <b>" + html(p) + "</b>.</p>")
        .orElse("<p id=\"signed-in\">Not signed in.</p>");
    return "<!doctype html><html><head><meta charset=\"utf-8\"><title>Tenant " + html(tenantId) + "</title></head>"
        + "<body><h1 id=\"tenant\">Tenant " + html(tenantId) + "</h1>" + status + who + secretsList() + "</body></html>";
  }

  /**
   * The names of the secrets this tenant received, each with a fingerprint keyed by its guest
   * credential (HMAC-SHA256 of name and value, 12 hex digits): whoever knows the value and the
   * credential can check it arrived; the page alone reveals nothing of it.
   */
  private String secretsList() {
    try {
      if (!Files.exists(secretsFile)) {
        return "<p id=\"secrets\">No secrets received.</p>";
      }
      JsonNode secrets = JSON.readTree(secretsFile.toFile());
      byte[] key = Files.readString(guestTokenFile, StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8);
      StringBuilder out = new StringBuilder("<ul id=\"secrets\" data-count=\"" + secrets.size() + "\">");
      var names = secrets.fieldNames();
      while (names.hasNext()) {
        String name = names.next();
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
        byte[] tag = mac.doFinal((name + "=" + secrets.get(name).asText()).getBytes(StandardCharsets.UTF_8));
        out.append("<li class=\"secret\"><code>").append(html(name)).append("</code> ")
            .append(java.util.HexFormat.of().formatHex(tag).substring(0, 12)).append("</li>");
      }
      return out.append("</ul>").toString();
    } catch (IOException | java.security.GeneralSecurityException e) {
      return "<p id=\"secrets\">Secrets unreadable.</p>";
    }
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
