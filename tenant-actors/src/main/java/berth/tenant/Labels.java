package berth.tenant;

/** Container labels by which Berth recognises what it manages. */
public final class Labels {
  /** Present (value "true") on every container Berth creates. */
  public static final String MANAGED = "berth.managed";
  /** Which Berth installation owns the container; lets several share one Docker host. */
  public static final String FLEET = "berth.fleet";
  public static final String TENANT = "berth.tenant";
  public static final String INCARNATION = "berth.incarnation";
  /** The name (in {@code berth.tenant.images}) of the image an operator chose; absent for the default image. */
  public static final String IMAGE = "berth.image";

  private Labels() {}
}
