-- Operators: soft delete and per-row revisions for site data, accounts, refresh tokens,
-- revoked access tokens and the audit log.
ALTER TABLE places ADD COLUMN deleted_at TEXT;
ALTER TABLE places ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
ALTER TABLE graph_nodes ADD COLUMN deleted_at TEXT;
ALTER TABLE graph_nodes ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
ALTER TABLE graph_edges ADD COLUMN deleted_at TEXT;
ALTER TABLE graph_edges ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
ALTER TABLE findings ADD COLUMN deleted_at TEXT;
ALTER TABLE findings ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('operator', 'admin')),
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    family_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    access_jti TEXT,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE revoked_tokens (
    jti TEXT PRIMARY KEY NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at TEXT NOT NULL
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    revision BIGINT NOT NULL,
    site_version BIGINT NOT NULL,
    source TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_log_site ON audit_log (site_id, id);
