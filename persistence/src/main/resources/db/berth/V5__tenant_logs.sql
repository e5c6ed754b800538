-- The output of tenant containers removed by teardown, kept while the tenant's data is (LogArchive).
CREATE TABLE tenant_logs (
  slug         VARCHAR(40) NOT NULL,
  container_id TEXT NOT NULL,
  incarnation  INTEGER NOT NULL,
  kept_at      TIMESTAMPTZ NOT NULL,
  reason       TEXT NOT NULL,
  truncated    BOOLEAN NOT NULL,
  output       TEXT NOT NULL,
  PRIMARY KEY (slug, container_id)
);
