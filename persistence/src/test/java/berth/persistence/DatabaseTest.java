package berth.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.junit.jupiter.api.io.TempDir;

/** The embedded database on a real PostgreSQL: schema by migrations, durability, crash leftovers. */
class DatabaseTest {

  @TempDir Path dir;

  DatabaseSettings settings() {
    return DatabaseSettings.fromConfig(ConfigFactory.parseString("berth.db.embedded.data-dir = \"" + dir.resolve("pg") + "\"")
        .withFallback(ConfigFactory.load()));
  }

  @Test
  void embeddedDatabaseStartsWithEveryTableTheNodeNeeds() throws Exception {
    try (Database db = Database.open(settings()); Connection c = db.dataSource().getConnection()) {
      Set<String> tables = new HashSet<>();
      try (ResultSet rs = c.getMetaData().getTables(null, "public", "%", new String[] {"TABLE"})) {
        while (rs.next()) tables.add(rs.getString("TABLE_NAME"));
      }
      assertTrue(tables.containsAll(Set.of("event_journal", "event_tag", "snapshot", "pekko_projection_offset_store",
          "pekko_projection_management", "tenant_directory", "berth_schema_history")), tables.toString());
      assertTrue(db.pekkoConfig(ConfigFactory.load()).getString("pekko-persistence-jdbc.shared-databases.berth.db.url").startsWith("jdbc:postgresql:"));
    }
  }

  @Test
  void theEmbeddedServerWritesDurablyAndListensOnLoopbackOnly() throws Exception {
    try (Database db = Database.open(settings()); Connection c = db.dataSource().getConnection()) {
      for (String[] expected : new String[][] {{"fsync", "on"}, {"synchronous_commit", "on"},
          {"full_page_writes", "on"}, {"listen_addresses", "localhost"}}) {
        ResultSet rs = c.createStatement().executeQuery("SHOW " + expected[0]);
        assertTrue(rs.next());
        assertEquals(expected[1], rs.getString(1), expected[0]);
      }
      c.rollback();
    }
  }

  @Test
  void dataInTheEmbeddedDatabaseSurvivesARestart() throws Exception {
    try (Database db = Database.open(settings()); Connection c = db.dataSource().getConnection()) {
      c.createStatement().executeUpdate("INSERT INTO tenant_directory (slug, phase, incarnation, created_at, updated_at) "
          + "VALUES ('acme', 'READY', 1, now(), now())");
      c.commit();
    }
    try (Database db = Database.open(settings()); Connection c = db.dataSource().getConnection()) {
      ResultSet rs = c.createStatement().executeQuery("SELECT phase FROM tenant_directory WHERE slug = 'acme'");
      assertTrue(rs.next());
      assertEquals("READY", rs.getString(1));
    }
  }

  @Test
  void aServerLeftRunningByAKilledNodeIsShutDownAndItsDataReopened() throws Exception {
    Path pg = dir.resolve("pg");
    // A node killed with SIGKILL leaves its server running on the data directory.
    Process node = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), LeftoverServerMain.class.getName(), pg.toString())
        .redirectErrorStream(true).start();
    try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(node.getInputStream()))) {
      String line;
      while ((line = out.readLine()) != null && !line.contains("STARTED")) { /* wait for the server */ }
      node.destroyForcibly().waitFor();
    }
    long leftoverPid = EmbeddedPostgresServer.leftoverServer(pg).orElseThrow().pid();
    try (Database db = Database.open(settings()); Connection c = db.dataSource().getConnection()) {
      assertFalse(ProcessHandle.of(leftoverPid).map(ProcessHandle::isAlive).orElse(false), "leftover server stopped");
      ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM event_journal");
      assertTrue(rs.next());
      assertTrue(Files.exists(pg.resolve("PG_VERSION")));
    }
  }

  /**
   * A journal written before the audit trail existed (schema version 7: tenant events tagged
   * "tenant" only, account events untagged) gets its "audit" tags from the V8 migration, so the
   * trail starts at the journal's beginning; other entities' events are left alone.
   */
  @Test
  void theAuditMigrationTagsEveryTenantAndAccountEventOfAnOlderJournal() throws Exception {
    try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(dir.resolve("old"), 0)) {
      PGSimpleDataSource ds = new PGSimpleDataSource();
      ds.setUrl(pg.jdbcUrl());
      ds.setUser("postgres");
      ds.setPassword(pg.password());
      Flyway.configure().dataSource(ds).locations("classpath:db/berth").table("berth_schema_history")
          .target("7").load().migrate();
      try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
        for (String id : List.of("Tenant|acme", "Tenant|acme", "Account|ops@example.com", "Other|x")) {
          st.executeUpdate("INSERT INTO event_journal (persistence_id, sequence_number, writer, event_ser_id, "
              + "event_ser_manifest, event_payload) VALUES ('" + id + "', "
              + "(SELECT count(*) + 1 FROM event_journal WHERE persistence_id = '" + id + "'), 'w', 1, 'm', '\\x00')");
        }
        st.executeUpdate("INSERT INTO event_tag (event_id, tag) SELECT ordering, 'tenant' FROM event_journal "
            + "WHERE persistence_id LIKE 'Tenant|%'");
      }

      Database.migrate(ds);

      try (Connection c = ds.getConnection(); Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT j.persistence_id, string_agg(t.tag, ',' ORDER BY t.tag) FROM event_journal j "
              + "LEFT JOIN event_tag t ON t.event_id = j.ordering GROUP BY j.ordering, j.persistence_id ORDER BY j.ordering")) {
        List<String> tagged = new ArrayList<>();
        while (rs.next()) tagged.add(rs.getString(1) + "=" + rs.getString(2));
        assertEquals(List.of("Tenant|acme=audit,tenant", "Tenant|acme=audit,tenant", "Account|ops@example.com=audit",
            "Other|x=null"), tagged);
      }
    }
  }

  /** The embedded server asks every connection for the password generated beside its data, kept 0600. */
  @Test
  void theEmbeddedServerRefusesAWrongOrMissingPassword() throws Exception {
    try (Database db = Database.open(settings())) {
      Path file = EmbeddedPostgresServer.passwordFile(dir.resolve("pg"));
      assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
      String password = Files.readString(file).strip();
      String url = db.settings().url();
      try (Connection c = java.sql.DriverManager.getConnection(url, "postgres", password)) {
        assertTrue(c.isValid(5));
      }
      for (String wrong : new String[] {"", "wrong-" + password}) {
        java.sql.SQLException refused = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
            () -> java.sql.DriverManager.getConnection(url, "postgres", wrong).close());
        assertTrue(refused.getMessage().contains("password"), refused.getMessage());
      }
    }
    // without its password file the node would be locked out: it refuses to start, and says why
    Path file = EmbeddedPostgresServer.passwordFile(dir.resolve("pg"));
    Path aside = Files.move(file, dir.resolve("aside"));
    IllegalStateException missing = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> Database.open(settings()).close());
    assertTrue(missing.getMessage().contains(file + ", which is missing"), missing.getMessage());
    Files.move(aside, file);
    try (Database again = Database.open(settings())) {
      assertTrue(again.dataSource().getConnection().isValid(5));
    }
  }

  /** A data directory made by an earlier version with trust authentication asks for the password from its next start. */
  @Test
  void aDataDirectoryThatTrustedEveryoneAsksForThePasswordAfterItsNextStart() throws Exception {
    Path data = dir.resolve("trusting");
    try (var old = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder().setDataDirectory(data)
        .setCleanDataDirectory(false).setRegisterShutdownHook(false).start();
        Connection c = old.getPostgresDatabase().getConnection()) {
      c.createStatement().execute("CREATE TABLE kept (v TEXT); INSERT INTO kept VALUES ('still here')");
    }
    try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(data, 0)) {
      String url = pg.jdbcUrl();
      org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
          () -> java.sql.DriverManager.getConnection(url, "postgres", "").close());
      try (Connection c = java.sql.DriverManager.getConnection(url, "postgres", pg.password());
          ResultSet rs = c.createStatement().executeQuery("SELECT v FROM kept")) {
        assertTrue(rs.next());
        assertEquals("still here", rs.getString(1));
      }
    }
  }
}
