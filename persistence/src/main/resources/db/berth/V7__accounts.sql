-- The secret halves of operator accounts (the accounts themselves are event-sourced: Account entities).
-- Nothing here is a plaintext credential: Argon2id password hashes, SHA-256 of token and session secrets.
CREATE TABLE account_passwords (
  email       TEXT PRIMARY KEY,
  hash        TEXT NOT NULL,
  updated_at  TIMESTAMPTZ NOT NULL
);
CREATE TABLE account_tokens (
  token_id     TEXT PRIMARY KEY,
  email        TEXT NOT NULL,
  hash         BYTEA NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL,
  last_used_at TIMESTAMPTZ
);
CREATE INDEX account_tokens_email ON account_tokens (email);
CREATE TABLE account_sessions (
  id_hash      BYTEA PRIMARY KEY,
  email        TEXT NOT NULL,
  csrf         TEXT NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL,
  last_seen_at TIMESTAMPTZ NOT NULL,
  expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX account_sessions_email ON account_sessions (email);
-- One-time setup codes printed by nodes that start while no owner exists (hashes only).
CREATE TABLE setup_codes (
  code_hash   BYTEA PRIMARY KEY,
  expires_at  TIMESTAMPTZ NOT NULL
);
-- At most one row: once an owner exists, self sign-up is closed for good.
CREATE TABLE account_owner (
  singleton   BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
  email       TEXT NOT NULL,
  claimed_at  TIMESTAMPTZ NOT NULL
);
