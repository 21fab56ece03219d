-- Feedback: place ratings, plan feedback, idempotent request replies, the aggregates the
-- planner reads (integer counters, so a rebuild from raw rows gives identical numbers) and the
-- log of published snapshot versions.
CREATE TABLE ratings (
    id TEXT PRIMARY KEY NOT NULL,
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    place_id TEXT NOT NULL,
    visitor_id TEXT NOT NULL,
    overall INTEGER NOT NULL,
    value_for_money INTEGER,
    crowding INTEGER,
    findability INTEGER,
    photos_ok BOOLEAN,
    visited_at TEXT,
    crowd_slot INTEGER,
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
    UNIQUE (site_id, place_id, visitor_id)
);
CREATE INDEX ratings_site_updated ON ratings (site_id, updated_at);
CREATE INDEX ratings_site_place ON ratings (site_id, place_id, updated_at);

CREATE TABLE plan_feedback (
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
CREATE INDEX plan_feedback_site_updated ON plan_feedback (site_id, updated_at);

CREATE TABLE idempotency_keys (
    visitor_id TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    response_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (visitor_id, idem_key)
);

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

CREATE TABLE snapshot_publications (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    stats_hash TEXT NOT NULL,
    reason TEXT NOT NULL,
    published_by TEXT,
    published_at TEXT NOT NULL,
    PRIMARY KEY (site_id, version)
);
