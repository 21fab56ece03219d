//! A site's data in the seed format: bulk import (validated as a whole, written as one change
//! set) and export, as one JSON document or as the seed's files (operators).

use super::error::ApiError;
use super::extract::{parse_json, query_pairs, read_body, require_json};
use super::roles::Operator;
use super::site_edits::{actor, after_commit};
use crate::seed::write::SeedDoc;
use crate::services::site_edit::{self as edits, ImportSpec};
use crate::state::AppState;
use crate::store::audit::AuditAction;
use crate::store::edits::Change;
use crate::store::StoreError;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

/// Largest import body, in bytes.
pub const MAX_IMPORT_BYTES: usize = 8 * 1024 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// places.geojson
    #[serde(default)]
    pub places: Option<Value>,
    /// paths.geojson (nodes and edges)
    #[serde(default)]
    pub paths: Option<Value>,
    /// findings.yaml as JSON: `{"findings": [...]}` or the list itself
    #[serde(default)]
    pub findings: Option<Value>,
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default)]
    pub close_stranded: bool,
}

async fn read_limited(req: &HttpRequest, payload: web::Payload) -> Result<Vec<u8>, ApiError> {
    require_json(req)?;
    Ok(read_body(req, payload.into_inner(), MAX_IMPORT_BYTES)
        .await?
        .to_vec())
}

pub async fn create_import(
    req: HttpRequest,
    state: web::Data<AppState>,
    op: Operator,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let site = path.into_inner();
    let body = read_limited(&req, payload).await?;
    let r: ImportRequest = parse_json(&body)?;
    let mut spec = ImportSpec {
        dry_run: r.dry_run,
        close_stranded: r.close_stranded,
        ..Default::default()
    };
    if let Some(p) = &r.places {
        spec.places = Some(edits::feature_list(p, "places")?);
    }
    if let Some(p) = &r.paths {
        spec.paths = Some(edits::feature_list(p, "paths")?);
    }
    if let Some(f) = &r.findings {
        let list = f.get("findings").unwrap_or(f);
        spec.findings = Some(
            list.as_array()
                .cloned()
                .ok_or_else(|| ApiError::invalid("findings", "expected a list of findings"))?,
        );
    }
    if spec.places.is_none() && spec.paths.is_none() && spec.findings.is_none() {
        return Err(ApiError::invalid(
            "body",
            "give at least one of places, paths or findings",
        ));
    }
    let who = actor(&op);
    let st = state.clone();
    let sid = site.clone();
    let out = web::block(move || -> Result<edits::Imported, ApiError> {
        let mut conn = st.pool.get().map_err(StoreError::from)?;
        Ok(edits::import(&mut conn, &sid, &spec, &who)?)
    })
    .await??;
    if out.written {
        after_commit(&state, &site, out.version).await;
    }
    let mut counts = serde_json::Map::new();
    for a in [
        AuditAction::Create,
        AuditAction::Update,
        AuditAction::Delete,
        AuditAction::Restore,
    ] {
        counts.insert(
            a.as_str().into(),
            json!(out.changes.iter().filter(|c| c.action == a).count()),
        );
    }
    Ok(HttpResponse::Ok()
        .insert_header(("x-site-version", out.version.to_string()))
        .json(json!({
            "dry_run": r.dry_run,
            "written": out.written,
            "site_version": out.version,
            "counts": counts,
            "changes": out.changes.iter().map(Change::summary).collect::<Vec<_>>(),
        })))
}

pub async fn get_export(
    req: HttpRequest,
    state: web::Data<AppState>,
    _op: Operator,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let pairs = query_pairs(&req, &["file"])?;
    let snap = state.snapshot(&path)?;
    let doc = SeedDoc::of(&snap.data);
    let file = pairs.first().map(|(_, v)| v.as_str());
    let yaml = |v: &Value| serde_yaml::to_string(v).expect("JSON values serialise as YAML");
    let (ct, body, name) = match file {
        None => (
            "application/json",
            json!({
                "format": "heritage-guide-seed/1",
                "site_version": snap.version,
                "site": doc.site,
                "places": doc.places_geojson(),
                "paths": doc.paths_geojson(),
                "findings": doc.findings_doc(),
                "codebook": doc.codebook,
            })
            .to_string(),
            format!("{}-v{}.json", snap.data.site.id, snap.version),
        ),
        Some(f @ crate::seed::PLACES_FILE) => ("application/geo+json", doc.places_geojson().to_string(), f.to_string()),
        Some(f @ crate::seed::PATHS_FILE) => ("application/geo+json", doc.paths_geojson().to_string(), f.to_string()),
        Some(f @ crate::seed::SITE_FILE) => ("application/yaml", yaml(&doc.site), f.to_string()),
        Some(f @ crate::seed::FINDINGS_FILE) => ("application/yaml", yaml(&doc.findings_doc()), f.to_string()),
        Some(f @ crate::seed::CODEBOOK_FILE) => ("application/yaml", yaml(&doc.codebook), f.to_string()),
        Some(other) => {
            return Err(ApiError::invalid(
                "file",
                format!("unknown file `{other}`; one of site.yaml, places.geojson, paths.geojson, findings.yaml, codebook.yaml"),
            ))
        }
    };
    let etag = crate::render::strong_etag(body.as_bytes());
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("x-site-version", snap.version.to_string()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .content_type(ct)
        .body(body))
}
