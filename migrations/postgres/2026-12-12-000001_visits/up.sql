-- Visit records: who (a salted hash of a visitor pseudonym, nothing else about the person) was
-- at which place from when to when, and where the record came from (plan feedback, a rating's
-- visit time, or an operator's import). Repeating a record changes nothing: the unique key is
-- the record itself.
CREATE TABLE visits (
    id TEXT PRIMARY KEY NOT NULL,
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    place_id TEXT NOT NULL,
    visitor_hash TEXT NOT NULL,
    arrived_at TEXT NOT NULL,
    left_at TEXT,
    source TEXT NOT NULL,
    source_ref TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (site_id, source, source_ref, visitor_hash, place_id, arrived_at)
);
CREATE INDEX visits_site_visitor ON visits (site_id, visitor_hash, arrived_at);
CREATE INDEX visits_source_ref ON visits (source, source_ref);
