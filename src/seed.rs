//! The site seed: reading a seed folder (see `docs/seed-format.md`), validating it as a whole and
//! turning it into [`SiteData`]. Nothing is written unless every check passes.

use crate::domain::*;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

pub const SITE_FILE: &str = "site.yaml";
pub const PLACES_FILE: &str = "places.geojson";
pub const PATHS_FILE: &str = "paths.geojson";
pub const FINDINGS_FILE: &str = "findings.yaml";
pub const CODEBOOK_FILE: &str = "codebook.yaml";
/// The message of the error naming a place that closed edges cut off from the site.
pub const STRANDED_MESSAGE: &str =
    "stranded: the place's node cannot be reached over open paths; reopen a path or mark the place closed";

/// The five files of a seed, as text.
#[derive(Clone, Debug)]
pub struct SeedFiles {
    pub site: String,
    pub places: String,
    pub paths: String,
    pub findings: String,
    pub codebook: String,
}

impl SeedFiles {
    /// The Eling No.2 Factory seed built into the binary, so the default run needs no files.
    pub fn embedded() -> SeedFiles {
        SeedFiles {
            site: include_str!("../seed/site.yaml").to_string(),
            places: include_str!("../seed/places.geojson").to_string(),
            paths: include_str!("../seed/paths.geojson").to_string(),
            findings: include_str!("../seed/findings.yaml").to_string(),
            codebook: include_str!("../seed/codebook.yaml").to_string(),
        }
    }

    pub fn from_dir(dir: &Path) -> Result<SeedFiles, Vec<SeedError>> {
        let mut errors = Vec::new();
        let mut read = |name: &str| match std::fs::read_to_string(dir.join(name)) {
            Ok(s) => s,
            Err(e) => {
                errors.push(SeedError::file(
                    name,
                    format!("cannot read {}: {e}", dir.join(name).display()),
                ));
                String::new()
            }
        };
        let files = SeedFiles {
            site: read(SITE_FILE),
            places: read(PLACES_FILE),
            paths: read(PATHS_FILE),
            findings: read(FINDINGS_FILE),
            codebook: read(CODEBOOK_FILE),
        };
        if errors.is_empty() {
            Ok(files)
        } else {
            Err(errors)
        }
    }
}

/// One problem in a seed: the file, the feature or entry id, and the field.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SeedError {
    pub file: String,
    pub id: Option<String>,
    pub field: Option<String>,
    pub message: String,
    /// A place cut off from the site by closed paths (an edit may close it instead).
    #[serde(skip)]
    pub stranded: bool,
}

impl SeedError {
    fn file(file: &str, message: impl Into<String>) -> SeedError {
        SeedError {
            file: file.to_string(),
            id: None,
            field: None,
            message: message.into(),
            stranded: false,
        }
    }
    fn at(file: &str, id: &str, field: &str, message: impl Into<String>) -> SeedError {
        SeedError {
            file: file.to_string(),
            id: Some(id.to_string()),
            field: Some(field.to_string()),
            message: message.into(),
            stranded: false,
        }
    }
}

impl std::fmt::Display for SeedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(id) = &self.id {
            write!(f, ": {id}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Content hash of a site's data: stable across formatting, changes with any value.
pub fn content_hash(data: &SiteData) -> String {
    let bytes = serde_json::to_vec(data).expect("site data serialises");
    hex::encode(Sha256::digest(bytes))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteFile {
    id: String,
    name: Bilingual,
    description: Bilingual,
    utc_offset_min: i32,
    center: [f64; 2],
    bounds: Bounds,
    areas: Vec<Area>,
    #[serde(default)]
    sources: BTreeMap<String, String>,
    #[serde(default)]
    public_holidays: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaceProps {
    id: String,
    area: String,
    kind: String,
    name: Bilingual,
    description: Bilingual,
    elevation_m: Option<f64>,
    #[serde(default)]
    level: i32,
    fee_cny: f64,
    #[serde(default)]
    fee_note: Option<Bilingual>,
    hours: String,
    dwell_min: u32,
    #[serde(default)]
    tags: Vec<String>,
    popularity: f64,
    node: String,
    provenance: String,
    #[serde(default)]
    sources: Vec<String>,
    coord_confidence_m: f64,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    closed: bool,
    #[serde(default)]
    highlight: bool,
    #[serde(default)]
    container: bool,
    #[serde(default)]
    queue_min: u32,
    #[serde(default)]
    booking: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeProps {
    #[allow(dead_code)]
    feature: String,
    id: String,
    elevation_m: f64,
    #[serde(default)]
    level: i32,
    area: String,
    #[serde(default)]
    name: Option<Bilingual>,
    provenance: String,
    #[serde(default)]
    sources: Vec<String>,
    coord_confidence_m: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EdgeProps {
    #[allow(dead_code)]
    feature: String,
    id: String,
    from: String,
    to: String,
    kind: String,
    #[serde(default)]
    steps: u32,
    step_free: bool,
    #[serde(default)]
    name: Option<Bilingual>,
    #[serde(default)]
    hint: Option<Bilingual>,
    #[serde(default)]
    hint_reverse: Option<Bilingual>,
    #[serde(default)]
    hint_both_ways: bool,
    #[serde(default)]
    hint_step_free: bool,
    provenance: String,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    closed: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FindingsFile {
    findings: Vec<FindingRec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodebookFile {
    themes: Vec<Theme>,
    categories: Vec<Category>,
    codes: Vec<Code>,
    #[serde(default)]
    interests: Vec<InterestRec>,
}

fn yaml<T: serde::de::DeserializeOwned>(
    file: &str,
    text: &str,
    errors: &mut Vec<SeedError>,
) -> Option<T> {
    match serde_yaml::from_str::<T>(text) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(SeedError::file(file, e.to_string()));
            None
        }
    }
}

/// Features of a GeoJSON FeatureCollection with their id (feature `id` or `properties.id`).
fn features(file: &str, text: &str, errors: &mut Vec<SeedError>) -> Vec<(String, Value)> {
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            errors.push(SeedError::file(file, format!("not valid JSON: {e}")));
            return Vec::new();
        }
    };
    if v.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        errors.push(SeedError::file(
            file,
            "expected a GeoJSON FeatureCollection",
        ));
        return Vec::new();
    }
    let Some(list) = v.get("features").and_then(Value::as_array) else {
        errors.push(SeedError::file(
            file,
            "a FeatureCollection needs a `features` array",
        ));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, f) in list.iter().enumerate() {
        let id = f
            .get("properties")
            .and_then(|p| p.get("id"))
            .and_then(Value::as_str)
            .or_else(|| f.get("id").and_then(Value::as_str))
            .map(str::to_string);
        match id {
            Some(id) => out.push((id, f.clone())),
            None => errors.push(SeedError::file(file, format!("feature #{i} has no id"))),
        }
    }
    out
}

fn point(file: &str, id: &str, f: &Value, errors: &mut Vec<SeedError>) -> Option<[f64; 2]> {
    let g = f.get("geometry");
    let ok = g.and_then(|g| g.get("type")).and_then(Value::as_str) == Some("Point");
    let coords = g
        .and_then(|g| g.get("coordinates"))
        .and_then(Value::as_array)
        .filter(|a| a.len() >= 2)
        .and_then(|a| Some([a[0].as_f64()?, a[1].as_f64()?]));
    match (ok, coords) {
        (true, Some(c)) => Some(c),
        _ => {
            errors.push(SeedError::at(
                file,
                id,
                "geometry",
                "expected a Point with [lon, lat]",
            ));
            None
        }
    }
}

fn line(file: &str, id: &str, f: &Value, errors: &mut Vec<SeedError>) -> Option<Vec<[f64; 2]>> {
    let g = f.get("geometry");
    let ok = g.and_then(|g| g.get("type")).and_then(Value::as_str) == Some("LineString");
    let coords: Option<Vec<[f64; 2]>> = g
        .and_then(|g| g.get("coordinates"))
        .and_then(Value::as_array)
        .and_then(|a| {
            a.iter()
                .map(|p| {
                    let p = p.as_array()?;
                    if p.len() < 2 {
                        return None;
                    }
                    Some([p[0].as_f64()?, p[1].as_f64()?])
                })
                .collect()
        });
    match (ok, coords) {
        (true, Some(c)) if c.len() >= 2 => Some(c),
        _ => {
            errors.push(SeedError::at(
                file,
                id,
                "geometry",
                "expected a LineString of at least two [lon, lat] positions",
            ));
            None
        }
    }
}

fn props<T: serde::de::DeserializeOwned>(
    file: &str,
    id: &str,
    f: &Value,
    errors: &mut Vec<SeedError>,
) -> Option<T> {
    let p = f.get("properties").cloned().unwrap_or(Value::Null);
    match serde_path_to_error::deserialize::<_, T>(p) {
        Ok(v) => Some(v),
        Err(e) => {
            let path = e.path().to_string();
            let msg = e.into_inner().to_string();
            // Missing and unknown members are named in the message; a value of the wrong type
            // or range is named by the path to it.
            let field = field_of_serde_message(&msg)
                .filter(|_| msg.starts_with("missing field") || msg.starts_with("unknown field"))
                .or_else(|| (!path.is_empty() && path != ".").then_some(path))
                .unwrap_or_else(|| "properties".to_string());
            errors.push(SeedError::at(file, id, &field, describe_type_error(&msg)));
            None
        }
    }
}

/// Words for serde's "invalid type/value: X, expected Y" messages of the seed's scalar fields;
/// other messages are kept as they are.
fn describe_type_error(msg: &str) -> String {
    let Some(rest) = msg
        .strip_prefix("invalid type: ")
        .or_else(|| msg.strip_prefix("invalid value: "))
    else {
        return msg.to_string();
    };
    let Some((got, expected)) = rest.split_once(", expected ") else {
        return msg.to_string();
    };
    let want = match expected {
        "u32" | "u64" => "must be a whole number ≥ 0",
        "i32" | "i64" => "must be a whole number",
        "f64" => "must be a number",
        "a boolean" => "must be true or false",
        "a string" => "must be a string",
        _ => return msg.to_string(),
    };
    format!("{want}, not {}", got.replace('`', ""))
}

/// Pulls the field name out of serde's "missing field `x`" / "unknown field `x`" messages.
pub fn field_of_serde_message(msg: &str) -> Option<String> {
    let start = msg.find('`')? + 1;
    let end = msg[start..].find('`')? + start;
    Some(msg[start..end].to_string())
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Parses and validates a seed. On success the data is ready to be written; on failure every
/// problem found is returned (file, id, field, message).
pub fn parse(files: &SeedFiles) -> Result<SiteData, Vec<SeedError>> {
    let mut errors = Vec::new();
    let site_file: Option<SiteFile> = yaml(SITE_FILE, &files.site, &mut errors);
    let findings_file: Option<FindingsFile> = yaml(FINDINGS_FILE, &files.findings, &mut errors);
    let codebook_file: Option<CodebookFile> = yaml(CODEBOOK_FILE, &files.codebook, &mut errors);
    let place_features = features(PLACES_FILE, &files.places, &mut errors);
    let path_features = features(PATHS_FILE, &files.paths, &mut errors);
    let (Some(sf), Some(ff), Some(cf)) = (site_file, findings_file, codebook_file) else {
        return Err(errors);
    };

    let site = Site {
        id: sf.id,
        name: sf.name,
        description: sf.description,
        utc_offset_min: sf.utc_offset_min,
        center: sf.center,
        bounds: sf.bounds,
        sources: sf.sources,
        public_holidays: sf.public_holidays,
    };
    if let Err(e) = planner::hours::Holidays::parse_iso(&site.public_holidays) {
        errors.push(SeedError::at(
            SITE_FILE,
            &site.id,
            "public_holidays",
            format!("public_holidays{e}"),
        ));
    }
    if !valid_id(&site.id) {
        errors.push(SeedError::at(
            SITE_FILE,
            &site.id,
            "id",
            "ids are lowercase letters, digits, '-' or '_'",
        ));
    }
    if !(-720..=840).contains(&site.utc_offset_min) {
        errors.push(SeedError::at(
            SITE_FILE,
            &site.id,
            "utc_offset_min",
            "must lie within -720..=840",
        ));
    }
    let b = &site.bounds;
    if !(b.min_lon < b.max_lon
        && b.min_lat < b.max_lat
        && b.min_lat >= -90.0
        && b.max_lat <= 90.0
        && b.min_lon >= -180.0
        && b.max_lon <= 180.0)
    {
        errors.push(SeedError::at(
            SITE_FILE,
            &site.id,
            "bounds",
            "min must be below max, within WGS84 ranges",
        ));
    }
    if !site.bounds.contains(site.center[0], site.center[1]) {
        errors.push(SeedError::at(
            SITE_FILE,
            &site.id,
            "center",
            "the center lies outside the bounds",
        ));
    }
    let mut area_ids = HashSet::new();
    for a in &sf.areas {
        if !valid_id(&a.id) {
            errors.push(SeedError::at(SITE_FILE, &a.id, "areas.id", "invalid id"));
        }
        if !area_ids.insert(a.id.clone()) {
            errors.push(SeedError::at(
                SITE_FILE,
                &a.id,
                "areas.id",
                "duplicate area id",
            ));
        }
    }
    let source_ok = |s: &str| s == "study" || s == "estimate" || site.sources.contains_key(s);

    // Codebook first: places and findings refer to its codes.
    let mut category_ids = HashSet::new();
    for c in &cf.categories {
        if !category_ids.insert(c.id.clone()) {
            errors.push(SeedError::at(
                CODEBOOK_FILE,
                &c.id,
                "categories.id",
                "duplicate category id",
            ));
        }
    }
    for t in &cf.themes {
        for c in &t.categories {
            if !category_ids.contains(c) {
                errors.push(SeedError::at(
                    CODEBOOK_FILE,
                    &t.id,
                    "categories",
                    format!("unknown category `{c}`"),
                ));
            }
        }
    }
    let mut code_ids = HashSet::new();
    for c in &cf.codes {
        if !code_ids.insert(c.id.clone()) {
            errors.push(SeedError::at(
                CODEBOOK_FILE,
                &c.id,
                "codes.id",
                "duplicate code id",
            ));
        }
        if !category_ids.contains(&c.category) {
            errors.push(SeedError::at(
                CODEBOOK_FILE,
                &c.id,
                "category",
                format!("unknown category `{}`", c.category),
            ));
        }
        if !["high", "medium", "low"].contains(&c.frequency.as_str()) {
            errors.push(SeedError::at(
                CODEBOOK_FILE,
                &c.id,
                "frequency",
                "must be high, medium or low",
            ));
        }
        if !["positive", "neutral", "negative"].contains(&c.sentiment.as_str()) {
            errors.push(SeedError::at(
                CODEBOOK_FILE,
                &c.id,
                "sentiment",
                "must be positive, neutral or negative",
            ));
        }
    }
    let mut interest_ids = HashSet::new();
    for i in &cf.interests {
        if !interest_ids.insert(i.id.clone()) {
            errors.push(SeedError::at(
                CODEBOOK_FILE,
                &i.id,
                "interests.id",
                "duplicate interest id",
            ));
        }
        for t in &i.tags {
            if !code_ids.contains(t) {
                errors.push(SeedError::at(
                    CODEBOOK_FILE,
                    &i.id,
                    "tags",
                    format!("unknown code `{t}`"),
                ));
            }
        }
        for k in &i.kinds {
            if !PLACE_KINDS.contains(&k.as_str()) {
                errors.push(SeedError::at(
                    CODEBOOK_FILE,
                    &i.id,
                    "kinds",
                    format!("unknown place kind `{k}`"),
                ));
            }
        }
    }

    // Graph nodes and edges.
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    let mut edge_geoms = Vec::new();
    for (id, f) in &path_features {
        let feature = f
            .get("properties")
            .and_then(|p| p.get("feature"))
            .and_then(Value::as_str);
        match feature {
            Some("node") => {
                let (Some(pt), Some(p)) = (
                    point(PATHS_FILE, id, f, &mut errors),
                    props::<NodeProps>(PATHS_FILE, id, f, &mut errors),
                ) else {
                    continue;
                };
                nodes.push(GraphNode {
                    id: p.id,
                    lon: pt[0],
                    lat: pt[1],
                    elevation_m: p.elevation_m,
                    level: p.level,
                    area: p.area,
                    name: p.name,
                    provenance: p.provenance,
                    sources: p.sources,
                    coord_confidence_m: p.coord_confidence_m,
                });
            }
            Some("edge") => {
                let (Some(geom), Some(p)) = (
                    line(PATHS_FILE, id, f, &mut errors),
                    props::<EdgeProps>(PATHS_FILE, id, f, &mut errors),
                ) else {
                    continue;
                };
                edge_geoms.push(geom.clone());
                edges.push(GraphEdge {
                    id: p.id,
                    from: p.from,
                    to: p.to,
                    kind: p.kind,
                    geometry: geom,
                    length_m: 0.0,
                    ascent_m: 0.0,
                    descent_m: 0.0,
                    steps: p.steps,
                    step_free: p.step_free,
                    name: p.name,
                    hint: p.hint,
                    hint_reverse: p.hint_reverse,
                    hint_both_ways: p.hint_both_ways,
                    hint_step_free: p.hint_step_free,
                    provenance: p.provenance,
                    sources: p.sources,
                    closed: p.closed,
                });
            }
            _ => errors.push(SeedError::at(
                PATHS_FILE,
                id,
                "feature",
                "must be \"node\" or \"edge\"",
            )),
        }
    }
    for n in &nodes {
        check_common(
            PATHS_FILE,
            &n.id,
            &n.provenance,
            &n.sources,
            n.coord_confidence_m,
            &source_ok,
            &mut errors,
        );
        if !site.bounds.contains(n.lon, n.lat) {
            errors.push(SeedError::at(
                PATHS_FILE,
                &n.id,
                "geometry",
                "outside the site's bounds",
            ));
        }
        if !area_ids.contains(&n.area) {
            errors.push(SeedError::at(
                PATHS_FILE,
                &n.id,
                "area",
                format!("unknown area `{}`", n.area),
            ));
        }
        if !n.elevation_m.is_finite() || !(-500.0..=9000.0).contains(&n.elevation_m) {
            errors.push(SeedError::at(
                PATHS_FILE,
                &n.id,
                "elevation_m",
                "not a plausible elevation",
            ));
        }
    }
    for e in &edges {
        check_common(
            PATHS_FILE,
            &e.id,
            &e.provenance,
            &e.sources,
            1.0,
            &source_ok,
            &mut errors,
        );
        if !EDGE_KINDS.contains(&e.kind.as_str()) {
            errors.push(SeedError::at(
                PATHS_FILE,
                &e.id,
                "kind",
                format!("unknown edge kind `{}`", e.kind),
            ));
        }
        if e.geometry.iter().any(|p| !site.bounds.contains(p[0], p[1])) {
            errors.push(SeedError::at(
                PATHS_FILE,
                &e.id,
                "geometry",
                "a position lies outside the site's bounds",
            ));
        }
    }

    // Places.
    let mut places = Vec::new();
    for (id, f) in &place_features {
        let (Some(pt), Some(p)) = (
            point(PLACES_FILE, id, f, &mut errors),
            props::<PlaceProps>(PLACES_FILE, id, f, &mut errors),
        ) else {
            continue;
        };
        places.push(Place {
            id: p.id,
            area: p.area,
            kind: p.kind,
            name: p.name,
            description: p.description,
            lon: pt[0],
            lat: pt[1],
            elevation_m: p.elevation_m,
            level: p.level,
            fee_cny: p.fee_cny,
            fee_note: p.fee_note,
            hours: p.hours,
            dwell_min: p.dwell_min,
            tags: p.tags,
            popularity: p.popularity,
            node: p.node,
            provenance: p.provenance,
            sources: p.sources,
            coord_confidence_m: p.coord_confidence_m,
            notes: p.notes,
            closed: p.closed,
            highlight: p.highlight,
            container: p.container,
            queue_min: p.queue_min,
            booking: p.booking,
        });
    }
    let node_ids: HashSet<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
    let mut place_ids = HashSet::new();
    for p in &places {
        let errs_before = errors.len();
        validate_place(
            p,
            &site,
            &area_ids,
            &code_ids,
            &node_ids,
            &source_ok,
            PLACES_FILE,
            &mut errors,
        );
        if errors.len() == errs_before && !place_ids.insert(p.id.clone()) {
            errors.push(SeedError::at(
                PLACES_FILE,
                &p.id,
                "id",
                "duplicate place id",
            ));
        }
    }

    // The graph as the planner sees it: lengths, climbs, connectivity.
    if errors.is_empty() {
        match crate::model::build_graph(&nodes, &edges) {
            Ok(graph) => {
                for (e, ge) in edges.iter_mut().zip(graph.edges()) {
                    e.length_m = round2(ge.length_m);
                    e.ascent_m = round2(ge.ascent_m);
                    e.descent_m = round2(ge.descent_m);
                }
                // Closed edges may cut the graph (a stairway under repair), but no open place may
                // be stranded by them.
                for id in stranded_places(&graph, &places) {
                    errors.push(SeedError {
                        stranded: true,
                        ..SeedError::at(PLACES_FILE, &id, "node", STRANDED_MESSAGE)
                    });
                }
                let comps = structural_components(&graph);
                if comps.len() > 1 {
                    for comp in comps.iter().skip(1) {
                        let ids: Vec<&str> = comp
                            .iter()
                            .take(5)
                            .map(|&i| graph.nodes()[i].id.as_str())
                            .collect();
                        errors.push(SeedError::at(
                            PATHS_FILE,
                            ids[0],
                            "from",
                            format!("the graph is not connected: nodes {} cannot be reached from the rest", ids.join(", ")),
                        ));
                    }
                }
            }
            Err(e) => errors.push(SeedError::at(PATHS_FILE, &e.id, e.field, e.message)),
        }
    }

    // Findings.
    let mut finding_ids = HashSet::new();
    for f in &ff.findings {
        if !valid_id(&f.id) {
            errors.push(SeedError::at(FINDINGS_FILE, &f.id, "id", "invalid id"));
        }
        if !finding_ids.insert(f.id.clone()) {
            errors.push(SeedError::at(
                FINDINGS_FILE,
                &f.id,
                "id",
                "duplicate finding id",
            ));
        }
        if !code_ids.contains(&f.code) {
            errors.push(SeedError::at(
                FINDINGS_FILE,
                &f.id,
                "code",
                format!("unknown code `{}`", f.code),
            ));
        }
        if !["high", "medium", "low"].contains(&f.frequency.as_str()) {
            errors.push(SeedError::at(
                FINDINGS_FILE,
                &f.id,
                "frequency",
                "must be high, medium or low",
            ));
        }
        validate_rule(&f.id, &f.rule, &area_ids, &code_ids, &mut errors);
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    let mut data = SiteData {
        site,
        areas: sf.areas,
        nodes,
        edges,
        places,
        findings: ff.findings,
        codebook: Codebook {
            themes: cf.themes,
            categories: cf.categories,
            codes: cf.codes,
            interests: cf.interests,
        },
    };
    canonicalize(&mut data);
    Ok(data)
}

/// Puts a site's lists in the store's order (by id; areas keep their given order), so parsed,
/// stored and edited data compare and hash alike.
pub fn canonicalize(d: &mut SiteData) {
    d.nodes.sort_by(|a, b| a.id.cmp(&b.id));
    d.edges.sort_by(|a, b| a.id.cmp(&b.id));
    d.places.sort_by(|a, b| a.id.cmp(&b.id));
    d.findings.sort_by(|a, b| a.id.cmp(&b.id));
    d.codebook.themes.sort_by(|a, b| a.id.cmp(&b.id));
    d.codebook.categories.sort_by(|a, b| a.id.cmp(&b.id));
    d.codebook.codes.sort_by(|a, b| a.id.cmp(&b.id));
    d.codebook.interests.sort_by(|a, b| a.id.cmp(&b.id));
}

/// Connected components of the graph counting closed edges too (the network as built), largest
/// first, as node indices.
pub fn structural_components(graph: &planner::graph::Graph) -> Vec<Vec<usize>> {
    let n = graph.nodes().len();
    let mut seen = vec![false; n];
    let mut out: Vec<Vec<usize>> = Vec::new();
    for s in 0..n {
        if seen[s] {
            continue;
        }
        seen[s] = true;
        let mut stack = vec![s];
        let mut members = Vec::new();
        while let Some(u) = stack.pop() {
            members.push(u);
            for a in graph.adjacent(u) {
                if !seen[a.node] {
                    seen[a.node] = true;
                    stack.push(a.node);
                }
            }
        }
        members.sort_unstable();
        out.push(members);
    }
    out.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    out
}

/// Ids of open places whose node lies outside the largest component of open edges: closed edges
/// cut them off from the rest of the site.
pub fn stranded_places(graph: &planner::graph::Graph, places: &[Place]) -> Vec<String> {
    let comps = graph.components();
    if comps.len() <= 1 {
        return Vec::new();
    }
    let main: HashSet<usize> = comps[0].iter().copied().collect();
    let mut out: Vec<String> = places
        .iter()
        .filter(|p| !p.closed)
        .filter(|p| {
            graph
                .node_index(&p.node)
                .map(|i| !main.contains(&i))
                .unwrap_or(false)
        })
        .map(|p| p.id.clone())
        .collect();
    out.sort();
    out
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn check_common(
    file: &str,
    id: &str,
    provenance: &str,
    sources: &[String],
    confidence: f64,
    source_ok: &dyn Fn(&str) -> bool,
    errors: &mut Vec<SeedError>,
) {
    if !valid_id(id) {
        errors.push(SeedError::at(
            file,
            id,
            "id",
            "ids are lowercase letters, digits, '-' or '_' (at most 64)",
        ));
    }
    if !PROVENANCES.contains(&provenance) {
        errors.push(SeedError::at(
            file,
            id,
            "provenance",
            "must be sourced, estimate or study",
        ));
    }
    for s in sources {
        if !source_ok(s) {
            errors.push(SeedError::at(
                file,
                id,
                "sources",
                format!("unknown source key `{s}`"),
            ));
        }
    }
    if !(confidence.is_finite() && confidence > 0.0) {
        errors.push(SeedError::at(
            file,
            id,
            "coord_confidence_m",
            "must be a positive number of metres",
        ));
    }
}

/// Checks one place against the site; shared by the seed loader and operator edits.
#[allow(clippy::too_many_arguments)]
pub fn validate_place(
    p: &Place,
    site: &Site,
    area_ids: &HashSet<String>,
    code_ids: &HashSet<String>,
    node_ids: &HashSet<&str>,
    source_ok: &dyn Fn(&str) -> bool,
    file: &str,
    errors: &mut Vec<SeedError>,
) {
    check_common(
        file,
        &p.id,
        &p.provenance,
        &p.sources,
        p.coord_confidence_m,
        source_ok,
        errors,
    );
    if !(p.lon.is_finite() && p.lat.is_finite() && site.bounds.contains(p.lon, p.lat)) {
        errors.push(SeedError::at(
            file,
            &p.id,
            "geometry",
            "outside the site's bounds",
        ));
    }
    if !area_ids.contains(&p.area) {
        errors.push(SeedError::at(
            file,
            &p.id,
            "area",
            format!("unknown area `{}`", p.area),
        ));
    }
    if !PLACE_KINDS.contains(&p.kind.as_str()) {
        errors.push(SeedError::at(
            file,
            &p.id,
            "kind",
            format!("unknown place kind `{}`", p.kind),
        ));
    }
    if !(p.fee_cny.is_finite() && p.fee_cny >= 0.0) {
        errors.push(SeedError::at(
            file,
            &p.id,
            "fee_cny",
            "must be a number ≥ 0",
        ));
    }
    if !(0.0..=1.0).contains(&p.popularity) {
        errors.push(SeedError::at(
            file,
            &p.id,
            "popularity",
            "must lie within 0..1",
        ));
    }
    if p.dwell_min > 600 {
        errors.push(SeedError::at(
            file,
            &p.id,
            "dwell_min",
            "at most 600 minutes",
        ));
    }
    if p.queue_min > 600 {
        errors.push(SeedError::at(
            file,
            &p.id,
            "queue_min",
            "at most 600 minutes",
        ));
    }
    if p.container && p.highlight {
        errors.push(SeedError::at(
            file,
            &p.id,
            "highlight",
            "a container (a park or area as a whole) is never a stop, so it cannot be a highlight",
        ));
    }
    if let Err(e) = planner::hours::OpeningHours::parse(&p.hours) {
        errors.push(SeedError::at(file, &p.id, "hours", e));
    }
    for t in &p.tags {
        if !code_ids.contains(t) {
            errors.push(SeedError::at(
                file,
                &p.id,
                "tags",
                format!("unknown code `{t}`"),
            ));
        }
    }
    if !node_ids.contains(p.node.as_str()) {
        errors.push(SeedError::at(
            file,
            &p.id,
            "node",
            format!("unknown graph node `{}`", p.node),
        ));
    }
    if p.name.zh.trim().is_empty() || p.name.en.trim().is_empty() {
        errors.push(SeedError::at(
            file,
            &p.id,
            "name",
            "both zh and en names are required",
        ));
    }
}

fn validate_rule(
    id: &str,
    rule: &Value,
    areas: &HashSet<String>,
    codes: &HashSet<String>,
    errors: &mut Vec<SeedError>,
) {
    if let Err(e) = serde_json::from_value::<planner::model::Rule>(rule.clone()) {
        errors.push(SeedError::at(FINDINGS_FILE, id, "rule", e.to_string()));
        return;
    }
    let list = |k: &str| -> Vec<String> {
        rule.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    for key in ["first", "then"] {
        if let Some(a) = rule.get(key).and_then(Value::as_str) {
            if !areas.contains(a) {
                errors.push(SeedError::at(
                    FINDINGS_FILE,
                    id,
                    &format!("rule.{key}"),
                    format!("unknown area `{a}`"),
                ));
            }
        }
    }
    for a in list("areas") {
        if !areas.contains(&a) {
            errors.push(SeedError::at(
                FINDINGS_FILE,
                id,
                "rule.areas",
                format!("unknown area `{a}`"),
            ));
        }
    }
    for k in list("kinds") {
        if !PLACE_KINDS.contains(&k.as_str()) {
            errors.push(SeedError::at(
                FINDINGS_FILE,
                id,
                "rule.kinds",
                format!("unknown place kind `{k}`"),
            ));
        }
    }
    for t in list("tags") {
        if !codes.contains(&t) {
            errors.push(SeedError::at(
                FINDINGS_FILE,
                id,
                "rule.tags",
                format!("unknown code `{t}`"),
            ));
        }
    }
}

/// Map of area id → position, for stable ordering.
pub fn area_positions(areas: &[Area]) -> HashMap<String, i32> {
    areas
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.clone(), i as i32))
        .collect()
}
