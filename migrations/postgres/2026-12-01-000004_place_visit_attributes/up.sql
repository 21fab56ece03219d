-- What a visit to a place involves: a highlight of the site, a container (a park or area as a
-- whole, never a stop), the expected queue in minutes at peak hours, and whether entry needs a
-- booking or a timed ticket. Existing places take the defaults.
ALTER TABLE places ADD COLUMN highlight BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE places ADD COLUMN container BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE places ADD COLUMN queue_min INTEGER NOT NULL DEFAULT 0 CHECK (queue_min >= 0);
ALTER TABLE places ADD COLUMN booking BOOLEAN NOT NULL DEFAULT FALSE;
