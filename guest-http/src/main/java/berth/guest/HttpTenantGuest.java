package berth.guest;

import berth.tenant.DriverException;
import berth.tenant.Endpoint;
import berth.tenant.TenantGuest;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The guest API of docs/tenant-contract.md over HTTP: {@code GET /.berth/health} and
 * {@code POST /.berth/init}, each with {@code Authorization: Bearer <credential>}. Works for any driver
 * that publishes an endpoint the node can reach. Errors never quote the payload, the credential or the
 * guest's response body: they may carry secrets.
 */
public final class HttpTenantGuest implements TenantGuest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DERIVATION_LABEL = "berth-guest-v1:";

  private final HttpClient http;
  private final Duration healthTimeout;
  private final Duration initTimeout;
  private final SecretKeySpec secret;
  private final Function<String, Map<String, String>> ssoKeyFor;

  /**
   * @param ssoKeyFor the {@code sso} object of each tenant's init payload: the key that verifies its
   *     SSO handoff tokens
   */
  public HttpTenantGuest(GuestSettings settings, Function<String, Map<String, String>> ssoKeyFor) {
    this.http = HttpClient.newBuilder().connectTimeout(settings.connectTimeout())
        .version(HttpClient.Version.HTTP_1_1).build();
    this.healthTimeout = settings.healthTimeout();
    this.initTimeout = settings.initTimeout();
    this.secret = new SecretKeySpec(settings.secret().value().getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    this.ssoKeyFor = ssoKeyFor;
  }

  /** HMAC-SHA256 of the slug and incarnation under the node's guest secret, base64url: 43 characters. */
  @Override
  public String credentialFor(String tenantId, int incarnation) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(secret);
      byte[] tag = mac.doFinal((DERIVATION_LABEL + tenantId + ":" + incarnation).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(tag);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }

  @Override
  public CompletionStage<Void> checkHealth(Endpoint endpoint, String credential) {
    HttpRequest request = HttpRequest.newBuilder(uri(endpoint, "/.berth/health")).timeout(healthTimeout)
        .header("Authorization", "Bearer " + credential).GET().build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).handle((response, error) -> {
      if (error != null) {
        throw DriverException.notReady("health check of " + endpoint.authority() + " failed: " + why(error), null);
      }
      if (response.statusCode() / 100 != 2) {
        throw DriverException.notReady("health check of " + endpoint.authority() + " answered " + response.statusCode(), null);
      }
      return null;
    });
  }

  @Override
  public CompletionStage<Void> deliverInit(Endpoint endpoint, InitPayload payload, String credential) {
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(Map.of(
          "tenantId", payload.tenantId(),
          "displayName", payload.displayName(),
          "incarnation", payload.incarnation(),
          "sso", ssoKeyFor.apply(payload.tenantId()),
          "secrets", payload.secrets()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("init payload not serializable", e);
    }
    HttpRequest request = HttpRequest.newBuilder(uri(endpoint, "/.berth/init"))
        .timeout(initTimeout)
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + credential)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).handle((response, error) -> {
      if (error != null) {
        throw DriverException.retryable("init delivery to " + endpoint.authority() + " failed: " + why(error), null);
      }
      int status = response.statusCode();
      if (status / 100 == 2) {
        return null;
      }
      String message = "init delivery to " + endpoint.authority() + " answered " + status;
      // 4xx: the tenant refuses this payload and will keep refusing it; 5xx may clear.
      throw status / 100 == 4 ? DriverException.permanent(message, null) : DriverException.retryable(message, null);
    });
  }

  /** The kind of failure under the future's wrapper (ConnectException, HttpTimeoutException), never a body. */
  private static String why(Throwable error) {
    Throwable cause = error;
    while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause.getClass().getSimpleName();
  }

  private static URI uri(Endpoint endpoint, String path) {
    return URI.create("http://" + endpoint.authority() + path);
  }
}
