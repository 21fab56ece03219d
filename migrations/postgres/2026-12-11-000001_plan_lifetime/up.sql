-- Plans get an owner (the visitor id of the token that asked for them, NULL when asked without
-- one) and an expiry (RFC 3339 UTC like every timestamp; NULL keeps the plan for good).
ALTER TABLE plans ADD COLUMN visitor_id TEXT, ADD COLUMN expires_at TEXT;
-- Plans stored before plans expired get the default retention of 30 days from their creation.
UPDATE plans SET expires_at = to_char(
    (created_at::timestamptz + interval '30 days') AT TIME ZONE 'UTC',
    'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
-- "Plans of visitor X for site S created since T", and the purge of expired plans.
CREATE INDEX plans_visitor_site_created ON plans (visitor_id, site_id, created_at)
    WHERE visitor_id IS NOT NULL;
CREATE INDEX plans_expires ON plans (expires_at) WHERE expires_at IS NOT NULL;

-- Plan feedback outlives its plan: purging an expired plan leaves the feedback (and the
-- aggregates built from it) as they are, so plan_id no longer references plans.
ALTER TABLE plan_feedback DROP CONSTRAINT plan_feedback_plan_id_fkey;
