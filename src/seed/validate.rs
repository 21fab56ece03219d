//! Checking a seed as a whole: the site, areas, codebook, graph, places and findings, and the
//! graph's connectivity. Shared by the seed reader and operator edits.

use super::files::*;
use crate::domain::*;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// A code as the codebook file has it: frequency and sentiment are text until
/// [`check_codebook`] reads them, so an unknown one is reported like any other seed error. (Serde
/// names it `Code`, as the messages of malformed files always did.)
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "Code")]
pub(super) struct CodeEntry {
    id: String,
    name: Bilingual,
    category: String,
    frequency: String,
    sentiment: String,
    keywords: Keywords,
}

/// The codebook file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CodebookFile {
    themes: Vec<Theme>,
    categories: Vec<Category>,
    codes: Vec<CodeEntry>,
    #[serde(default)]
    interests: Vec<InterestRec>,
}

/// A finding as the findings file has it (the frequency as text until [`check_findings`]).
#[derive(Deserialize)]
#[serde(rename = "FindingRec")]
pub(super) struct FindingEntry {
    id: String,
    code: String,
    frequency: String,
    text: Bilingual,
    rule: Value,
}

/// Checks the site's own entries: holidays, id, UTC offset, bounds and center.
pub(super) fn check_site(site: &Site, errors: &mut Vec<SeedError>) {
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
}

/// Checks the area ids (valid, unique); returns them.
pub(super) fn check_areas(areas: &[Area], errors: &mut Vec<SeedError>) -> HashSet<String> {
    let mut area_ids = HashSet::new();
    for a in areas {
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
    area_ids
}

/// Checks the codebook: unique ids, known categories and codes, frequencies and sentiments,
/// interests naming known codes and place kinds. Returns the codebook and its code ids.
pub(super) fn check_codebook(
    cb: CodebookFile,
    errors: &mut Vec<SeedError>,
) -> (Codebook, HashSet<String>) {
    let category_ids = check_categories(&cb, errors);
    let (codes, code_ids) = check_codes(cb.codes, &category_ids, errors);
    check_interests(&cb.interests, &code_ids, errors);
    let codebook = Codebook {
        themes: cb.themes,
        categories: cb.categories,
        codes,
        interests: cb.interests,
    };
    (codebook, code_ids)
}

/// Unique category ids, and themes naming known categories; returns the category ids.
fn check_categories(cb: &CodebookFile, errors: &mut Vec<SeedError>) -> HashSet<String> {
    let mut category_ids = HashSet::new();
    for c in &cb.categories {
        if !category_ids.insert(c.id.clone()) {
            errors.push(SeedError::at(
                CODEBOOK_FILE,
                &c.id,
                "categories.id",
                "duplicate category id",
            ));
        }
    }
    for t in &cb.themes {
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
    category_ids
}

/// Unique code ids in known categories, with a frequency and a sentiment each; returns the
/// codes that are whole and every code id.
fn check_codes(
    entries: Vec<CodeEntry>,
    category_ids: &HashSet<String>,
    errors: &mut Vec<SeedError>,
) -> (Vec<Code>, HashSet<String>) {
    let mut code_ids = HashSet::new();
    let mut codes = Vec::new();
    for c in entries {
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
        let frequency = Frequency::parse(&c.frequency);
        if frequency.is_none() {
            errors.push(SeedError::at(
                CODEBOOK_FILE,
                &c.id,
                "frequency",
                "must be high, medium or low",
            ));
        }
        let sentiment = Sentiment::parse(&c.sentiment);
        if sentiment.is_none() {
            errors.push(SeedError::at(
                CODEBOOK_FILE,
                &c.id,
                "sentiment",
                "must be positive, neutral or negative",
            ));
        }
        if let (Some(frequency), Some(sentiment)) = (frequency, sentiment) {
            codes.push(Code {
                id: c.id,
                name: c.name,
                category: c.category,
                frequency,
                sentiment,
                keywords: c.keywords,
            });
        }
    }
    (codes, code_ids)
}

/// Unique interest ids naming known codes and place kinds.
fn check_interests(
    interests: &[InterestRec],
    code_ids: &HashSet<String>,
    errors: &mut Vec<SeedError>,
) {
    let mut interest_ids = HashSet::new();
    for i in interests {
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
}

/// Checks the graph's nodes and edges against the site: ids, provenance, sources, bounds,
/// areas, elevations and edge kinds.
pub(super) fn check_paths(
    nodes: &[GraphNode],
    edges: &[GraphEdge],
    site: &Site,
    area_ids: &HashSet<String>,
    source_ok: &dyn Fn(&str) -> bool,
    errors: &mut Vec<SeedError>,
) {
    for n in nodes {
        check_common(
            PATHS_FILE,
            &n.id,
            &n.provenance,
            &n.sources,
            n.coord_confidence_m,
            source_ok,
            errors,
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
    for e in edges {
        check_common(
            PATHS_FILE,
            &e.id,
            &e.provenance,
            &e.sources,
            1.0,
            source_ok,
            errors,
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
}

/// Checks every place against the site, and that place ids are unique.
pub(super) fn check_places(
    places: &[Place],
    site: &Site,
    area_ids: &HashSet<String>,
    code_ids: &HashSet<String>,
    nodes: &[GraphNode],
    source_ok: &dyn Fn(&str) -> bool,
    errors: &mut Vec<SeedError>,
) {
    let node_ids: HashSet<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
    let mut place_ids = HashSet::new();
    for p in places {
        let errs_before = errors.len();
        validate_place(
            p,
            site,
            area_ids,
            code_ids,
            &node_ids,
            source_ok,
            PLACES_FILE,
            errors,
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
}

/// Measures the graph as the planner sees it (edge lengths and climbs) and checks that it is
/// connected and that no open place is stranded by closed edges.
pub(super) fn measure_graph(
    nodes: &[GraphNode],
    edges: &mut [GraphEdge],
    places: &[Place],
    errors: &mut Vec<SeedError>,
) {
    match crate::model::build_graph(nodes, edges) {
        Ok(graph) => {
            for (e, ge) in edges.iter_mut().zip(graph.edges()) {
                e.length_m = round2(ge.length_m);
                e.ascent_m = round2(ge.ascent_m);
                e.descent_m = round2(ge.descent_m);
            }
            // Closed edges may cut the graph (a stairway under repair), but no open place may
            // be stranded by them.
            for id in stranded_places(&graph, places) {
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
                        format!(
                            "the graph is not connected: nodes {} cannot be reached from the rest",
                            ids.join(", ")
                        ),
                    ));
                }
            }
        }
        Err(e) => errors.push(SeedError::at(PATHS_FILE, &e.id, e.field, e.message)),
    }
}

/// Checks the findings: ids, codes, frequencies and rules. Returns the findings whose frequency
/// is known.
pub(super) fn check_findings(
    findings: Vec<FindingEntry>,
    area_ids: &HashSet<String>,
    code_ids: &HashSet<String>,
    errors: &mut Vec<SeedError>,
) -> Vec<FindingRec> {
    let mut finding_ids = HashSet::new();
    let mut out = Vec::new();
    for f in findings {
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
        let frequency = Frequency::parse(&f.frequency);
        if frequency.is_none() {
            errors.push(SeedError::at(
                FINDINGS_FILE,
                &f.id,
                "frequency",
                "must be high, medium or low",
            ));
        }
        validate_rule(&f.id, &f.rule, area_ids, code_ids, errors);
        if let Some(frequency) = frequency {
            out.push(FindingRec {
                id: f.id,
                code: f.code,
                frequency,
                text: f.text,
                rule: f.rule,
            });
        }
    }
    out
}

pub(super) fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
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
    let mut fail = |field: &str, message: String| {
        errors.push(SeedError::at(file, &p.id, field, message));
    };
    if !(p.lon.is_finite() && p.lat.is_finite() && site.bounds.contains(p.lon, p.lat)) {
        fail("geometry", "outside the site's bounds".into());
    }
    if !area_ids.contains(&p.area) {
        fail("area", format!("unknown area `{}`", p.area));
    }
    if !PLACE_KINDS.contains(&p.kind.as_str()) {
        fail("kind", format!("unknown place kind `{}`", p.kind));
    }
    if !(p.fee_cny.is_finite() && p.fee_cny >= 0.0) {
        fail("fee_cny", "must be a number ≥ 0".into());
    }
    if !(0.0..=1.0).contains(&p.popularity) {
        fail("popularity", "must lie within 0..1".into());
    }
    if p.dwell_min > 600 {
        fail("dwell_min", "at most 600 minutes".into());
    }
    if p.queue_min > 600 {
        fail("queue_min", "at most 600 minutes".into());
    }
    if p.container && p.highlight {
        fail(
            "highlight",
            "a container (a park or area as a whole) is never a stop, so it cannot be a highlight"
                .into(),
        );
    }
    if let Err(e) = planner::hours::OpeningHours::parse(&p.hours) {
        fail("hours", e);
    }
    for t in &p.tags {
        if !code_ids.contains(t) {
            fail("tags", format!("unknown code `{t}`"));
        }
    }
    if !node_ids.contains(p.node.as_str()) {
        fail("node", format!("unknown graph node `{}`", p.node));
    }
    if p.name.zh.trim().is_empty() || p.name.en.trim().is_empty() {
        fail("name", "both zh and en names are required".into());
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
