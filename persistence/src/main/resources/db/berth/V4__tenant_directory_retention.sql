-- A RETIRED tenant's data volume is kept until retained_until (restore, purge; the reconcile loop
-- purges it once expired). NULL: no data is kept.
ALTER TABLE tenant_directory ADD COLUMN retained_until TIMESTAMPTZ;
CREATE INDEX tenant_directory_retained_idx ON tenant_directory (retained_until) WHERE retained_until IS NOT NULL;
