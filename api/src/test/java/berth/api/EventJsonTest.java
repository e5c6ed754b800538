package berth.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import berth.tenant.ContainerLoss;
import berth.tenant.Endpoint;
import berth.tenant.EventJson;
import berth.tenant.Phase;
import berth.tenant.Provenance;
import berth.tenant.Step;
import berth.tenant.TenantEvent;
import berth.tenant.TenantEvent.ContainerCreated;
import berth.tenant.TenantEvent.ContainerLost;
import berth.tenant.TenantEvent.ContainerRecovered;
import berth.tenant.TenantEvent.ContainerStarted;
import berth.tenant.TenantEvent.ProvisioningRequested;
import berth.tenant.TenantEvent.PurgeRequested;
import berth.tenant.TenantEvent.RetryRequested;
import berth.tenant.TenantEvent.StepFailed;
import berth.tenant.TenantEvent.TeardownRequested;
import berth.tenant.TenantEvent.TenantInitialized;
import berth.tenant.TenantEvent.TenantRetired;
import berth.tenant.TenantEvent.VolumePurged;
import berth.tenant.TenantSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The documented JSON of every event type (docs/api.md), written out: a change here is an API change. */
class EventJsonTest {
  static final Provenance BY = new Provenance("alice", "onboarding", Instant.parse("2026-01-02T03:04:05Z"), "c-1");
  static final Endpoint EP = new Endpoint("127.0.0.1", 32768);

  static String json(TenantEvent e) throws Exception {
    return Json.MAPPER.writeValueAsString(EventJson.entry(7, e).data());
  }

  @Test
  void everyEventTypeHasItsDocumentedShape() throws Exception {
    TenantSpec spec = new TenantSpec("img:1", 8080, 268435456L, 500000000L, 512L, Map.of("berth.tenant", "acme"),
        List.of("BERTH_TENANT_ID"), "berth-tenants", true, 67108864L, "65534:65534");
    assertEquals("""
        {"slug":"acme","displayName":"Acme","incarnation":1,"spec":{"image":"img:1","containerPort":8080,\
        "memoryBytes":268435456,"nanoCpus":500000000,"pidsLimit":512,"labels":{"berth.tenant":"acme"},\
        "envNames":["BERTH_TENANT_ID"],"network":"berth-tenants","readOnlyRootfs":true,"tmpBytes":67108864,\
        "user":"65534:65534"},"containerName":"berth-acme","volumeName":"berth-acme-data","restored":false}""",
        json(new ProvisioningRequested("acme", "Acme", 1, spec, "berth-acme", "berth-acme-data", BY)));
    assertEquals("{\"containerId\":\"c1\",\"adopted\":true}", json(new ContainerCreated("c1", true, BY)));
    assertEquals("{\"containerId\":\"c1\",\"endpoint\":{\"host\":\"127.0.0.1\",\"port\":32768}}",
        json(new ContainerStarted("c1", EP, BY)));
    assertEquals("{\"endpoint\":{\"host\":\"127.0.0.1\",\"port\":32768},\"secretsVersion\":3}",
        json(new TenantInitialized(EP, BY, 3)));
    assertEquals("{\"containerId\":\"c1\",\"observed\":\"exited\"}", json(new ContainerLost("c1", ContainerLoss.EXITED, BY)));
    assertEquals("{\"containerId\":\"c1\",\"observed\":\"replaced\"}",
        json(new ContainerLost("c1", ContainerLoss.REPLACED, BY)));
    assertEquals("{\"containerId\":\"c1\",\"endpoint\":{\"host\":\"127.0.0.1\",\"port\":32768},\"secretsVersion\":0}",
        json(new ContainerRecovered("c1", EP, BY)));
    assertEquals("{\"names\":[\"API_KEY\"],\"version\":4}", json(new TenantEvent.SecretsChanged(List.of("API_KEY"), 4, BY)));
    assertEquals("{\"version\":4}", json(new TenantEvent.SecretsDelivered(4, BY)));
    assertEquals("{\"phase\":\"INITIALIZING\",\"step\":\"INITIALIZE\",\"reason\":\"timeout\",\"attempts\":3}",
        json(new StepFailed(Phase.INITIALIZING, Step.INITIALIZE, "timeout", 3, BY)));
    assertEquals("{\"resumedPhase\":\"PROVISIONING\"}", json(new RetryRequested(Phase.PROVISIONING, BY)));
    assertEquals("{}", json(new TeardownRequested(BY)));
    assertEquals("{\"containerName\":\"berth-acme\",\"volumeName\":\"berth-acme-data\",\"dataRetainedUntil\":null}",
        json(new TenantRetired("berth-acme", "berth-acme-data", BY)));
    assertEquals("{\"containerName\":\"berth-acme\",\"volumeName\":\"berth-acme-data\","
        + "\"dataRetainedUntil\":\"2026-01-03T03:04:05Z\"}",
        json(new TenantRetired("berth-acme", "berth-acme-data", Instant.parse("2026-01-03T03:04:05Z"), BY)));
    assertEquals("{}", json(new PurgeRequested(BY)));
    assertEquals("{\"volumeName\":\"berth-acme-data\"}", json(new VolumePurged("berth-acme-data", BY)));
    assertEquals("{\"tokenId\":\"t-1\",\"expiresAt\":\"2026-01-02T03:05:05Z\"}",
        json(new TenantEvent.SsoHandoffIssued("t-1", Instant.parse("2026-01-02T03:05:05Z"), BY)));
    assertEquals(15, TenantEvent.class.getPermittedSubclasses().length, "a new event type needs a line above");
  }

  @Test
  void anEntryCarriesItsPlaceAndProvenance() throws Exception {
    assertEquals("""
        {"sequenceNr":7,"type":"TeardownRequested","at":"2026-01-02T03:04:05Z","principal":"alice",\
        "reason":"onboarding","correlationId":"c-1","data":{}}""",
        Json.MAPPER.writeValueAsString(EventJson.entry(7, new TeardownRequested(BY))));
  }
}
