package berth.tenant;

/**
 * Everything a tenant entity reaches the world through: the container driver, the tenant's guest
 * API, the route table it publishes to, the archive of its containers' output, and its secrets.
 */
public record TenantPorts(TenantDriver driver, TenantGuest guest, RouteTable routes, LogArchive logs,
    SecretStore secrets) {

  /** A driver and a guest API, publishing no routes, keeping no logs, holding no secrets (tests above the ports). */
  public static TenantPorts of(TenantDriver driver, TenantGuest guest) {
    return new TenantPorts(driver, guest, RouteTable.NONE, LogArchive.NONE, SecretStore.NONE);
  }

  public TenantPorts withLogs(LogArchive archive) {
    return new TenantPorts(driver, guest, routes, archive, secrets);
  }

  public TenantPorts withSecrets(SecretStore store) {
    return new TenantPorts(driver, guest, routes, logs, store);
  }
}
