-- The audit trail (AuditProjection): one row per tenant or account event, appended in the order the
-- projection receives them (journal order), each chained to the previous row by a SHA-256 hash
-- (berth.audit.AuditChain). Nothing updates it: the projection only inserts; rebuilding means dropping
-- the rows and the projection's offset.
CREATE TABLE audit_log (
  seq             BIGINT PRIMARY KEY,        -- 1, 2, 3, ...: the chain's order
  position        BIGINT NOT NULL UNIQUE,    -- the event's journal ordering
  at              TIMESTAMPTZ NOT NULL,
  actor           TEXT NOT NULL,
  action          TEXT NOT NULL,
  resource_type   TEXT NOT NULL,
  resource_id     TEXT NOT NULL,
  sequence_nr     BIGINT NOT NULL,
  reason          TEXT NOT NULL,
  correlation_id  TEXT NOT NULL,
  outcome         TEXT NOT NULL,
  source_address  TEXT,                      -- the client's, for requests through the admin API
  user_agent      TEXT,
  details         JSONB NOT NULL,
  prev_hash       BYTEA NOT NULL,
  hash            BYTEA NOT NULL,
  UNIQUE (prev_hash)                         -- two writers appending to one head cannot fork the chain
);
CREATE INDEX audit_log_resource ON audit_log (resource_type, resource_id, seq);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_correlation ON audit_log (correlation_id, seq);
CREATE INDEX audit_log_at ON audit_log (at);

-- Events written before this version carry no audit tag: give them theirs, so the trail starts at the
-- journal's beginning (events of later versions are tagged as they are written).
INSERT INTO event_tag (event_id, tag)
SELECT ordering, 'audit' FROM event_journal
WHERE persistence_id LIKE 'Tenant|%' OR persistence_id LIKE 'Account|%'
ON CONFLICT DO NOTHING;
