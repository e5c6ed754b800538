package berth.cluster;

import berth.tenant.TlsStores;
import com.typesafe.config.Config;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks remoting's transport before the actor system starts. With {@code tls-tcp} (Pekko's
 * {@code ConfigSSLEngineProvider}): the key store and trust store open with the configured password,
 * the node's certificate is valid today, and mutual authentication is on, so a node that could not
 * join (or would admit anyone) stops with a message naming the setting. With plain {@code tcp} on an
 * address other nodes can reach, it warns: anyone who can connect to that port can join the cluster.
 */
final class RemotingTls {
  private static final Logger log = LoggerFactory.getLogger(RemotingTls.class);
  private static final String ENGINE = "pekko.remote.artery.ssl.config-ssl-engine";
  private static final String CONFIG_PROVIDER = "org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider";

  private RemotingTls() {}

  static void check(Config config, Clock clock) {
    String transport = config.getString("pekko.remote.artery.transport");
    String host = config.getString("pekko.remote.artery.canonical.hostname");
    if (!transport.equals("tls-tcp")) {
      if (!TlsStores.loopback(host)) {
        log.warn("Remoting is plain TCP on {} (BERTH_REMOTE_TRANSPORT={}): anyone who can reach that port can join "
            + "the cluster. Set BERTH_REMOTE_TRANSPORT=tls-tcp with certificates (docs/operations.md \"TLS\").",
            host, transport);
      }
      return;
    }
    if (!config.getString("pekko.remote.artery.ssl.ssl-engine-provider").equals(CONFIG_PROVIDER)) {
      return; // an operator's own provider checks its own material
    }
    Config engine = config.getConfig(ENGINE);
    if (!engine.getBoolean("require-mutual-authentication")) {
      throw new IllegalArgumentException(ENGINE + ".require-mutual-authentication is off: without it a node "
          + "accepts connections from clients it cannot identify, who may then send it messages. Berth requires it on.");
    }
    TlsStores.keyStore(engine.getString("key-store"), engine.getString("key-store-password"),
        engine.getString("key-password"),
        ENGINE + ".key-store (BERTH_REMOTE_KEYSTORE, password BERTH_REMOTE_TLS_PASSWORD)", clock);
    TlsStores.trustStore(engine.getString("trust-store"), engine.getString("trust-store-password"),
        ENGINE + ".trust-store (BERTH_REMOTE_TRUSTSTORE, password BERTH_REMOTE_TLS_PASSWORD)");
  }

}
