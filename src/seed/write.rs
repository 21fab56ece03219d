//! [`SiteData`] back in the seed format: GeoJSON features and finding objects as JSON values
//! ([`SeedDoc`]), and the five files as text. Operator edits change a site in this form and
//! read it again with [`super::parse`], so an edit can never store what the loader would refuse,
//! and a site exported after edits loads again as it is.

use super::files::SeedFiles;
use crate::domain::*;
use serde_json::{json, Value};

/// The kinds of site data operators edit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Entity {
    Place,
    Node,
    Edge,
    Finding,
}

impl Entity {
    pub const ALL: [Entity; 4] = [Entity::Place, Entity::Node, Entity::Edge, Entity::Finding];

    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Place => "place",
            Entity::Node => "node",
            Entity::Edge => "edge",
            Entity::Finding => "finding",
        }
    }

    pub fn parse(s: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// The path segment of the collection (`places`, `nodes`, …).
    pub fn collection(self) -> &'static str {
        match self {
            Entity::Place => "places",
            Entity::Node => "nodes",
            Entity::Edge => "edges",
            Entity::Finding => "findings",
        }
    }

    /// Whether items of this kind are GeoJSON features (findings are plain objects).
    pub fn is_feature(self) -> bool {
        self != Entity::Finding
    }

    /// `properties.feature` of the kinds that share the paths file (`node`, `edge`).
    pub fn feature_tag(self) -> Option<&'static str> {
        match self {
            Entity::Node => Some("node"),
            Entity::Edge => Some("edge"),
            Entity::Place | Entity::Finding => None,
        }
    }

    /// The kind a `properties.feature` names.
    pub fn of_feature_tag(tag: &str) -> Option<Entity> {
        [Entity::Node, Entity::Edge]
            .into_iter()
            .find(|e| e.feature_tag() == Some(tag))
    }

    /// The members allowed at the top of an item in its seed format.
    pub fn members(self) -> &'static [&'static str] {
        if self.is_feature() {
            &["type", "id", "geometry", "properties"]
        } else {
            &["id", "code", "frequency", "text", "rule"]
        }
    }
}

/// A site in its seed format, as JSON values, ready to be edited and re-validated.
#[derive(Clone, Debug)]
pub struct SeedDoc {
    pub site: Value,
    pub places: Vec<Value>,
    pub nodes: Vec<Value>,
    pub edges: Vec<Value>,
    pub findings: Vec<Value>,
    pub codebook: Value,
}

/// A place as a feature of the places file.
pub fn place_feature(p: &Place) -> Value {
    json!({
        "type": "Feature",
        "id": p.id,
        "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
        "properties": {
            "id": p.id,
            "area": p.area,
            "kind": p.kind,
            "name": p.name,
            "description": p.description,
            "elevation_m": p.elevation_m,
            "level": p.level,
            "fee_cny": p.fee_cny,
            "fee_note": p.fee_note,
            "hours": p.hours,
            "dwell_min": p.dwell_min,
            "tags": p.tags,
            "popularity": p.popularity,
            "node": p.node,
            "provenance": p.provenance,
            "sources": p.sources,
            "coord_confidence_m": p.coord_confidence_m,
            "notes": p.notes,
            "closed": p.closed,
            "highlight": p.highlight,
            "container": p.container,
            "queue_min": p.queue_min,
            "booking": p.booking,
        },
    })
}

/// A graph node as a feature of the paths file.
pub fn node_feature(n: &GraphNode) -> Value {
    json!({
        "type": "Feature",
        "id": n.id,
        "geometry": {"type": "Point", "coordinates": [n.lon, n.lat]},
        "properties": {
            "feature": "node",
            "id": n.id,
            "elevation_m": n.elevation_m,
            "level": n.level,
            "area": n.area,
            "name": n.name,
            "provenance": n.provenance,
            "sources": n.sources,
            "coord_confidence_m": n.coord_confidence_m,
        },
    })
}

/// A graph edge as a feature of the paths file.
pub fn edge_feature(e: &GraphEdge) -> Value {
    json!({
        "type": "Feature",
        "id": e.id,
        "geometry": {"type": "LineString", "coordinates": e.geometry},
        "properties": {
            "feature": "edge",
            "id": e.id,
            "from": e.from,
            "to": e.to,
            "kind": e.kind,
            "steps": e.steps,
            "step_free": e.step_free,
            "name": e.name,
            "hint": e.hint,
            "hint_reverse": e.hint_reverse,
            "hint_both_ways": e.hint_both_ways,
            "hint_step_free": e.hint_step_free,
            "provenance": e.provenance,
            "sources": e.sources,
            "closed": e.closed,
        },
    })
}

/// A finding as an entry of the findings file.
pub fn finding_value(f: &FindingRec) -> Value {
    json!({
        "id": f.id,
        "code": f.code,
        "frequency": f.frequency,
        "text": f.text,
        "rule": f.rule,
    })
}

/// The id of a seed feature (`properties.id`, else `id`) or finding (`id`).
pub fn item_id(v: &Value) -> Option<&str> {
    v.get("properties")
        .and_then(|p| p.get("id"))
        .and_then(Value::as_str)
        .or_else(|| v.get("id").and_then(Value::as_str))
}

fn collection(features: &[Value]) -> Value {
    json!({"type": "FeatureCollection", "features": features})
}

impl SeedDoc {
    pub fn of(d: &SiteData) -> SeedDoc {
        let mut site = json!({
                "id": d.site.id,
                "name": d.site.name,
                "description": d.site.description,
                "utc_offset_min": d.site.utc_offset_min,
                "center": d.site.center,
                "bounds": d.site.bounds,
                "areas": d.areas,
                "sources": d.site.sources,
        });
        if !d.site.public_holidays.is_empty() {
            site["public_holidays"] = json!(d.site.public_holidays);
        }
        SeedDoc {
            site,
            places: d.places.iter().map(place_feature).collect(),
            nodes: d.nodes.iter().map(node_feature).collect(),
            edges: d.edges.iter().map(edge_feature).collect(),
            findings: d.findings.iter().map(finding_value).collect(),
            codebook: json!(d.codebook),
        }
    }

    pub fn places_geojson(&self) -> Value {
        collection(&self.places)
    }

    pub fn paths_geojson(&self) -> Value {
        let mut all = self.nodes.clone();
        all.extend(self.edges.iter().cloned());
        collection(&all)
    }

    pub fn findings_doc(&self) -> Value {
        json!({ "findings": self.findings })
    }

    /// The five seed files as text.
    pub fn files(&self) -> SeedFiles {
        let yaml = |v: &Value| serde_yaml::to_string(v).expect("JSON values serialise as YAML");
        SeedFiles {
            site: yaml(&self.site),
            places: self.places_geojson().to_string(),
            paths: self.paths_geojson().to_string(),
            findings: yaml(&self.findings_doc()),
            codebook: yaml(&self.codebook),
        }
    }

    pub fn list(&self, e: Entity) -> &Vec<Value> {
        match e {
            Entity::Place => &self.places,
            Entity::Node => &self.nodes,
            Entity::Edge => &self.edges,
            Entity::Finding => &self.findings,
        }
    }

    pub fn list_mut(&mut self, e: Entity) -> &mut Vec<Value> {
        match e {
            Entity::Place => &mut self.places,
            Entity::Node => &mut self.nodes,
            Entity::Edge => &mut self.edges,
            Entity::Finding => &mut self.findings,
        }
    }

    pub fn find(&self, e: Entity, id: &str) -> Option<&Value> {
        self.list(e).iter().find(|v| item_id(v) == Some(id))
    }

    /// The index of an item in its list.
    pub fn position(&self, e: Entity, id: &str) -> Option<usize> {
        self.list(e).iter().position(|v| item_id(v) == Some(id))
    }
}
