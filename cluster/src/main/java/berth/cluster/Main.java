package berth.cluster;

import berth.docker.DockerEngine;
import com.typesafe.config.Config;

/** Starts one Berth node with the configuration found on the classpath and in the environment. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    Config config = NodeConfig.load();
    if (args.length > 0 && args[0].equals("rotate-secrets")) {
      rotateSecrets(config);
      return;
    }
    if (args.length > 0 && args[0].equals("rebuild-audit")) {
      rebuildAudit(config);
      return;
    }
    BerthNode node;
    try {
      node = BerthNode.start(config, BerthNode.Hooks.NONE);
    } catch (DockerEngine.EngineUnreachableException e) {
      System.err.println("berth: " + e.getMessage());
      System.exit(2);
      return;
    } catch (RuntimeException e) {
      System.err.println("berth: " + rootMessage(e));
      System.exit(1);
      return;
    }
    String ui = node.adminUrl();
    String api = ui + "api";
    StringBuilder out = new StringBuilder()
        .append("\nBerth node is up.\n")
        .append("  Admin UI:    ").append(ui).append('\n')
        .append("  Admin API:   ").append(api).append('\n')
        .append("  Tenants:     ").append(node.tenantUrl("{slug}")).append("/\n")
        .append("  Health:      ").append(node.managementUri()).append("/ready, /alive\n");
    var cluster = org.apache.pekko.cluster.typed.Cluster.get(node.system());
    if (cluster.selfMember().status() != org.apache.pekko.cluster.MemberStatus.up()) {
      // joining seeds that do not answer (or refuse this node's certificate) looks like this for good
      out.append("  Cluster:     not a member yet, joining ").append(node.config().getStringList("pekko.cluster.seed-nodes"))
          .append(" (/ready answers 200 once it is)\n");
    }
    switch (node.token().source()) {
      case CONFIGURED -> out.append("  Admin token: as configured (BERTH_ADMIN_TOKEN)\n");
      // printed once, when it is made; afterwards it is only in its file (mode 0600)
      case GENERATED -> out.append("  Admin token: ").append(node.token().value())
          .append("   (new; kept in ").append(node.token().file()).append(", shown only this once)\n");
      case FROM_FILE -> out.append("  Admin token: in ").append(node.token().file()).append('\n');
    }
    out.append("  Try:         curl -H 'Authorization: Bearer <token>' ").append(api).append("/tenants\n");
    System.out.println(out);
  }

  /**
   * Re-seals every tenant secret under berth.secrets.active-key (docs/operations.md "Tenant secrets").
   * With the embedded database, run it while the node is stopped.
   */
  private static void rotateSecrets(Config config) {
    try (berth.persistence.Database db = berth.persistence.Database.open(
        berth.persistence.DatabaseSettings.fromConfig(config))) {
      berth.persistence.SecretCipher cipher = berth.persistence.SecretCipher.fromConfig(config);
      int n = new berth.persistence.JdbcSecretStore(db.dataSource(), Runnable::run, cipher).rotate();
      System.out.println("berth: " + n + " tenant secret(s) re-sealed under " + cipher);
    } catch (RuntimeException e) {
      System.err.println("berth: rotation failed: " + rootMessage(e));
      System.exit(1);
    }
  }

  /**
   * Empties the audit trail and rewinds its projection: the next node to start rebuilds it from the
   * journal, with the same entries and chain (docs/operations.md "Audit trail"). Run with every node stopped.
   */
  private static void rebuildAudit(Config config) {
    try (berth.persistence.Database db = berth.persistence.Database.open(
        berth.persistence.DatabaseSettings.fromConfig(config))) {
      int n = berth.persistence.JdbcAuditLog.dropForRebuild(db.dataSource());
      System.out.println("berth: " + n + " audit entries dropped; the next node to start rebuilds them from the journal");
    } catch (RuntimeException e) {
      System.err.println("berth: rebuild failed: " + rootMessage(e));
      System.exit(1);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) t = t.getCause();
    return e.getMessage() + (t != e ? " (" + t + ")" : "");
  }
}
