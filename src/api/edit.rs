//! Operator editing of site data: create, patch (JSON merge patch over the seed format), soft
//! delete and restore places, graph nodes, graph edges and findings; bulk import and export in
//! the seed format; the audit log.
//!
//! `PATCH` and `DELETE` need `If-Match` (428 without, 412 when stale). A committed change bumps
//! the site's version; the snapshot is rebuilt off the request path and swapped in, and other
//! instances are told to reload.

use super::error::ApiError;
use super::extract::{json_body, parse_json, payload_too_large, query_pairs, require_json};
use super::roles::Operator;
use crate::seed::write::{Entity, SeedDoc};
use crate::services::site_edit::{self as edits, Committed, EditSpec, ImportSpec, Op};
use crate::state::AppState;
use crate::store::audit::{self, AuditAction};
use crate::store::edits::{Actor, Change};
use crate::store::StoreError;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

/// Largest import body, in bytes.
pub const MAX_IMPORT_BYTES: usize = 8 * 1024 * 1024;
/// How long a response waits for the new snapshot before answering anyway.
const INSTALL_WAIT: Duration = Duration::from_secs(5);

fn actor(op: &Operator) -> Actor {
    Actor {
        user_id: op.0.sub.clone(),
        role: op.0.role,
    }
}

fn flag(req: &HttpRequest, name: &str) -> Result<bool, ApiError> {
    let pairs = query_pairs(req, &[name])?;
    match pairs.first().map(|(_, v)| v.as_str()) {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") | Some("") => Ok(true),
        Some(_) => Err(ApiError::invalid(
            name,
            format!("{name} must be true or false"),
        )),
    }
}

/// After a commit: rebuild the site's snapshot on the blocking pool and swap it in (the response
/// waits for it a bounded time), and tell the other instances.
pub async fn after_commit(state: &web::Data<AppState>, site: &str, version: i64) {
    let st = state.clone();
    let sid = site.to_string();
    let rebuild = tokio::task::spawn_blocking(move || -> Result<Option<i64>, String> {
        let mut conn = st.pool.get().map_err(|e| e.to_string())?;
        st.reload_site_blocking(&mut conn, &sid)
    });
    let publish = state.cache.publish_change(site, version);
    let (rebuilt, ()) = futures_util::join!(tokio::time::timeout(INSTALL_WAIT, rebuild), publish);
    match rebuilt {
        Ok(Ok(Ok(_))) => {}
        Ok(Ok(Err(e))) => tracing::error!(site, version, error = %e, "snapshot rebuild failed"),
        Ok(Err(e)) => tracing::error!(site, version, error = %e, "snapshot rebuild panicked"),
        Err(_) => tracing::warn!(
            site,
            version,
            "snapshot rebuild is slow; answering before it lands"
        ),
    }
}

fn edit_response(status: StatusCode, site: &str, e: Entity, c: &Committed) -> HttpResponse {
    let mut b = HttpResponse::build(status);
    b.insert_header(("x-site-version", c.version.to_string()));
    if c.item.is_some() {
        b.insert_header((header::ETAG, edits::revision_etag(c.revision)));
    }
    if status == StatusCode::CREATED {
        b.insert_header((
            header::LOCATION,
            format!("/v1/sites/{site}/{}/{}", e.collection(), c.id),
        ));
    }
    b.json(json!({
        "id": c.id,
        "item": c.item,
        "revision": c.revision,
        "site_version": c.version,
        "changes": c.changes.iter().map(Change::summary).collect::<Vec<_>>(),
    }))
}

async fn run_edit(
    req: HttpRequest,
    state: web::Data<AppState>,
    op: Operator,
    site: String,
    entity: Entity,
    id: Option<String>,
    what: Op,
) -> Result<HttpResponse, ApiError> {
    let close_stranded = flag(&req, "close_stranded")?;
    let status = match what {
        Op::Create(_) => StatusCode::CREATED,
        _ => StatusCode::OK,
    };
    let if_match = req
        .headers()
        .get(header::IF_MATCH)
        .map(|v| {
            v.to_str()
                .map(str::to_string)
                .map_err(|_| ApiError::invalid("If-Match", "If-Match must be ASCII"))
        })
        .transpose()?;
    let spec = EditSpec {
        entity,
        id,
        op: what,
        if_match,
        close_stranded,
    };
    let who = actor(&op);
    let st = state.clone();
    let sid = site.clone();
    let committed = web::block(move || -> Result<Committed, ApiError> {
        let mut conn = st.pool.get().map_err(StoreError::from)?;
        Ok(edits::edit(&mut conn, &sid, &spec, &who)?)
    })
    .await??;
    if !committed.changes.is_empty() {
        after_commit(&state, &site, committed.version).await;
    }
    Ok(edit_response(status, &site, entity, &committed))
}

macro_rules! edit_handlers {
    ($entity:expr, $create:ident, $update:ident, $delete:ident, $restore:ident) => {
        pub async fn $create(
            req: HttpRequest,
            state: web::Data<AppState>,
            op: Operator,
            path: web::Path<String>,
            payload: web::Payload,
        ) -> Result<HttpResponse, ApiError> {
            let site = path.into_inner();
            let body = json_body(&req, payload).await?;
            run_edit(req, state, op, site, $entity, None, Op::Create(body)).await
        }

        pub async fn $update(
            req: HttpRequest,
            state: web::Data<AppState>,
            op: Operator,
            path: web::Path<(String, String)>,
            payload: web::Payload,
        ) -> Result<HttpResponse, ApiError> {
            let (site, id) = path.into_inner();
            let body = json_body(&req, payload).await?;
            run_edit(req, state, op, site, $entity, Some(id), Op::Patch(body)).await
        }

        pub async fn $delete(
            req: HttpRequest,
            state: web::Data<AppState>,
            op: Operator,
            path: web::Path<(String, String)>,
        ) -> Result<HttpResponse, ApiError> {
            let (site, id) = path.into_inner();
            run_edit(req, state, op, site, $entity, Some(id), Op::Delete).await
        }

        pub async fn $restore(
            req: HttpRequest,
            state: web::Data<AppState>,
            op: Operator,
            path: web::Path<(String, String)>,
        ) -> Result<HttpResponse, ApiError> {
            let (site, id) = path.into_inner();
            run_edit(req, state, op, site, $entity, Some(id), Op::Restore).await
        }
    };
}

edit_handlers!(
    Entity::Place,
    create_place,
    update_place,
    delete_place,
    restore_place
);
edit_handlers!(
    Entity::Node,
    create_node,
    update_node,
    delete_node,
    restore_node
);
edit_handlers!(
    Entity::Edge,
    create_edge,
    update_edge,
    delete_edge,
    restore_edge
);
edit_handlers!(
    Entity::Finding,
    create_finding,
    update_finding,
    delete_finding,
    restore_finding
);

async fn get_item(
    req: HttpRequest,
    state: web::Data<AppState>,
    site: String,
    id: String,
    e: Entity,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    state.snapshot(&site)?;
    let st = state.clone();
    let iid = id.clone();
    let found = web::block(move || -> Result<Option<(Value, i64)>, StoreError> {
        let mut conn = st.pool.get()?;
        edits::live_item(&mut conn, &site, e, &iid)
    })
    .await??;
    let (value, rev) = found.ok_or_else(|| ApiError::not_found(e.as_str(), &id))?;
    let etag = edits::revision_etag(rev);
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').map(str::trim).any(|t| t == etag || t == "*"));
    let mut b = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    b.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    if matches {
        return Ok(b.finish());
    }
    let ct = if e == Entity::Finding {
        "application/json"
    } else {
        "application/geo+json"
    };
    Ok(b.content_type(ct).body(value.to_string()))
}

macro_rules! get_handler {
    ($name:ident, $entity:expr) => {
        pub async fn $name(
            req: HttpRequest,
            state: web::Data<AppState>,
            path: web::Path<(String, String)>,
        ) -> Result<HttpResponse, ApiError> {
            let (site, id) = path.into_inner();
            get_item(req, state, site, id, $entity).await
        }
    };
}

get_handler!(get_node, Entity::Node);
get_handler!(get_edge, Entity::Edge);
get_handler!(get_finding, Entity::Finding);

// ---------------------------------------------------------------------------------------------
// Audit.

pub async fn list_audit(
    req: HttpRequest,
    state: web::Data<AppState>,
    _op: Operator,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let site = path.into_inner();
    state.snapshot(&site)?;
    let pairs = query_pairs(&req, &["limit", "cursor", "entity", "entity_id", "actor"])?;
    let mut q = audit::AuditQuery {
        limit: 50,
        ..Default::default()
    };
    for (k, v) in pairs {
        match k.as_str() {
            "limit" => {
                q.limit = v
                    .parse::<i64>()
                    .ok()
                    .filter(|l| (1..=200).contains(l))
                    .ok_or_else(|| ApiError::invalid("limit", "limit must lie within 1..=200"))?
            }
            "cursor" => {
                let bad = || ApiError::invalid("cursor", "malformed cursor; use next_cursor");
                let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(v.as_bytes())
                    .map_err(|_| bad())?;
                let s = String::from_utf8(raw).map_err(|_| bad())?;
                q.before_id = Some(
                    s.strip_prefix("a1:")
                        .and_then(|n| n.parse().ok())
                        .ok_or_else(bad)?,
                );
            }
            "entity" => {
                let e = Entity::parse(&v).ok_or_else(|| {
                    ApiError::invalid("entity", "entity must be place, node, edge or finding")
                })?;
                q.entity = Some(e.into());
            }
            "entity_id" => q.entity_id = Some(v),
            "actor" => q.actor = Some(v),
            _ => {}
        }
    }
    let st = state.clone();
    let limit = q.limit;
    let rows = web::block(move || -> Result<Vec<audit::Audit>, StoreError> {
        let mut conn = st.pool.get()?;
        audit::page(&mut conn, &site, &q)
    })
    .await??;
    let next = (rows.len() as i64 == limit)
        .then(|| rows.last())
        .flatten()
        .map(|r| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("a1:{}", r.id)));
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "items": rows.iter().map(audit::Audit::to_json).collect::<Vec<_>>(),
            "next_cursor": next,
        })))
}

// ---------------------------------------------------------------------------------------------
// Import and export.

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

async fn read_limited(req: &HttpRequest, mut payload: web::Payload) -> Result<Vec<u8>, ApiError> {
    let too_large = || payload_too_large(MAX_IMPORT_BYTES);
    require_json(req)?;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|l| l > MAX_IMPORT_BYTES) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::invalid("body", format!("could not read the body: {e}")))?;
        if body.len() + chunk.len() > MAX_IMPORT_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
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
