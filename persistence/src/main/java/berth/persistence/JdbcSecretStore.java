package berth.persistence;

import berth.persistence.SecretCipher.Sealed;
import berth.tenant.SecretStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import javax.sql.DataSource;

/**
 * The {@link SecretStore} in PostgreSQL: each value sealed by {@link SecretCipher} ({@code tenant_secrets}),
 * one version counter per tenant ({@code tenant_secret_versions}), each change one transaction.
 * Blocking JDBC runs on the given executor.
 */
public final class JdbcSecretStore implements SecretStore {
  private final DataSource dataSource;
  private final Executor executor;
  private final SecretCipher cipher;

  public JdbcSecretStore(DataSource dataSource, Executor executor, SecretCipher cipher) {
    this.dataSource = dataSource;
    this.executor = executor;
    this.cipher = cipher;
  }

  /**
   * Refuses to go on when a stored secret is sealed with a key the configuration does not provide:
   * better a node that does not start, with the key's id, than tenants that cannot be initialized.
   */
  public void requireKeysForStoredSecrets() {
    Set<String> used = new TreeSet<>();
    transaction(c -> {
      try (ResultSet rs = c.createStatement().executeQuery("SELECT DISTINCT key_id FROM tenant_secrets")) {
        while (rs.next()) used.add(rs.getString(1));
      }
      return null;
    });
    used.removeAll(cipher.keyIds());
    if (!used.isEmpty()) {
      throw new IllegalStateException("stored tenant secrets are sealed with key(s) " + used
          + " that berth.secrets.keys does not provide (it has " + cipher.keyIds() + "); add them back");
    }
  }

  /** Re-seals every secret not sealed with the active key under it; how many were re-sealed. */
  public int rotate() {
    return transaction(c -> {
      List<Object[]> stale = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT slug, name, key_id, nonce, ciphertext FROM tenant_secrets WHERE key_id <> ? FOR UPDATE")) {
        ps.setString(1, cipher.activeKey());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            stale.add(new Object[] {rs.getString(1), rs.getString(2),
                new Sealed(rs.getString(3), rs.getBytes(4), rs.getBytes(5))});
          }
        }
      }
      for (Object[] row : stale) {
        String slug = (String) row[0];
        String name = (String) row[1];
        Sealed again = cipher.seal(slug, name, cipher.open(slug, name, (Sealed) row[2]));
        try (PreparedStatement ps = c.prepareStatement(
            "UPDATE tenant_secrets SET key_id = ?, nonce = ?, ciphertext = ? WHERE slug = ? AND name = ?")) {
          ps.setString(1, again.keyId());
          ps.setBytes(2, again.nonce());
          ps.setBytes(3, again.ciphertext());
          ps.setString(4, slug);
          ps.setString(5, name);
          ps.executeUpdate();
        }
      }
      return stale.size();
    });
  }

  @Override
  public CompletionStage<Long> replaceAll(String slug, Map<String, String> values, String by, Instant at) {
    return async(c -> {
      long version = nextVersion(c, slug);
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM tenant_secrets WHERE slug = ?")) {
        ps.setString(1, slug);
        ps.executeUpdate();
      }
      for (var e : values.entrySet()) {
        upsert(c, slug, e.getKey(), e.getValue(), version, by, at);
      }
      return version;
    });
  }

  @Override
  public CompletionStage<Long> put(String slug, String name, String value, String by, Instant at) {
    return async(c -> {
      long version = nextVersion(c, slug);
      upsert(c, slug, name, value, version, by, at);
      return version;
    });
  }

  @Override
  public CompletionStage<Long> delete(String slug, String name, String by, Instant at) {
    return async(c -> {
      long version = nextVersion(c, slug);
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM tenant_secrets WHERE slug = ? AND name = ?")) {
        ps.setString(1, slug);
        ps.setString(2, name);
        ps.executeUpdate();
      }
      return version;
    });
  }

  @Override
  public CompletionStage<List<SecretInfo>> list(String slug) {
    return async(c -> {
      List<SecretInfo> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT name, version, updated_at, updated_by FROM tenant_secrets WHERE slug = ? ORDER BY name")) {
        ps.setString(1, slug);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add(new SecretInfo(rs.getString(1), rs.getLong(2), rs.getTimestamp(3).toInstant(), rs.getString(4)));
          }
        }
      }
      return out;
    });
  }

  @Override
  public CompletionStage<Delivery> forDelivery(String slug) {
    return async(c -> {
      // the version first, share-locked: a change committing meanwhile waits, so values and version match
      long version = 0;
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT version FROM tenant_secret_versions WHERE slug = ? FOR SHARE")) {
        ps.setString(1, slug);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) version = rs.getLong(1);
        }
      }
      Map<String, String> values = new LinkedHashMap<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT name, key_id, nonce, ciphertext FROM tenant_secrets WHERE slug = ? ORDER BY name")) {
        ps.setString(1, slug);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String name = rs.getString(1);
            values.put(name, cipher.open(slug, name, new Sealed(rs.getString(2), rs.getBytes(3), rs.getBytes(4))));
          }
        }
      }
      return new Delivery(version, values);
    });
  }

  @Override
  public CompletionStage<Void> purge(String slug) {
    return async(c -> {
      for (String table : List.of("tenant_secrets", "tenant_secret_versions")) {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE slug = ?")) {
          ps.setString(1, slug);
          ps.executeUpdate();
        }
      }
      return null;
    });
  }

  private static long nextVersion(Connection c, String slug) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("""
        INSERT INTO tenant_secret_versions (slug, version) VALUES (?, 1)
        ON CONFLICT (slug) DO UPDATE SET version = tenant_secret_versions.version + 1
        RETURNING version""")) {
      ps.setString(1, slug);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private void upsert(Connection c, String slug, String name, String value, long version, String by, Instant at)
      throws SQLException {
    Sealed sealed = cipher.seal(slug, name, value);
    try (PreparedStatement ps = c.prepareStatement("""
        INSERT INTO tenant_secrets (slug, name, key_id, nonce, ciphertext, version, updated_at, updated_by)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (slug, name) DO UPDATE SET key_id = EXCLUDED.key_id, nonce = EXCLUDED.nonce,
          ciphertext = EXCLUDED.ciphertext, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at,
          updated_by = EXCLUDED.updated_by""")) {
      ps.setString(1, slug);
      ps.setString(2, name);
      ps.setString(3, sealed.keyId());
      ps.setBytes(4, sealed.nonce());
      ps.setBytes(5, sealed.ciphertext());
      ps.setLong(6, version);
      ps.setTimestamp(7, Timestamp.from(at));
      ps.setString(8, by);
      ps.executeUpdate();
    }
  }

  private <T> CompletionStage<T> async(Transactions.Work<T> work) {
    return Transactions.async(dataSource, executor, work);
  }

  private <T> T transaction(Transactions.Work<T> work) {
    return Transactions.run(dataSource, work);
  }
}
