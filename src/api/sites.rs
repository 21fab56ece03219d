//! Read API for sites, places, the graph, findings and the offline bundle.

use super::error::ApiError;
use super::extract::{conditional, conditional_json, lang_of, query_pairs, wants_geojson};
use crate::domain::PLACE_KINDS;
use crate::render;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};

pub const JSON: &str = "application/json";
pub const GEOJSON: &str = "application/geo+json";

pub async fn list_sites(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let lang = lang_of(&req);
    let items: Vec<_> = state
        .all_snapshots()
        .iter()
        .map(|s| render::site_summary(&s.data.site, s.version, &s.data.areas, lang))
        .collect();
    Ok(conditional_json(&req, &json!({ "items": items }), JSON))
}

pub async fn get_site(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let snap = state.snapshot(&path)?;
    let lang = lang_of(&req);
    let mut v = render::site_summary(&snap.data.site, snap.version, &snap.data.areas, lang);
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for p in &snap.data.places {
        *counts.entry(p.area.clone()).or_default() += 1;
    }
    v["counts"] = json!({
        "places": snap.data.places.len(),
        "places_by_area": counts,
        "nodes": snap.data.nodes.len(),
        "edges": snap.data.edges.len(),
        "findings": snap.data.findings.len(),
    });
    v["sources"] = json!(snap.data.site.sources);
    Ok(conditional_json(&req, &v, JSON))
}

/// Great-circle distance in metres (mean Earth radius 6 371 008.8 m).
pub fn haversine_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    use geo::{Distance, Haversine, Point};
    Haversine.distance(Point::new(lon1, lat1), Point::new(lon2, lat2))
}

fn list(v: &str) -> Vec<String> {
    v.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

pub const MAX_LIMIT: usize = 200;
const DEFAULT_LIMIT: usize = 50;

pub async fn list_places(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let snap = state.snapshot(&path)?;
    let pairs = query_pairs(
        &req,
        &[
            "kind", "area", "tag", "q", "near", "radius_m", "limit", "cursor",
        ],
    )?;
    let mut kinds = Vec::new();
    let mut areas = Vec::new();
    let mut tags = Vec::new();
    let mut q: Option<String> = None;
    let mut near: Option<(f64, f64)> = None;
    let mut radius: Option<f64> = None;
    let mut limit = DEFAULT_LIMIT;
    let mut cursor: Option<String> = None;
    for (k, v) in &pairs {
        match k.as_str() {
            "kind" => {
                kinds = list(v);
                if let Some(bad) = kinds.iter().find(|k| !PLACE_KINDS.contains(&k.as_str())) {
                    return Err(ApiError::invalid(
                        "kind",
                        format!("unknown kind `{bad}`; known: {}", PLACE_KINDS.join(", ")),
                    ));
                }
            }
            "area" => {
                areas = list(v);
                if let Some(bad) = areas
                    .iter()
                    .find(|a| !snap.data.areas.iter().any(|x| &x.id == *a))
                {
                    return Err(ApiError::invalid("area", format!("unknown area `{bad}`")));
                }
            }
            "tag" => {
                tags = list(v);
                if let Some(bad) = tags
                    .iter()
                    .find(|t| !snap.data.codebook.codes.iter().any(|c| &c.id == *t))
                {
                    return Err(ApiError::invalid(
                        "tag",
                        format!("unknown tag `{bad}` (tags are the codebook's open codes)"),
                    ));
                }
            }
            "q" => {
                let t = v.trim();
                if t.is_empty() || t.chars().count() > 100 {
                    return Err(ApiError::invalid(
                        "q",
                        "search text must be 1 to 100 characters",
                    ));
                }
                q = Some(t.to_lowercase());
            }
            "near" => near = Some(parse_near(v)?),
            "radius_m" => {
                let r: f64 = v.parse().map_err(|_| {
                    ApiError::invalid("radius_m", "radius_m must be a number of metres")
                })?;
                if !(r.is_finite() && r > 0.0 && r <= 50_000.0) {
                    return Err(ApiError::invalid(
                        "radius_m",
                        "radius_m must be greater than 0 and at most 50000",
                    ));
                }
                radius = Some(r);
            }
            "limit" => {
                let l: i64 = v
                    .parse()
                    .map_err(|_| ApiError::invalid("limit", "limit must be an integer"))?;
                if !(1..=MAX_LIMIT as i64).contains(&l) {
                    return Err(ApiError::invalid(
                        "limit",
                        format!("limit must lie within 1..={MAX_LIMIT}"),
                    ));
                }
                limit = l as usize;
            }
            "cursor" => cursor = Some(v.clone()),
            _ => {}
        }
    }
    if radius.is_some() && near.is_none() {
        return Err(ApiError::invalid("radius_m", "radius_m needs near=lat,lon"));
    }
    // The cursor is bound to the query it came from.
    let fingerprint = {
        let mut h = Sha256::new();
        for (k, v) in &pairs {
            if k != "cursor" && k != "limit" {
                h.update(k.as_bytes());
                h.update([0]);
                h.update(v.as_bytes());
                h.update([0]);
            }
        }
        h.update(snap.version.to_le_bytes());
        hex::encode(&h.finalize()[..6])
    };
    let offset = match &cursor {
        None => 0,
        Some(c) => decode_cursor(c, &fingerprint)?,
    };

    let area_pos = crate::seed::area_positions(&snap.data.areas);
    let mut hits: Vec<(usize, Option<f64>)> = Vec::new();
    for (i, p) in snap.data.places.iter().enumerate() {
        if !kinds.is_empty() && !kinds.contains(&p.kind) {
            continue;
        }
        if !areas.is_empty() && !areas.contains(&p.area) {
            continue;
        }
        if !tags.is_empty() && !tags.iter().any(|t| p.tags.contains(t)) {
            continue;
        }
        if let Some(q) = &q {
            let hay = [
                &p.name.zh,
                &p.name.en,
                &p.description.zh,
                &p.description.en,
                &p.id,
            ];
            if !hay.iter().any(|h| h.to_lowercase().contains(q.as_str())) {
                continue;
            }
        }
        let d = near.map(|(lat, lon)| haversine_m(lon, lat, p.lon, p.lat));
        if let (Some(d), Some(r)) = (d, radius) {
            if d > r {
                continue;
            }
        }
        hits.push((i, d));
    }
    if near.is_some() {
        hits.sort_by(|a, b| {
            a.1.partial_cmp(&b.1)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| snap.data.places[a.0].id.cmp(&snap.data.places[b.0].id))
        });
    } else {
        hits.sort_by(|a, b| {
            let (pa, pb) = (&snap.data.places[a.0], &snap.data.places[b.0]);
            area_pos
                .get(&pa.area)
                .cmp(&area_pos.get(&pb.area))
                .then_with(|| pa.id.cmp(&pb.id))
        });
    }
    let total = hits.len();
    let page: Vec<_> = hits.iter().skip(offset).take(limit).collect();
    let next = if offset + page.len() < total {
        Some(encode_cursor(offset + page.len(), &fingerprint))
    } else {
        None
    };
    let lang = lang_of(&req);
    if wants_geojson(&req) {
        let features: Vec<_> = page
            .iter()
            .map(|(i, d)| render::place_feature(&snap.data.places[*i], lang, *d))
            .collect();
        let body = json!({"type": "FeatureCollection", "features": features, "total": total, "next_cursor": next});
        Ok(conditional_json(&req, &body, GEOJSON))
    } else {
        let items: Vec<_> = page
            .iter()
            .map(|(i, d)| render::place_json(&snap.data.places[*i], lang, *d))
            .collect();
        Ok(conditional_json(
            &req,
            &json!({"items": items, "total": total, "next_cursor": next}),
            JSON,
        ))
    }
}

fn parse_near(v: &str) -> Result<(f64, f64), ApiError> {
    let parts: Vec<&str> = v.split(',').map(str::trim).collect();
    let bad = || ApiError::invalid("near", "near must be `lat,lon` in degrees");
    if parts.len() != 2 {
        return Err(bad());
    }
    let lat: f64 = parts[0].parse().map_err(|_| bad())?;
    let lon: f64 = parts[1].parse().map_err(|_| bad())?;
    if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
        return Err(ApiError::invalid(
            "near",
            format!("latitude {lat} is outside -90..90"),
        ));
    }
    if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
        return Err(ApiError::invalid(
            "near",
            format!("longitude {lon} is outside -180..180"),
        ));
    }
    Ok((lat, lon))
}

fn encode_cursor(offset: usize, fingerprint: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("v1:{offset}:{fingerprint}"))
}

fn decode_cursor(c: &str, fingerprint: &str) -> Result<usize, ApiError> {
    let bad = || {
        ApiError::invalid(
            "cursor",
            "malformed cursor; use the next_cursor of a previous page",
        )
    };
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c.as_bytes())
        .map_err(|_| bad())?;
    let s = String::from_utf8(raw).map_err(|_| bad())?;
    let mut it = s.splitn(3, ':');
    if it.next() != Some("v1") {
        return Err(bad());
    }
    let offset: usize = it.next().and_then(|o| o.parse().ok()).ok_or_else(bad)?;
    if it.next() != Some(fingerprint) {
        return Err(ApiError::invalid(
            "cursor",
            "the cursor belongs to another query or an older version of the site",
        ));
    }
    Ok(offset)
}

pub async fn get_place(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let (site, place) = path.into_inner();
    let snap = state.snapshot(&site)?;
    let p = snap
        .place(&place)
        .ok_or_else(|| ApiError::not_found("place", &place))?;
    let lang = lang_of(&req);
    if wants_geojson(&req) {
        Ok(conditional_json(
            &req,
            &render::place_feature(p, lang, None),
            GEOJSON,
        ))
    } else {
        Ok(conditional_json(
            &req,
            &render::place_json(p, lang, None),
            JSON,
        ))
    }
}

pub async fn get_graph(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let snap = state.snapshot(&path)?;
    Ok(conditional(
        &req,
        snap.rendered_graph(lang_of(&req)),
        GEOJSON,
    ))
}

pub async fn list_findings(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let snap = state.snapshot(&path)?;
    let lang = lang_of(&req);
    let items: Vec<_> = snap
        .data
        .findings
        .iter()
        .map(|f| render::finding_json(f, lang))
        .collect();
    Ok(conditional_json(&req, &json!({"items": items}), JSON))
}

pub async fn get_bundle(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let snap = state.snapshot(&path)?;
    Ok(conditional(&req, snap.rendered_bundle(lang_of(&req)), JSON))
}
