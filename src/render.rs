//! JSON and GeoJSON views of the site model. Names and descriptions come in the requested
//! language (`name`) and in both (`names`).

use crate::domain::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// A strong ETag (quoted) from a response body.
pub fn strong_etag(body: &[u8]) -> String {
    let d = Sha256::digest(body);
    format!("\"{}\"", hex::encode(&d[..16]))
}

fn opt_bi(b: &Option<Bilingual>, lang: Lang) -> Value {
    match b {
        Some(b) => json!(lang.pick(b)),
        None => Value::Null,
    }
}

pub fn site_summary(s: &Site, version: i64, areas: &[Area], lang: Lang) -> Value {
    json!({
        "id": s.id,
        "name": lang.pick(&s.name),
        "names": s.name,
        "description": lang.pick(&s.description),
        "descriptions": s.description,
        "version": version,
        "utc_offset_min": s.utc_offset_min,
        "center": {"lon": s.center[0], "lat": s.center[1]},
        "bounds": s.bounds,
        "areas": areas.iter().map(|a| area_json(a, lang)).collect::<Vec<_>>(),
    })
}

pub fn area_json(a: &Area, lang: Lang) -> Value {
    json!({
        "id": a.id,
        "name": lang.pick(&a.name),
        "names": a.name,
        "description": lang.pick(&a.description),
        "descriptions": a.description,
    })
}

/// A place as the JSON list and detail show it; `distance_m` when the request asked `near`.
pub fn place_json(p: &Place, lang: Lang, distance_m: Option<f64>) -> Value {
    let mut v = json!({
        "id": p.id,
        "kind": p.kind,
        "area": p.area,
        "name": lang.pick(&p.name),
        "names": p.name,
        "description": lang.pick(&p.description),
        "descriptions": p.description,
        "location": {"lon": p.lon, "lat": p.lat},
        "elevation_m": p.elevation_m,
        "level": p.level,
        "fee_cny": p.fee_cny,
        "fee_note": opt_bi(&p.fee_note, lang),
        "hours": p.hours,
        "dwell_min": p.dwell_min,
        "tags": p.tags,
        "popularity": p.popularity,
        "node": p.node,
        "closed": p.closed,
        "highlight": p.highlight,
        "container": p.container,
        "queue_min": p.queue_min,
        "booking": p.booking,
        "provenance": {
            "basis": p.provenance,
            "sources": p.sources,
            "coord_confidence_m": p.coord_confidence_m,
            "notes": p.notes,
        },
    });
    if let Some(d) = distance_m {
        v["distance_m"] = json!((d * 10.0).round() / 10.0);
    }
    v
}

/// A place as a GeoJSON Feature (properties are the JSON view without the location).
pub fn place_feature(p: &Place, lang: Lang, distance_m: Option<f64>) -> Value {
    let mut props = place_json(p, lang, distance_m);
    if let Some(o) = props.as_object_mut() {
        o.remove("location");
    }
    json!({
        "type": "Feature",
        "id": p.id,
        "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
        "properties": props,
    })
}

pub fn node_feature(n: &GraphNode, lang: Lang) -> Value {
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
            "name": opt_bi(&n.name, lang),
            "names": n.name,
            "provenance": {"basis": n.provenance, "sources": n.sources, "coord_confidence_m": n.coord_confidence_m},
        },
    })
}

pub fn edge_feature(e: &GraphEdge, lang: Lang) -> Value {
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
            "length_m": e.length_m,
            "ascent_m": e.ascent_m,
            "descent_m": e.descent_m,
            "steps": e.steps,
            "step_free": e.step_free,
            "name": opt_bi(&e.name, lang),
            "names": e.name,
            "hint": opt_bi(&e.hint, lang),
            "hints": e.hint,
            "hint_reverse": opt_bi(&e.hint_reverse, lang),
            "hints_reverse": e.hint_reverse,
            "hint_both_ways": e.hint_both_ways,
            "hint_step_free": e.hint_step_free,
            "closed": e.closed,
            "provenance": {"basis": e.provenance, "sources": e.sources},
        },
    })
}

pub fn graph_geojson(d: &SiteData, lang: Lang) -> Value {
    let mut features: Vec<Value> = d.nodes.iter().map(|n| node_feature(n, lang)).collect();
    features.extend(d.edges.iter().map(|e| edge_feature(e, lang)));
    json!({"type": "FeatureCollection", "features": features})
}

pub fn finding_json(f: &FindingRec, lang: Lang) -> Value {
    json!({
        "id": f.id,
        "code": f.code,
        "frequency": f.frequency,
        "text": lang.pick(&f.text),
        "texts": f.text,
        "rule": f.rule,
    })
}

/// Everything the app needs offline for one site.
pub fn bundle(d: &SiteData, version: i64, lang: Lang) -> Value {
    json!({
        "site": site_summary(&d.site, version, &d.areas, lang),
        "lang": lang.as_str(),
        "places": {
            "type": "FeatureCollection",
            "features": d.places.iter().map(|p| place_feature(p, lang, None)).collect::<Vec<_>>(),
        },
        "graph": graph_geojson(d, lang),
        "findings": d.findings.iter().map(|f| finding_json(f, lang)).collect::<Vec<_>>(),
        "interests": d.codebook.interests.iter().map(|i| json!({
            "id": i.id, "name": lang.pick(&i.name), "names": i.name, "tags": i.tags, "kinds": i.kinds,
        })).collect::<Vec<_>>(),
        "sources": d.site.sources,
    })
}
