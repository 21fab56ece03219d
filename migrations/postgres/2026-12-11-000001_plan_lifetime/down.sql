-- Plan feedback references plans again; feedback whose plan was purged cannot be kept under
-- that reference and is dropped.
DELETE FROM plan_feedback WHERE plan_id NOT IN (SELECT id FROM plans);
ALTER TABLE plan_feedback ADD CONSTRAINT plan_feedback_plan_id_fkey
    FOREIGN KEY (plan_id) REFERENCES plans(id) ON DELETE CASCADE;

DROP INDEX plans_expires;
DROP INDEX plans_visitor_site_created;
ALTER TABLE plans DROP COLUMN expires_at, DROP COLUMN visitor_id;
