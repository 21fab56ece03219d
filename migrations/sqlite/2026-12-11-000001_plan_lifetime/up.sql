-- Plans get an owner (the visitor id of the token that asked for them, NULL when asked without
-- one) and an expiry (RFC 3339 UTC like every timestamp; NULL keeps the plan for good).
ALTER TABLE plans ADD COLUMN visitor_id TEXT;
ALTER TABLE plans ADD COLUMN expires_at TEXT;
-- Plans stored before plans expired get the default retention of 30 days from their creation.
UPDATE plans SET expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', created_at, '+30 days');
-- "Plans of visitor X for site S created since T", and the purge of expired plans.
CREATE INDEX plans_visitor_site_created ON plans (visitor_id, site_id, created_at)
    WHERE visitor_id IS NOT NULL;
CREATE INDEX plans_expires ON plans (expires_at) WHERE expires_at IS NOT NULL;

-- Plan feedback outlives its plan: purging an expired plan leaves the feedback (and the
-- aggregates built from it) as they are, so plan_id no longer references plans. SQLite cannot
-- drop a constraint: the table is rebuilt with the same columns.
CREATE TABLE plan_feedback_kept (
    id TEXT PRIMARY KEY NOT NULL,
    plan_id TEXT NOT NULL,
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    visitor_id TEXT NOT NULL,
    snapshot_version BIGINT NOT NULL,
    followed TEXT NOT NULL,
    overall INTEGER NOT NULL,
    skipped_json TEXT NOT NULL,
    comment TEXT,
    comment_lang TEXT,
    codes_json TEXT NOT NULL,
    hidden BOOLEAN NOT NULL,
    comment_hidden BOOLEAN NOT NULL,
    moderation_reason TEXT,
    moderated_by TEXT,
    moderated_at TEXT,
    revision BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (plan_id, visitor_id)
);
INSERT INTO plan_feedback_kept SELECT * FROM plan_feedback;
DROP TABLE plan_feedback;
ALTER TABLE plan_feedback_kept RENAME TO plan_feedback;
CREATE INDEX plan_feedback_site_updated ON plan_feedback (site_id, updated_at);
