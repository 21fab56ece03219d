//! Places: the public list (filters, search, distance, pages) and one place, and operators' edits.

use super::error::ApiError;
use super::extract::json_body;
use super::extract::{conditional_json, lang_of, query_pairs, wants_geojson};
use super::roles::Operator;
use super::site_edits::{edit_handlers, run_edit};
use super::sites::{GEOJSON, JSON};
use crate::domain::PLACE_KINDS;
use crate::render;
use crate::seed::write::Entity;
use crate::services::site_edit::Op;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};

edit_handlers!(
    Entity::Place,
    create_place,
    update_place,
    delete_place,
    restore_place
);

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

/// Largest page of places.
pub const MAX_LIMIT: usize = 200;
const DEFAULT_LIMIT: usize = 50;

/// The query of a place list: filters, search text, distance and page.
#[derive(Debug)]
struct PlaceQuery {
    kinds: Vec<String>,
    areas: Vec<String>,
    tags: Vec<String>,
    /// Lowercased search text.
    q: Option<String>,
    /// `(lat, lon)` to measure distances from.
    near: Option<(f64, f64)>,
    radius_m: Option<f64>,
    limit: usize,
    cursor: Option<String>,
}

impl PlaceQuery {
    /// Reads and checks the query parameters against the site (known kinds, areas and tags).
    fn parse(
        pairs: &[(String, String)],
        data: &crate::domain::SiteData,
    ) -> Result<PlaceQuery, ApiError> {
        let mut q = PlaceQuery {
            kinds: Vec::new(),
            areas: Vec::new(),
            tags: Vec::new(),
            q: None,
            near: None,
            radius_m: None,
            limit: DEFAULT_LIMIT,
            cursor: None,
        };
        for (k, v) in pairs {
            match k.as_str() {
                "kind" => q.kinds = known_kinds(v)?,
                "area" => {
                    q.areas = list(v);
                    if let Some(bad) = q
                        .areas
                        .iter()
                        .find(|a| !data.areas.iter().any(|x| &x.id == *a))
                    {
                        return Err(ApiError::invalid("area", format!("unknown area `{bad}`")));
                    }
                }
                "tag" => {
                    q.tags = list(v);
                    if let Some(bad) = q
                        .tags
                        .iter()
                        .find(|t| !data.codebook.codes.iter().any(|c| &c.id == *t))
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
                    q.q = Some(t.to_lowercase());
                }
                "near" => q.near = Some(parse_near(v)?),
                "radius_m" => q.radius_m = Some(parse_radius(v)?),
                "limit" => q.limit = parse_limit(v)?,
                "cursor" => q.cursor = Some(v.clone()),
                _ => {}
            }
        }
        if q.radius_m.is_some() && q.near.is_none() {
            return Err(ApiError::invalid("radius_m", "radius_m needs near=lat,lon"));
        }
        Ok(q)
    }

    /// Whether a place passes the filters, and its distance from `near` when given.
    fn hit(&self, p: &crate::domain::Place) -> Option<Option<f64>> {
        if !self.kinds.is_empty() && !self.kinds.contains(&p.kind) {
            return None;
        }
        if !self.areas.is_empty() && !self.areas.contains(&p.area) {
            return None;
        }
        if !self.tags.is_empty() && !self.tags.iter().any(|t| p.tags.contains(t)) {
            return None;
        }
        if let Some(q) = &self.q {
            let hay = [
                &p.name.zh,
                &p.name.en,
                &p.description.zh,
                &p.description.en,
                &p.id,
            ];
            if !hay.iter().any(|h| h.to_lowercase().contains(q.as_str())) {
                return None;
            }
        }
        let d = self
            .near
            .map(|(lat, lon)| haversine_m(lon, lat, p.lon, p.lat));
        match (d, self.radius_m) {
            (Some(d), Some(r)) if d > r => None,
            _ => Some(d),
        }
    }
}

/// The `kind` filter: known place kinds only.
fn known_kinds(v: &str) -> Result<Vec<String>, ApiError> {
    let kinds = list(v);
    if let Some(bad) = kinds.iter().find(|k| !PLACE_KINDS.contains(&k.as_str())) {
        return Err(ApiError::invalid(
            "kind",
            format!("unknown kind `{bad}`; known: {}", PLACE_KINDS.join(", ")),
        ));
    }
    Ok(kinds)
}

fn parse_radius(v: &str) -> Result<f64, ApiError> {
    let r: f64 = v
        .parse()
        .map_err(|_| ApiError::invalid("radius_m", "radius_m must be a number of metres"))?;
    if !(r.is_finite() && r > 0.0 && r <= 50_000.0) {
        return Err(ApiError::invalid(
            "radius_m",
            "radius_m must be greater than 0 and at most 50000",
        ));
    }
    Ok(r)
}

fn parse_limit(v: &str) -> Result<usize, ApiError> {
    let l: i64 = v
        .parse()
        .map_err(|_| ApiError::invalid("limit", "limit must be an integer"))?;
    if !(1..=MAX_LIMIT as i64).contains(&l) {
        return Err(ApiError::invalid(
            "limit",
            format!("limit must lie within 1..={MAX_LIMIT}"),
        ));
    }
    Ok(l as usize)
}

/// What a page cursor is bound to: the query without its page parameters, and the site version.
fn query_fingerprint(pairs: &[(String, String)], version: i64) -> String {
    let mut h = Sha256::new();
    for (k, v) in pairs {
        if k != "cursor" && k != "limit" {
            h.update(k.as_bytes());
            h.update([0]);
            h.update(v.as_bytes());
            h.update([0]);
        }
    }
    h.update(version.to_le_bytes());
    hex::encode(&h.finalize()[..6])
}

/// Orders hits by distance when measured, else by the site's area order, then by id.
fn sort_hits(hits: &mut [(usize, Option<f64>)], data: &crate::domain::SiteData, by_distance: bool) {
    if by_distance {
        hits.sort_by(|a, b| {
            a.1.partial_cmp(&b.1)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| data.places[a.0].id.cmp(&data.places[b.0].id))
        });
    } else {
        let area_pos = crate::seed::area_positions(&data.areas);
        hits.sort_by(|a, b| {
            let (pa, pb) = (&data.places[a.0], &data.places[b.0]);
            area_pos
                .get(&pa.area)
                .cmp(&area_pos.get(&pb.area))
                .then_with(|| pa.id.cmp(&pb.id))
        });
    }
}

/// The site's places, filtered, searched, measured from a point and paged (JSON or GeoJSON).
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
    let query = PlaceQuery::parse(&pairs, &snap.data)?;
    // The cursor is bound to the query it came from.
    let fingerprint = query_fingerprint(&pairs, snap.version);
    let offset = match &query.cursor {
        None => 0,
        Some(c) => decode_cursor(c, &fingerprint)?,
    };
    let mut hits: Vec<(usize, Option<f64>)> = snap
        .data
        .places
        .iter()
        .enumerate()
        .filter_map(|(i, p)| query.hit(p).map(|d| (i, d)))
        .collect();
    sort_hits(&mut hits, &snap.data, query.near.is_some());
    let total = hits.len();
    let page: Vec<_> = hits.iter().skip(offset).take(query.limit).collect();
    let next =
        (offset + page.len() < total).then(|| encode_cursor(offset + page.len(), &fingerprint));
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
