//! Read API for sites, the graph and the offline bundle (places and findings have modules of
//! their own).

use super::error::ApiError;
use super::extract::SiteRead;
use super::extract::{conditional, conditional_json, lang_of, query_pairs};
use crate::render;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

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
    SiteRead { snap, lang }: SiteRead,
) -> Result<HttpResponse, ApiError> {
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

/// The pedestrian graph as GeoJSON in the request's language.
pub async fn get_graph(
    req: HttpRequest,
    SiteRead { snap, lang }: SiteRead,
) -> Result<HttpResponse, ApiError> {
    Ok(conditional(&req, snap.rendered_graph(lang), GEOJSON))
}

/// Everything an app needs offline for a site, in one body.
pub async fn get_bundle(
    req: HttpRequest,
    SiteRead { snap, lang }: SiteRead,
) -> Result<HttpResponse, ApiError> {
    Ok(conditional(&req, snap.rendered_bundle(lang), JSON))
}
