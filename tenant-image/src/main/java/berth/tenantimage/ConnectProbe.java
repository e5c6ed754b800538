package berth.tenantimage;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A test helper, run as the entry point of an image built FROM the reference image: tries to open a
 * TCP connection to each {@code host:port} argument and prints {@code host:port open} or
 * {@code host:port closed (reason)}, one line each. Berth's isolation tests run it inside a tenant's
 * network namespace to show what that tenant can reach. Not used unless an image's entry point names it.
 */
public final class ConnectProbe {
  private static final int TIMEOUT_MS = 2000;

  private ConnectProbe() {}

  public static void main(String[] args) {
    for (String target : args) {
      int colon = target.lastIndexOf(':');
      String host = target.substring(0, colon);
      int port = Integer.parseInt(target.substring(colon + 1));
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
        System.out.println(target + " open");
      } catch (IOException e) {
        System.out.println(target + " closed (" + e.getClass().getSimpleName() + ")");
      }
    }
  }
}
