//! Reading a seed's files into [`SiteData`]: YAML and GeoJSON parsing, with every problem
//! reported as a [`SeedError`] naming its file, id and field; the checks are in `validate`.

use super::files::*;
use super::validate::{
    canonicalize, check_areas, check_codebook, check_findings, check_paths, check_places,
    check_site, measure_graph, CodebookFile, FindingEntry,
};
use crate::domain::*;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

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
    findings: Vec<FindingEntry>,
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
    check_site(&site, &mut errors);
    let area_ids = check_areas(&sf.areas, &mut errors);
    let source_ok = |s: &str| s == "study" || s == "estimate" || site.sources.contains_key(s);
    // Codebook first: places and findings refer to its codes.
    let (codebook, code_ids) = check_codebook(cf, &mut errors);
    let (nodes, mut edges) = read_paths(&path_features, &mut errors);
    check_paths(&nodes, &edges, &site, &area_ids, &source_ok, &mut errors);
    let places = read_places(&place_features, &mut errors);
    check_places(
        &places,
        &site,
        &area_ids,
        &code_ids,
        &nodes,
        &source_ok,
        &mut errors,
    );
    // The graph as the planner sees it: lengths, climbs, connectivity.
    if errors.is_empty() {
        measure_graph(&nodes, &mut edges, &places, &mut errors);
    }
    let findings = check_findings(ff.findings, &area_ids, &code_ids, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut data = SiteData {
        site,
        areas: sf.areas,
        nodes,
        edges,
        places,
        findings,
        codebook,
    };
    canonicalize(&mut data);
    Ok(data)
}

/// The nodes and edges of the paths file (lengths and climbs are measured later).
fn read_paths(
    features: &[(String, Value)],
    errors: &mut Vec<SeedError>,
) -> (Vec<GraphNode>, Vec<GraphEdge>) {
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for (id, f) in features {
        let feature = f
            .get("properties")
            .and_then(|p| p.get("feature"))
            .and_then(Value::as_str);
        match feature {
            Some("node") => {
                let (Some(pt), Some(p)) = (
                    point(PATHS_FILE, id, f, errors),
                    props::<NodeProps>(PATHS_FILE, id, f, errors),
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
                    line(PATHS_FILE, id, f, errors),
                    props::<EdgeProps>(PATHS_FILE, id, f, errors),
                ) else {
                    continue;
                };
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
    (nodes, edges)
}

/// The places of the places file.
fn read_places(features: &[(String, Value)], errors: &mut Vec<SeedError>) -> Vec<Place> {
    let mut places = Vec::new();
    for (id, f) in features {
        let (Some(pt), Some(p)) = (
            point(PLACES_FILE, id, f, errors),
            props::<PlaceProps>(PLACES_FILE, id, f, errors),
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
    places
}
