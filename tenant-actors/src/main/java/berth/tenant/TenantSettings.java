package berth.tenant;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code berth.tenant} configuration namespace (defaults in this module's reference.conf). */
public record TenantSettings(
    String image,
    java.util.SortedMap<String, String> images,
    int containerPort,
    long memoryBytes,
    long nanoCpus,
    long pidsLimit,
    Map<String, String> extraLabels,
    String namePrefix,
    int snapshotEvery,
    int snapshotsKept,
    Duration minBackoff,
    Duration maxBackoff,
    double randomFactor,
    int maxAttempts,
    Duration healthInterval,
    Map<Step, Duration> stepDeadlines,
    int maxLosses,
    Duration lossWindow,
    String network,
    boolean readOnlyRootfs,
    long tmpBytes,
    String defaultUser,
    Duration retention,
    int keptLogBytes) {

  public static TenantSettings fromConfig(Config root) {
    Config c = root.getConfig("berth.tenant");
    Map<String, String> labels = new LinkedHashMap<>();
    c.getConfig("labels").entrySet().forEach(e -> labels.put(e.getKey(), String.valueOf(e.getValue().unwrapped())));
    Map<Step, Duration> deadlines = new EnumMap<>(Step.class);
    for (Step s : Step.values()) {
      deadlines.put(s, c.getDuration("step-deadline." + s.name().toLowerCase()));
    }
    double cpus = c.getDouble("cpus");
    return new TenantSettings(
        c.getString("image"),
        imagesOf(root),
        c.getInt("container-port"),
        c.getBytes("memory"),
        Math.round(cpus * 1_000_000_000L),
        c.getLong("pids-limit"),
        labels,
        c.getString("name-prefix"),
        c.getInt("snapshot-every"),
        c.getInt("snapshots-kept"),
        c.getDuration("retry.min-backoff"),
        c.getDuration("retry.max-backoff"),
        c.getDouble("retry.random-factor"),
        c.getInt("retry.max-attempts"),
        c.getDuration("health-interval"),
        deadlines,
        c.getInt("recovery.max-losses"),
        c.getDuration("recovery.window"),
        c.getString("network"),
        c.getBoolean("read-only-rootfs"),
        c.getBytes("tmp-size"),
        c.getString("default-user"),
        c.getDuration("retention"),
        Math.toIntExact(c.getBytes("kept-log-size")));
  }

  /** {@code berth.tenant.images}: name → image reference, sorted by name, unmodifiable. */
  public static java.util.SortedMap<String, String> imagesOf(Config root) {
    java.util.SortedMap<String, String> byName = new java.util.TreeMap<>();
    root.getConfig("berth.tenant.images").root()
        .forEach((name, ref) -> byName.put(name, String.valueOf(ref.unwrapped())));
    return java.util.Collections.unmodifiableSortedMap(byName);
  }

  /** The spec of a new incarnation running the default image; journaled in {@link TenantEvent.ProvisioningRequested}. */
  public TenantSpec specFor(String slug, int incarnation) {
    return specFor(slug, incarnation, null);
  }

  /**
   * The spec of a new incarnation running the image an operator chose by name ({@code null}: the default
   * image), which must be one of {@link #imageNames()}; the name is kept as the label {@link Labels#IMAGE}.
   */
  public TenantSpec specFor(String slug, int incarnation, String imageName) {
    Map<String, String> labels = new LinkedHashMap<>(extraLabels);
    labels.put(Labels.TENANT, slug);
    labels.put(Labels.INCARNATION, Integer.toString(incarnation));
    String reference = image;
    if (imageName != null) {
      reference = images.get(imageName);
      if (reference == null) throw new IllegalArgumentException(unknownImage(imageName));
      labels.put(Labels.IMAGE, imageName);
    }
    return new TenantSpec(reference, containerPort, memoryBytes, nanoCpus, pidsLimit, labels,
        new ArrayList<>(TenantEnv.NAMES), network, readOnlyRootfs, tmpBytes, defaultUser);
  }

  /** The names operators may choose an image by, sorted. */
  public java.util.List<String> imageNames() {
    return java.util.List.copyOf(images.keySet());
  }

  /** Why {@code name} cannot be chosen, naming those that can. */
  public String unknownImage(String name) {
    return "no image named '" + name + "'; choose one of " + imageNames() + " (berth.tenant.images)";
  }

  public String containerName(String slug) {
    return namePrefix + slug;
  }

  public String volumeName(String slug) {
    return namePrefix + slug + "-data";
  }

  /** Exponential backoff with jitter for the given (1-based) attempt. */
  public Duration backoff(int attempt, double random) {
    double factor = Math.pow(2, Math.max(0, attempt - 1));
    double millis = Math.min(maxBackoff.toMillis(), minBackoff.toMillis() * factor);
    return Duration.ofMillis(Math.round(millis * (1 + randomFactor * random)));
  }
}
