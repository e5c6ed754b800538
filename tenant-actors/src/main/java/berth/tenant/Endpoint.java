package berth.tenant;

/** Where a tenant's container answers its guest API and tenant traffic (host and port on the node). */
public record Endpoint(String host, int port) implements CborSerializable {
  public String authority() {
    return host + ":" + port;
  }
}
