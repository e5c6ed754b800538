-- Read model of all tenants, written only by the tenant-directory projection (TenantDirectoryProjection).
CREATE TABLE tenant_directory (
  slug           VARCHAR(40) PRIMARY KEY,
  display_name   TEXT,
  phase          VARCHAR(20) NOT NULL,
  incarnation    INTEGER NOT NULL,
  container_name TEXT,
  container_id   TEXT,
  endpoint_host  TEXT,
  endpoint_port  INTEGER,
  last_error     TEXT,
  created_at     TIMESTAMPTZ NOT NULL,
  updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX tenant_directory_phase_idx ON tenant_directory (phase);
