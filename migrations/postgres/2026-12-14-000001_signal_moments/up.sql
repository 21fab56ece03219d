-- Feedback aggregates per signal as weighted moments (weights' sum, weighted sum, weighted sum
-- of squares), so the planner gets every signal's evidence, mean and spread; every answer
-- carries the weight of its evidence of a visit. The aggregates are derived data: the new
-- tables start empty and the server rebuilds them from the raw feedback on start.
ALTER TABLE ratings ADD COLUMN evidence_weight INTEGER NOT NULL DEFAULT 4;
ALTER TABLE plan_feedback ADD COLUMN evidence_weight INTEGER NOT NULL DEFAULT 4;
-- A plan's exploratory stop (a place few visitors have rated) and the share of the best plan's
-- value it cost, for insights.
ALTER TABLE plans ADD COLUMN explored_place TEXT;
ALTER TABLE plans ADD COLUMN exploration_cost DOUBLE PRECISION;

DROP TABLE place_aggregates;
DROP TABLE place_crowding;

CREATE TABLE place_aggregates (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    place_id TEXT NOT NULL,
    ratings_n BIGINT NOT NULL,
    overall_w BIGINT NOT NULL,
    overall_sum BIGINT NOT NULL,
    overall_sq BIGINT NOT NULL,
    vfm_w BIGINT NOT NULL,
    vfm_sum BIGINT NOT NULL,
    vfm_sq BIGINT NOT NULL,
    find_w BIGINT NOT NULL,
    find_sum BIGINT NOT NULL,
    find_sq BIGINT NOT NULL,
    photo_w BIGINT NOT NULL,
    photo_sum BIGINT NOT NULL,
    photo_sq BIGINT NOT NULL,
    crowd_w BIGINT NOT NULL,
    crowd_sum BIGINT NOT NULL,
    crowd_sq BIGINT NOT NULL,
    skip_closed BIGINT NOT NULL,
    skip_crowded BIGINT NOT NULL,
    skip_could_not_find BIGINT NOT NULL,
    skip_not_interesting BIGINT NOT NULL,
    skip_no_time BIGINT NOT NULL,
    PRIMARY KEY (site_id, place_id)
);

CREATE TABLE place_crowding (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    place_id TEXT NOT NULL,
    slot INTEGER NOT NULL,
    w BIGINT NOT NULL,
    total BIGINT NOT NULL,
    sq BIGINT NOT NULL,
    PRIMARY KEY (site_id, place_id, slot)
);
