package berth.router;

import berth.tenant.Endpoint;
import berth.tenant.RouteTable;
import berth.tenant.RouteTable.Route;
import berth.tenant.Slug;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.event.Logging;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.Host;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.ws.WebSocketRequest;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade;
import org.apache.pekko.http.javadsl.settings.ConnectionPoolSettings;
import org.apache.pekko.stream.BufferOverflowException;
import org.apache.pekko.stream.StreamTcpException;
import scala.concurrent.ExecutionContextExecutor;

/**
 * The router's request handler: {@code {slug}.{base-domain}} → that tenant's container. The hot path
 * is a lookup in the in-memory {@link RouteTable} and a request on the tenant's own connection pool;
 * bodies stream through in both directions and are never buffered whole. WebSocket upgrades are
 * bridged to a WebSocket connection to the tenant.
 */
public final class TenantProxy implements Function<HttpRequest, CompletionStage<HttpResponse>> {

  /** Hop-by-hop headers (RFC 9110 §7.6.1) and headers Pekko synthesizes; never forwarded. */
  private static final Set<String> NOT_FORWARDED = Set.of(
      "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te",
      "trailer", "transfer-encoding", "upgrade", "host", "timeout-access", "remote-address", "raw-request-uri",
      "tls-session-info", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-real-ip", "forwarded");

  private final ActorSystem<?> system;
  private final Http http;
  private final RouteTable routes;
  private final RouterSettings settings;
  private final ConnectionPoolSettings pool;
  private final LoggingAdapter log;
  private final String hostSuffix;
  private final ExecutionContextExecutor dispatcher;

  public TenantProxy(ActorSystem<?> system, RouteTable routes, RouterSettings settings, ConnectionPoolSettings pool) {
    this.system = system;
    this.http = Http.get(system);
    this.routes = routes;
    this.settings = settings;
    this.pool = pool;
    this.log = Logging.getLogger(system.classicSystem(), TenantProxy.class);
    this.hostSuffix = "." + settings.baseDomain();
    this.dispatcher = system.executionContext();
  }

  @Override
  public CompletionStage<HttpResponse> apply(HttpRequest request) {
    String slug = slugOf(request);
    if (slug == null) {
      return reject(request, ErrorPages.notFound(request, "No tenant is served at this address."));
    }
    if (ReservedPaths.refused(request.getUri().path())) {
      // the guest API is Berth's channel to the tenant, reached on the published port only
      return reject(request, ErrorPages.notFound(request, "Not found."));
    }
    Optional<Route> route = routes.lookup(slug);
    if (route.isEmpty()) {
      return reject(request, ErrorPages.notFound(request, "There is no tenant '" + slug + "'."));
    }
    if (!route.get().servable()) {
      return reject(request, ErrorPages.notReady(request, slug, route.get().phase(), settings.retryAfter()));
    }
    Endpoint endpoint = route.get().endpoint();
    Optional<WebSocketUpgrade> upgrade = request.getAttribute(AttributeKeys.webSocketUpgrade);
    if (upgrade.isPresent()) {
      return CompletableFuture.completedFuture(bridgeWebSocket(request, upgrade.get(), endpoint));
    }
    return withTimeout(http.singleRequest(forward(request, endpoint), http.defaultClientHttpsContext(), pool, log))
        .handle((response, error) -> error == null ? fromTenant(response, slug + hostSuffix) : failed(request, slug, error));
  }

  /**
   * The upstream response, or a TimeoutException after {@code upstream-timeout}; a response that
   * arrives too late is discarded so its connection returns to the pool. Callbacks run on the actor
   * system's dispatcher: stages converted from Scala futures otherwise run every callback through
   * the common ForkJoinPool, which on a two-core machine starts a new thread per request.
   */
  private CompletableFuture<HttpResponse> withTimeout(CompletionStage<HttpResponse> upstream) {
    CompletableFuture<HttpResponse> result = new CompletableFuture<>();
    Cancellable timer = system.scheduler().scheduleOnce(settings.upstreamTimeout(),
        () -> result.completeExceptionally(new TimeoutException()), dispatcher);
    upstream.whenCompleteAsync((response, error) -> {
      timer.cancel();
      if (error != null) {
        result.completeExceptionally(error);
      } else if (!result.complete(response)) {
        response.discardEntityBytes(system);
      }
    }, dispatcher);
    return result;
  }

  /**
   * The tenant label of the request's host, or null when the host is not a tenant address: one label
   * under the base domain that is a {@link Slug} (no tenant can have any other name).
   */
  String slugOf(HttpRequest request) {
    String host = request.getUri().host().address().toLowerCase(Locale.ROOT);
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    if (!host.endsWith(hostSuffix)) {
      return null;
    }
    String label = host.substring(0, host.length() - hostSuffix.length());
    return Slug.valid(label) ? label : null;
  }

  private HttpRequest forward(HttpRequest request, Endpoint endpoint) {
    Uri target = request.getUri().scheme("http").host(endpoint.host()).port(endpoint.port());
    return request.withUri(target).withHeaders(forwardedHeaders(request, true));
  }

  /**
   * The request's end-to-end headers, then Host — the authority the tenant was chosen by, so a request
   * in absolute form cannot reach one tenant while claiming another's Host — and the X-Forwarded-*
   * trio. Headers named in the client's Connection header are hop-by-hop too. This router is the edge:
   * X-Forwarded-For is set to the client's address, not appended to what the client claims.
   */
  private List<HttpHeader> forwardedHeaders(HttpRequest request, boolean includeHost) {
    Set<String> connectionScoped = new HashSet<>();
    request.getHeader("Connection").ifPresent(c -> {
      for (String token : c.value().split(",")) connectionScoped.add(token.strip().toLowerCase(Locale.ROOT));
    });
    List<HttpHeader> out = new ArrayList<>();
    for (HttpHeader h : request.getHeaders()) {
      String name = h.lowercaseName();
      if (!NOT_FORWARDED.contains(name) && !connectionScoped.contains(name) && !name.startsWith("sec-websocket-")) {
        out.add(h);
      }
    }
    Uri uri = request.getUri();
    Host routedHost = request.getHeader(Host.class)
        .filter(h -> h.host().address().equalsIgnoreCase(uri.host().address()))
        .orElseGet(() -> uri.port() > 0 ? Host.create(uri.host().address(), uri.port()) : Host.create(uri.host().address()));
    if (includeHost) {
      out.add(routedHost);
    }
    request.getAttribute(AttributeKeys.remoteAddress)
        .flatMap(a -> a.getAddress())
        .map(InetAddress::getHostAddress)
        .ifPresent(ip -> out.add(RawHeader.create("X-Forwarded-For", ip)));
    out.add(RawHeader.create("X-Forwarded-Proto", settings.forwardedProto()));
    String authority = routedHost.host().address() + (routedHost.port() > 0 ? ":" + routedHost.port() : "");
    out.add(RawHeader.create("X-Forwarded-Host", authority));
    return out;
  }

  /** The tenant's response without hop-by-hop headers and without cookies scoped beyond its own host. */
  private HttpResponse fromTenant(HttpResponse response, String tenantHost) {
    List<HttpHeader> kept = new ArrayList<>();
    for (HttpHeader h : response.getHeaders()) {
      String name = h.lowercaseName();
      if (name.equals("set-cookie") && !CookieScope.allowed(h.value(), tenantHost)) {
        log.warning("Dropped a Set-Cookie of {} scoped beyond its own host", tenantHost);
        continue;
      }
      if (!name.equals("connection") && !name.equals("keep-alive") && !name.equals("proxy-connection")
          && !name.equals("trailer") && !name.equals("upgrade")) {
        kept.add(h);
      }
    }
    return response.withHeaders(kept);
  }

  private HttpResponse failed(HttpRequest request, String slug, Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    request.discardEntityBytes(system);
    if (cause instanceof TimeoutException) {
      log.warning("Tenant {} did not answer {} {} within {}", slug, request.method().value(), request.getUri().path(),
          settings.upstreamTimeout());
      return ErrorPages.create(request, StatusCodes.GATEWAY_TIMEOUT, "gateway_timeout",
          "Tenant '" + slug + "' did not answer in time.");
    }
    if (cause instanceof BufferOverflowException) {
      return ErrorPages.create(request, StatusCodes.SERVICE_UNAVAILABLE, "overloaded",
          "Tenant '" + slug + "' has too many requests in flight; try again.");
    }
    log.warning("Tenant {} is unreachable: {}", slug, cause.toString());
    return ErrorPages.create(request, StatusCodes.BAD_GATEWAY, "bad_gateway",
        "Tenant '" + slug + "' is not reachable" + (cause instanceof StreamTcpException ? "." : " (" + cause.getClass().getSimpleName() + ")."));
  }

  private HttpResponse bridgeWebSocket(HttpRequest request, WebSocketUpgrade upgrade, Endpoint endpoint) {
    String pathAndQuery = request.getUri().toRelative().toString();
    WebSocketRequest upstream = WebSocketRequest.create("ws://" + endpoint.authority() + pathAndQuery);
    for (HttpHeader h : forwardedHeaders(request, false)) {
      upstream = upstream.addHeader(h);
    }
    Optional<String> protocol = java.util.stream.StreamSupport.stream(upgrade.getRequestedProtocols().spliterator(), false)
        .findFirst();
    if (protocol.isPresent()) {
      upstream = upstream.requestSubprotocol(protocol.get());
      return upgrade.handleMessagesWith(http.webSocketClientFlow(upstream), protocol.get());
    }
    return upgrade.handleMessagesWith(http.webSocketClientFlow(upstream));
  }

  private CompletionStage<HttpResponse> reject(HttpRequest request, HttpResponse response) {
    request.discardEntityBytes(system);
    return CompletableFuture.completedFuture(response);
  }
}
