CREATE TABLE sites (
    id TEXT PRIMARY KEY NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    description_zh TEXT NOT NULL,
    description_en TEXT NOT NULL,
    utc_offset_min INTEGER NOT NULL,
    center_lon DOUBLE NOT NULL,
    center_lat DOUBLE NOT NULL,
    min_lon DOUBLE NOT NULL,
    min_lat DOUBLE NOT NULL,
    max_lon DOUBLE NOT NULL,
    max_lat DOUBLE NOT NULL,
    sources_json TEXT NOT NULL,
    version BIGINT NOT NULL,
    content_hash TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE areas (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    position INTEGER NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    description_zh TEXT NOT NULL,
    description_en TEXT NOT NULL,
    PRIMARY KEY (site_id, id)
);

CREATE TABLE graph_nodes (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    lon DOUBLE NOT NULL,
    lat DOUBLE NOT NULL,
    elevation_m DOUBLE NOT NULL,
    level INTEGER NOT NULL,
    area_id TEXT NOT NULL,
    name_zh TEXT,
    name_en TEXT,
    provenance TEXT NOT NULL,
    sources_json TEXT NOT NULL,
    coord_confidence_m DOUBLE NOT NULL,
    PRIMARY KEY (site_id, id),
    FOREIGN KEY (site_id, area_id) REFERENCES areas(site_id, id)
);

CREATE TABLE graph_edges (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    from_node TEXT NOT NULL,
    to_node TEXT NOT NULL,
    kind TEXT NOT NULL,
    geometry_json TEXT NOT NULL,
    length_m DOUBLE NOT NULL,
    ascent_m DOUBLE NOT NULL,
    descent_m DOUBLE NOT NULL,
    steps INTEGER NOT NULL,
    step_free BOOLEAN NOT NULL,
    name_zh TEXT,
    name_en TEXT,
    hint_zh TEXT,
    hint_en TEXT,
    provenance TEXT NOT NULL,
    sources_json TEXT NOT NULL,
    closed BOOLEAN NOT NULL,
    PRIMARY KEY (site_id, id),
    FOREIGN KEY (site_id, from_node) REFERENCES graph_nodes(site_id, id),
    FOREIGN KEY (site_id, to_node) REFERENCES graph_nodes(site_id, id)
);

CREATE TABLE places (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    area_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    description_zh TEXT NOT NULL,
    description_en TEXT NOT NULL,
    lon DOUBLE NOT NULL,
    lat DOUBLE NOT NULL,
    elevation_m DOUBLE,
    level INTEGER NOT NULL,
    fee_cny DOUBLE NOT NULL,
    fee_note_zh TEXT,
    fee_note_en TEXT,
    hours TEXT NOT NULL,
    dwell_min INTEGER NOT NULL,
    tags_json TEXT NOT NULL,
    popularity DOUBLE NOT NULL,
    node_id TEXT NOT NULL,
    provenance TEXT NOT NULL,
    sources_json TEXT NOT NULL,
    coord_confidence_m DOUBLE NOT NULL,
    notes TEXT,
    closed BOOLEAN NOT NULL,
    PRIMARY KEY (site_id, id),
    FOREIGN KEY (site_id, area_id) REFERENCES areas(site_id, id),
    FOREIGN KEY (site_id, node_id) REFERENCES graph_nodes(site_id, id)
);
CREATE INDEX places_site_kind ON places (site_id, kind);

CREATE TABLE findings (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    code TEXT NOT NULL,
    frequency TEXT NOT NULL,
    text_zh TEXT NOT NULL,
    text_en TEXT NOT NULL,
    rule_json TEXT NOT NULL,
    PRIMARY KEY (site_id, id)
);

CREATE TABLE codebook_themes (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    description_zh TEXT NOT NULL,
    description_en TEXT NOT NULL,
    categories_json TEXT NOT NULL,
    PRIMARY KEY (site_id, id)
);

CREATE TABLE codebook_categories (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    description_zh TEXT NOT NULL,
    description_en TEXT NOT NULL,
    PRIMARY KEY (site_id, id)
);

CREATE TABLE codebook_codes (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    category_id TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    frequency TEXT NOT NULL,
    sentiment TEXT NOT NULL,
    keywords_zh_json TEXT NOT NULL,
    keywords_en_json TEXT NOT NULL,
    PRIMARY KEY (site_id, id),
    FOREIGN KEY (site_id, category_id) REFERENCES codebook_categories(site_id, id)
);

CREATE TABLE interests (
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    tags_json TEXT NOT NULL,
    kinds_json TEXT NOT NULL,
    PRIMARY KEY (site_id, id)
);

CREATE TABLE plans (
    id TEXT PRIMARY KEY NOT NULL,
    site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    snapshot_version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    body_json TEXT NOT NULL
);
CREATE INDEX plans_site ON plans (site_id, created_at);
