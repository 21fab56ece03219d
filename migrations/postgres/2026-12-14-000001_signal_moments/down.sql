-- Back to plain counters; they start empty: run `heritage-guide aggregates rebuild` after.
DROP TABLE place_aggregates;
DROP TABLE place_crowding;

CREATE TABLE place_aggregates (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    place_id TEXT NOT NULL,
    ratings_n BIGINT NOT NULL,
    overall_sum BIGINT NOT NULL,
    vfm_n BIGINT NOT NULL,
    vfm_sum BIGINT NOT NULL,
    find_n BIGINT NOT NULL,
    find_sum BIGINT NOT NULL,
    photo_n BIGINT NOT NULL,
    photo_ok_n BIGINT NOT NULL,
    crowd_n BIGINT NOT NULL,
    crowd_sum BIGINT NOT NULL,
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
    n BIGINT NOT NULL,
    total BIGINT NOT NULL,
    PRIMARY KEY (site_id, place_id, slot)
);

ALTER TABLE plans DROP COLUMN exploration_cost;
ALTER TABLE plans DROP COLUMN explored_place;
ALTER TABLE plan_feedback DROP COLUMN evidence_weight;
ALTER TABLE ratings DROP COLUMN evidence_weight;
