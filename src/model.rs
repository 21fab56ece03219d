//! The site snapshot: everything requests read for one site, built once from the store into an
//! immutable value behind an `Arc` and swapped whole when the data changes.

use crate::domain::*;
use crate::render;
use planner::graph::{EdgeKind, EdgeSpec, Graph, GraphError, NodeSpec};
use planner::model::{Finding, Interest, PlaceSpec, PlaceStats, PlanningModel, SiteInfo};
use std::collections::HashMap;
use std::sync::Arc;

/// Builds the planner's graph from stored nodes and edges (derives lengths and climbs).
pub fn build_graph(nodes: &[GraphNode], edges: &[GraphEdge]) -> Result<Graph, GraphError> {
    let node_specs = nodes
        .iter()
        .map(|n| NodeSpec {
            id: n.id.clone(),
            lon: n.lon,
            lat: n.lat,
            elevation_m: n.elevation_m,
            name: n.name.clone(),
        })
        .collect();
    let mut edge_specs = Vec::with_capacity(edges.len());
    for e in edges {
        let kind = EdgeKind::parse(&e.kind).ok_or_else(|| GraphError {
            id: e.id.clone(),
            field: "kind",
            message: format!("unknown edge kind `{}`", e.kind),
        })?;
        edge_specs.push(EdgeSpec {
            id: e.id.clone(),
            from: e.from.clone(),
            to: e.to.clone(),
            kind,
            geometry: e.geometry.clone(),
            steps: e.steps,
            step_free: e.step_free,
            name: e.name.clone(),
            hint: e.hint.clone(),
            hint_reverse: e.hint_reverse.clone(),
            hint_both_ways: e.hint_both_ways,
            hint_step_free: e.hint_step_free,
            closed: e.closed,
        });
    }
    Graph::build(node_specs, edge_specs)
}

/// A pre-rendered response body with its strong ETag.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub body: bytes::Bytes,
    pub etag: String,
    /// The body gzip-compressed ahead of time, for large bodies served often (the bundle, the
    /// graph), so requests do not pay for compression.
    pub gzip: Option<bytes::Bytes>,
}

impl Rendered {
    pub fn json(value: &serde_json::Value) -> Rendered {
        let body = serde_json::to_vec(value).expect("serialises");
        let etag = render::strong_etag(&body);
        Rendered {
            body: body.into(),
            etag,
            gzip: None,
        }
    }

    /// Like [`Rendered::json`], with a gzip copy made once.
    pub fn json_precompressed(value: &serde_json::Value) -> Rendered {
        use std::io::Write;
        let mut r = Rendered::json(value);
        let mut enc = flate2::write::GzEncoder::new(
            Vec::with_capacity(r.body.len() / 4),
            flate2::Compression::best(),
        );
        enc.write_all(&r.body).expect("in-memory write");
        r.gzip = Some(enc.finish().expect("in-memory write").into());
        r
    }

    /// The ETag of the gzip copy (a different representation, so a different strong tag).
    pub fn gzip_etag(&self) -> String {
        format!("{}-gz\"", self.etag.trim_end_matches('"'))
    }
}

/// One site's immutable snapshot.
pub struct Snapshot {
    pub version: i64,
    pub data: SiteData,
    pub planning: PlanningModel,
    pub place_index: HashMap<String, usize>,
    /// Pre-rendered graph and bundle, per language (index 0 = zh, 1 = en).
    pub graph: [Rendered; 2],
    pub bundle: [Rendered; 2],
}

impl Snapshot {
    pub fn place(&self, id: &str) -> Option<&Place> {
        self.place_index.get(id).map(|&i| &self.data.places[i])
    }

    pub fn rendered_graph(&self, lang: Lang) -> &Rendered {
        &self.graph[lang_ix(lang)]
    }

    pub fn rendered_bundle(&self, lang: Lang) -> &Rendered {
        &self.bundle[lang_ix(lang)]
    }
}

fn lang_ix(lang: Lang) -> usize {
    match lang {
        Lang::Zh => 0,
        Lang::En => 1,
    }
}

/// Builds a snapshot; fails only when stored data no longer satisfies the planner (which the
/// loader and editors prevent).
pub fn build_snapshot(
    data: SiteData,
    version: i64,
    stats: HashMap<String, PlaceStats>,
) -> Result<Arc<Snapshot>, String> {
    let graph = build_graph(&data.nodes, &data.edges)
        .map_err(|e| format!("{}: {}: {}", e.id, e.field, e.message))?;
    let site = SiteInfo {
        id: data.site.id.clone(),
        utc_offset_min: data.site.utc_offset_min,
        center_lon: data.site.center[0],
        center_lat: data.site.center[1],
        areas: data.areas.iter().map(|a| a.id.clone()).collect(),
        area_names: data.areas.iter().map(|a| a.name.clone()).collect(),
        public_holidays: planner::hours::Holidays::parse_iso(&data.site.public_holidays)
            .map_err(|e| format!("{}: public_holidays{e}", data.site.id))?
            .iter()
            .collect(),
    };
    let places = data
        .places
        .iter()
        .map(|p| PlaceSpec {
            id: p.id.clone(),
            area: p.area.clone(),
            kind: p.kind.clone(),
            name: p.name.clone(),
            fee_cny: p.fee_cny,
            hours: p.hours.clone(),
            dwell_min: p.dwell_min,
            tags: p.tags.clone(),
            popularity: p.popularity,
            node: p.node.clone(),
            closed: p.closed,
            highlight: p.highlight,
            container: p.container,
            queue_min: p.queue_min,
            booking: p.booking,
            description: Some(p.description.clone()),
        })
        .collect();
    let mut findings = Vec::new();
    for f in &data.findings {
        let rule = serde_json::from_value(f.rule.clone())
            .map_err(|e| format!("finding {}: rule: {e}", f.id))?;
        findings.push(Finding {
            id: f.id.clone(),
            code: f.code.clone(),
            frequency: f.frequency.as_str().to_string(),
            text: f.text.clone(),
            rule,
        });
    }
    let interests = data
        .codebook
        .interests
        .iter()
        .map(|i| Interest {
            id: i.id.clone(),
            name: i.name.clone(),
            tags: i.tags.clone(),
            kinds: i.kinds.clone(),
        })
        .collect();
    let planning = PlanningModel::build(site, graph, places, findings, interests, stats, version)
        .map_err(|e| format!("{}: {}: {}", e.id, e.field, e.message))?;
    let place_index = data
        .places
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.clone(), i))
        .collect();
    let graph_r = [Lang::Zh, Lang::En]
        .map(|l| Rendered::json_precompressed(&render::graph_geojson(&data, l)));
    let bundle_r = [Lang::Zh, Lang::En]
        .map(|l| Rendered::json_precompressed(&render::bundle(&data, version, l)));
    Ok(Arc::new(Snapshot {
        version,
        data,
        planning,
        place_index,
        graph: graph_r,
        bundle: bundle_r,
    }))
}
