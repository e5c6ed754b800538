package berth.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * k8s/ parsed as plain YAML (no kustomize needed): every file is listed by the kustomization, and the
 * names, labels, selectors, ports and probes that must agree do agree — with each other and with the
 * node's own configuration (discovery label selector, management port, health paths).
 */
class KubernetesManifestsTest {
  static final Path K8S = Path.of("..", "k8s");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  final Map<String, JsonNode> byKind = new HashMap<>();
  final List<JsonNode> all = new ArrayList<>();

  KubernetesManifestsTest() throws Exception {
    try (Stream<Path> files = Files.list(K8S)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        JsonNode doc = YAML.readTree(f.toFile());
        all.add(doc);
        if (doc.path("kind").asText().equals("Service")) continue; // two of those: admin and router
        byKind.merge(doc.path("kind").asText(), doc, (a, b) -> {
          throw new AssertionError("one " + doc.path("kind").asText() + " expected, " + f + " adds another");
        });
      }
    }
  }

  JsonNode kind(String kind) {
    JsonNode n = byKind.get(kind);
    assertTrue(n != null, "no " + kind + " in k8s/");
    return n;
  }

  @Test
  void theKustomizationListsEveryManifest() throws Exception {
    Set<String> listed = new HashSet<>();
    kind("Kustomization").path("resources").forEach(r -> listed.add(r.asText()));
    Set<String> present = new HashSet<>();
    try (Stream<Path> files = Files.list(K8S)) {
      files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml")).forEach(present::add);
    }
    assertEquals(present, listed);
  }

  @Test
  void selectorsMatchThePodLabels() {
    JsonNode deployment = kind("Deployment");
    JsonNode podLabels = deployment.at("/spec/template/metadata/labels");
    assertSubset(deployment.at("/spec/selector/matchLabels"), podLabels, "Deployment selector");
    assertSubset(kind("PodDisruptionBudget").at("/spec/selector/matchLabels"), podLabels, "PDB selector");
    for (JsonNode doc : all) {
      if (doc.path("kind").asText().equals("Service")) {
        assertSubset(doc.at("/spec/selector"), podLabels, "Service " + doc.at("/metadata/name").asText());
      }
    }
  }

  @Test
  void discoveryFindsThePodsByTheirLabel() {
    var node = ConfigFactory.load();
    String selector = node.getString("pekko.discovery.kubernetes-api.pod-label-selector");
    String service = kind("ConfigMap").at("/data/BERTH_SERVICE_NAME").asText();
    String[] kv = selector.formatted(service).split("=");
    assertEquals(kv[1], kind("Deployment").at("/spec/template/metadata/labels/" + kv[0]).asText());
    assertEquals("on", kind("ConfigMap").at("/data/BERTH_CLUSTER_BOOTSTRAP").asText());
  }

  @Test
  void thePodMayOnlyReadPods() {
    JsonNode rules = kind("Role").path("rules");
    assertEquals(1, rules.size());
    assertEquals("pods", rules.get(0).path("resources").get(0).asText());
    assertEquals(1, rules.get(0).path("resources").size());
    Set<String> verbs = new HashSet<>();
    rules.get(0).path("verbs").forEach(v -> verbs.add(v.asText()));
    assertEquals(Set.of("get", "list", "watch"), verbs);
    JsonNode binding = kind("RoleBinding");
    assertEquals(kind("Role").at("/metadata/name").asText(), binding.at("/roleRef/name").asText());
    assertEquals(kind("ServiceAccount").at("/metadata/name").asText(), binding.at("/subjects/0/name").asText());
    assertEquals(kind("ServiceAccount").at("/metadata/name").asText(),
        kind("Deployment").at("/spec/template/spec/serviceAccountName").asText());
  }

  @Test
  void probesAndPortsMatchTheNode() {
    var node = ConfigFactory.load();
    JsonNode deployment = kind("Deployment");
    assertEquals(3, deployment.at("/spec/replicas").asInt());
    assertEquals(0, deployment.at("/spec/strategy/rollingUpdate/maxUnavailable").asInt());
    JsonNode container = deployment.at("/spec/template/spec/containers/0");
    Map<String, Integer> ports = new HashMap<>();
    container.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
    assertEquals(node.getInt("pekko.management.http.port"), ports.get("management"));
    assertEquals(node.getInt("pekko.remote.artery.canonical.port"), ports.get("remoting"));
    assertEquals(node.getInt("berth.api.port"), ports.get("admin"));
    assertEquals(node.getInt("berth.router.port"), ports.get("router"));
    assertEquals("/" + node.getString("pekko.management.health-checks.readiness-path"),
        container.at("/readinessProbe/httpGet/path").asText());
    assertEquals("/" + node.getString("pekko.management.health-checks.liveness-path"),
        container.at("/livenessProbe/httpGet/path").asText());
    assertEquals("management", container.at("/readinessProbe/httpGet/port").asText());
    assertEquals("management", container.at("/livenessProbe/httpGet/port").asText());
    Set<String> envFrom = new HashSet<>();
    container.path("envFrom").forEach(e -> envFrom.add(e.has("configMapRef")
        ? e.at("/configMapRef/name").asText() : e.at("/secretRef/name").asText()));
    assertEquals(Set.of(kind("ConfigMap").at("/metadata/name").asText(), kind("Secret").at("/metadata/name").asText()),
        envFrom);
    for (JsonNode doc : all) {
      if (doc.path("kind").asText().equals("Service")) {
        String target = doc.at("/spec/ports/0/targetPort").asText();
        assertTrue(ports.containsKey(target), "Service targets a named container port: " + target);
      }
    }
    for (String secret : List.of("BERTH_DB_PASSWORD", "BERTH_ADMIN_TOKEN", "BERTH_SSO_SECRET", "BERTH_GUEST_SECRET",
        "BERTH_SECRETS_KEYS")) {
      assertTrue(kind("Secret").at("/stringData").has(secret), secret + " comes from the Secret");
      assertTrue(!kind("ConfigMap").at("/data").has(secret), secret + " is not in the ConfigMap");
    }
  }

  @Test
  void aNodeGivenTheShippedPlaceholderSecretsRefusesThemNamingTheSetting() throws Exception {
    Path keep = Files.createTempFile("berth-secret", ".unused");
    for (String secret : List.of("BERTH_ADMIN_TOKEN", "BERTH_SSO_SECRET", "BERTH_GUEST_SECRET")) {
      String shipped = kind("Secret").at("/stringData").get(secret).asText();
      IllegalArgumentException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> berth.tenant.NodeSecret.resolve(shipped, keep, "setting " + secret));
      assertTrue(refused.getMessage().startsWith("setting " + secret + " is a placeholder"), refused.getMessage());
    }
    // and the real thing passes
    String real = java.util.Base64.getEncoder().encodeToString(java.security.SecureRandom.getSeed(32));
    assertEquals(real, berth.tenant.NodeSecret.resolve(real, keep, "x").value());
  }

  /**
   * The NetworkPolicy covers the Berth pods and every port they listen on (a port it leaves out would
   * be closed): remoting only from Berth pods, the admin API only from a labelled namespace, the
   * router from anyone.
   */
  @Test
  void theNetworkPolicyAdmitsRemotingOnlyFromBerthPodsAndTheAdminPortOnlyWhereTheOperatorSays() {
    JsonNode policy = kind("NetworkPolicy");
    JsonNode deployment = kind("Deployment");
    assertSubset(policy.at("/spec/podSelector/matchLabels"), deployment.at("/spec/template/metadata/labels"),
        "the policy's pod selector");
    assertEquals("Ingress", policy.at("/spec/policyTypes/0").asText());
    Map<String, JsonNode> fromByPort = new HashMap<>();
    policy.at("/spec/ingress").forEach(rule -> rule.path("ports").forEach(p -> fromByPort.put(p.path("port").asText(),
        rule.path("from"))));
    Set<String> containerPorts = new HashSet<>();
    deployment.at("/spec/template/spec/containers/0/ports").forEach(p -> containerPorts.add(p.path("name").asText()));
    assertEquals(containerPorts, fromByPort.keySet(), "every port the node listens on has its rule");

    JsonNode remoting = fromByPort.get("remoting");
    assertEquals(1, remoting.size());
    assertSubset(remoting.at("/0/podSelector/matchLabels"), deployment.at("/spec/template/metadata/labels"),
        "remoting's peers");
    assertTrue(remoting.at("/0/namespaceSelector").isMissingNode() && remoting.at("/0/ipBlock").isMissingNode(),
        "remoting from Berth pods only");
    JsonNode admin = fromByPort.get("admin");
    assertEquals(1, admin.size());
    assertEquals("allowed", admin.at("/0/namespaceSelector/matchLabels/berth.dev~1admin").asText(),
        "the admin port from a namespace the operator labels, nothing else");
    assertTrue(admin.at("/0/podSelector").isMissingNode(), "not from tenant-facing pods");
    assertTrue(fromByPort.get("router").isMissingNode() || fromByPort.get("router").isEmpty(), "the router from anyone");
  }

  /**
   * Remoting (tls-tcp) and the admin API (HTTPS) take their key stores from the generated Secret
   * berth-tls, and the Docker client its certificates from berth-docker-tls: every path the ConfigMap
   * names lies in a mount of the Secret that has that file, passwords come from the Secret, the sources
   * are never committed, and stores made as the kustomization says pass the node's start-up check.
   */
  @Test
  void tlsIsOnFromGeneratedSecretsThatANodeAccepts(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Map<String, Map<String, String>> generated = new HashMap<>(); // secret -> key -> source file under k8s/
    kind("Kustomization").path("secretGenerator").forEach(g -> {
      Map<String, String> files = new HashMap<>();
      g.path("files").forEach(f -> files.put(f.asText().split("=")[0], f.asText().split("=")[1]));
      generated.put(g.path("name").asText(), files);
    });
    JsonNode pod = kind("Deployment").at("/spec/template/spec");
    Map<String, String> mounts = new HashMap<>(); // mount path -> secret
    Map<String, String> volumes = new HashMap<>();
    pod.path("volumes").forEach(v -> volumes.put(v.path("name").asText(), v.at("/secret/secretName").asText()));
    pod.at("/containers/0/volumeMounts").forEach(m -> mounts.put(m.path("mountPath").asText(),
        volumes.get(m.path("name").asText())));
    JsonNode env = kind("ConfigMap").at("/data");
    assertEquals("tls-tcp", env.path("BERTH_REMOTE_TRANSPORT").asText());
    assertEquals("1", env.path("DOCKER_TLS_VERIFY").asText());
    Map<String, Path> local = new HashMap<>(); // what each configured path would hold, made here
    for (String setting : List.of("BERTH_REMOTE_KEYSTORE", "BERTH_REMOTE_TRUSTSTORE", "BERTH_API_TLS_KEYSTORE")) {
      Path file = Path.of(env.path(setting).asText());
      String secret = mounts.get(file.getParent().toString());
      assertTrue(secret != null && generated.containsKey(secret), setting + " lies in a mounted generated Secret");
      String source = generated.get(secret).get(file.getFileName().toString());
      assertTrue(source != null, setting + ": the Secret has " + file.getFileName());
      local.put(setting, tmp.resolve(source));
    }
    String certPath = env.path("DOCKER_CERT_PATH").asText();
    assertTrue(generated.get(mounts.get(certPath)).keySet().containsAll(List.of("ca.pem", "cert.pem", "key.pem")));
    Set<String> passwords = new HashSet<>();
    pod.at("/containers/0/env").forEach(e -> {
      if (e.path("name").asText().endsWith("_TLS_PASSWORD")) {
        String secret = e.at("/valueFrom/secretKeyRef/name").asText();
        assertTrue(generated.getOrDefault(secret, Map.of()).containsKey(e.at("/valueFrom/secretKeyRef/key").asText()),
            e.path("name").asText() + " from the Secret");
        passwords.add(e.path("name").asText());
      }
    });
    assertEquals(Set.of("BERTH_REMOTE_TLS_PASSWORD", "BERTH_API_TLS_PASSWORD"), passwords);
    String ignored = Files.readString(K8S.resolve("../.gitignore"));
    generated.values().forEach(files -> files.values().forEach(source ->
        assertTrue(ignored.contains("k8s/" + Path.of(source).getParent() + "/"), source + " is never committed")));

    // made as the kustomization's comment says; the node's start-up check accepts them
    new TlsCertificates(tmp.resolve("tls"), java.time.Clock.systemUTC()).issue("berth=berth-admin,berth-admin.berth.svc");
    // as the kubelet puts it into the environment: the file's bytes, unstripped
    String password = Files.readString(tmp.resolve(generated.get("berth-tls").get("password")));
    RemotingTls.check(ConfigFactory.parseString("""
        pekko.remote.artery.transport = tls-tcp
        pekko.remote.artery.canonical.hostname = "10.0.0.5"
        pekko.remote.artery.ssl.config-ssl-engine {
          key-store = "%s", trust-store = "%s"
          key-store-password = "%3$s", key-password = "%3$s", trust-store-password = "%3$s"
        }
        """.formatted(local.get("BERTH_REMOTE_KEYSTORE"), local.get("BERTH_REMOTE_TRUSTSTORE"), password))
        .withFallback(ConfigFactory.load()), java.time.Clock.systemUTC());
    assertTrue(berth.tenant.TlsStores.httpsServer(ConfigFactory.parseString("key-store = \"%s\", password = \"%s\""
        .formatted(local.get("BERTH_API_TLS_KEYSTORE"), password)), "admin", java.time.Clock.systemUTC()).isPresent());
  }

  static void assertSubset(JsonNode selector, JsonNode labels, String what) {
    assertTrue(selector.isObject() && selector.size() > 0, what + " is empty");
    selector.fields().forEachRemaining(e ->
        assertEquals(e.getValue().asText(), labels.path(e.getKey()).asText(), what + " label " + e.getKey()));
  }
}
