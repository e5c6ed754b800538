package berth.tenant.testing;

import berth.tenant.DriverException;
import berth.tenant.Endpoint;
import berth.tenant.TenantGuest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A tenant guest API that answers from memory; it can stay unhealthy for a number of probes. */
public final class FakeTenantGuest implements TenantGuest {
  private final AtomicInteger unhealthyProbes = new AtomicInteger();
  private final AtomicInteger probes = new AtomicInteger();
  private final List<InitPayload> delivered = new CopyOnWriteArrayList<>();
  private volatile boolean neverHealthy;

  public FakeTenantGuest unhealthyFor(int n) {
    unhealthyProbes.set(n);
    return this;
  }

  public FakeTenantGuest neverHealthy() {
    neverHealthy = true;
    return this;
  }

  public int probes() {
    return probes.get();
  }

  public List<InitPayload> delivered() {
    return List.copyOf(delivered);
  }

  /** A stand-in derivation: distinct per tenant and incarnation, like the real one. */
  @Override
  public String credentialFor(String tenantId, int incarnation) {
    return "fake-credential-" + tenantId + "-" + incarnation;
  }

  @Override
  public CompletionStage<Void> checkHealth(Endpoint endpoint, String credential) {
    probes.incrementAndGet();
    if (neverHealthy || unhealthyProbes.getAndDecrement() > 0) {
      return CompletableFuture.failedFuture(DriverException.notReady("connection refused: " + endpoint.authority(), null));
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletionStage<Void> deliverInit(Endpoint endpoint, InitPayload payload, String credential) {
    if (!credential.equals(credentialFor(payload.tenantId(), payload.incarnation()))) {
      return CompletableFuture.failedFuture(DriverException.permanent("init refused: wrong credential", null));
    }
    delivered.add(payload);
    return CompletableFuture.completedFuture(null);
  }
}
