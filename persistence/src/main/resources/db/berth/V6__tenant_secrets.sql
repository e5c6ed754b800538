-- Tenant secrets, sealed with AES-256-GCM (SecretCipher): the key id, nonce and ciphertext per secret;
-- the tenant and name are bound as associated data, so a row moved elsewhere does not decrypt.
CREATE TABLE tenant_secrets (
  slug        VARCHAR(40) NOT NULL,
  name        VARCHAR(64) NOT NULL,
  key_id      TEXT NOT NULL,
  nonce       BYTEA NOT NULL,
  ciphertext  BYTEA NOT NULL,
  version     BIGINT NOT NULL,
  updated_at  TIMESTAMPTZ NOT NULL,
  updated_by  TEXT NOT NULL,
  PRIMARY KEY (slug, name)
);
-- One counter per tenant: every change of its secrets is a new version.
CREATE TABLE tenant_secret_versions (
  slug    VARCHAR(40) PRIMARY KEY,
  version BIGINT NOT NULL
);
