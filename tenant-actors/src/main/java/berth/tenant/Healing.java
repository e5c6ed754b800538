package berth.tenant;

import berth.tenant.StepRunner.Observed;
import berth.tenant.TenantEvent.ContainerLost;
import berth.tenant.TenantEvent.ContainerRecovered;
import berth.tenant.TenantEvent.StepFailed;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;

/**
 * The tenant entity's healing decisions, for a READY tenant whose container is not as the journal
 * says: which loss it is, whether it is one incident or a crash loop, and which events record it. It
 * decides only; the entity persists what it returns, and the usual steps (START, or CREATE on the same
 * volume, then INITIALIZE) repair the loss.
 */
final class Healing {
  private final String slug;
  private final TenantSettings settings;
  private final Clock clock;
  private final Logger log;
  private final FleetMetrics metrics;

  Healing(String slug, TenantSettings settings, Clock clock, Logger log, FleetMetrics metrics) {
    this.slug = slug;
    this.settings = settings;
    this.clock = clock;
    this.log = log;
    this.metrics = metrics;
  }

  /**
   * A READY tenant's container must exist, be the one the journal names, and be running. Anything
   * else is a loss; a running container of the right id is nothing (no events).
   */
  List<TenantEvent> observed(TenantState s, Observed seen) {
    ContainerInfo c = seen.container();
    if (c == null) {
      return lost(s, ContainerLoss.REMOVED, seen.hint());
    } else if (!c.id().equals(s.containerId())) {
      return lost(s, ContainerLoss.REPLACED, seen.hint());
    } else if (!c.running()) {
      return lost(s, ContainerLoss.EXITED, seen.hint());
    }
    return List.of();
  }

  /** The loss, and when it is one too many within the window, the tenant's failure (crash loop). */
  List<TenantEvent> lost(TenantState s, ContainerLoss loss, String hint) {
    Instant now = clock.instant();
    // a loss found while already recovering from one (docker rm -f: "die", then gone) is the same incident
    String correlationId = s.recovering() ? s.operationCorrelationId() : "heal-" + UUID.randomUUID();
    ContainerLost lost = new ContainerLost(s.containerId(), loss,
        Provenance.system("container " + loss.label() + " (" + hint + ")", now, correlationId));
    long recent = s.recovery().lossesSince(now.minus(settings.lossWindow())) + (s.recovering() ? 0 : 1);
    if (recent > settings.maxLosses()) {
      String why = "crash loop: container lost " + recent + " times within " + settings.lossWindow();
      log.warn("Tenant {} {}; marking it FAILED", slug, why);
      metrics.increment(FleetMetrics.HEALING, "action", "crash_loop");
      return List.of(lost, new StepFailed(Phase.PROVISIONING, Step.START, why, 0, Provenance.system(why, now, correlationId)));
    }
    log.warn("Tenant {} lost its container ({}, {}); recovering", slug, loss.label(), hint);
    metrics.increment(FleetMetrics.HEALING, "action", "container_lost");
    return List.of(lost);
  }

  /** The lost container is back: running, healthy and initialized again. */
  ContainerRecovered recovered(TenantState s, Provenance by, long secretsVersion) {
    metrics.increment(FleetMetrics.HEALING, "action", "container_recovered");
    log.info("Tenant {} recovered its container", slug);
    return new ContainerRecovered(s.containerId(), s.endpoint(), by, secretsVersion);
  }
}
