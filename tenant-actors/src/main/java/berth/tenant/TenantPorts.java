package berth.tenant;

/**
 * Everything a tenant entity reaches the world through: the container driver, the tenant's guest
 * API, the route table it publishes to, and the archive of its containers' output.
 */
public record TenantPorts(TenantDriver driver, TenantGuest guest, RouteTable routes, LogArchive logs) {

  /** A driver and a guest API, publishing no routes and keeping no logs (tests of the logic above the ports). */
  public static TenantPorts of(TenantDriver driver, TenantGuest guest) {
    return new TenantPorts(driver, guest, RouteTable.NONE, LogArchive.NONE);
  }

  public TenantPorts withLogs(LogArchive archive) {
    return new TenantPorts(driver, guest, routes, archive);
  }
}
