-- Plan feedback references plans again; feedback whose plan was purged cannot be kept under
-- that reference and is dropped.
CREATE TABLE plan_feedback_ref (
    id TEXT PRIMARY KEY NOT NULL,
    plan_id TEXT NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
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
INSERT INTO plan_feedback_ref SELECT * FROM plan_feedback WHERE plan_id IN (SELECT id FROM plans);
DROP TABLE plan_feedback;
ALTER TABLE plan_feedback_ref RENAME TO plan_feedback;
CREATE INDEX plan_feedback_site_updated ON plan_feedback (site_id, updated_at);

DROP INDEX plans_expires;
DROP INDEX plans_visitor_site_created;
ALTER TABLE plans DROP COLUMN expires_at;
ALTER TABLE plans DROP COLUMN visitor_id;
