//! What the editing handlers of places, nodes, edges and findings share: running an edit
//! through the `site_edit` service, answering with the committed item, and the snapshot
//! rebuild after a commit.
//!
//! `PATCH` and `DELETE` need `If-Match` (428 without, 412 when stale). A committed change bumps
//! the site's version; the snapshot is rebuilt off the request path and swapped in, and other
//! instances are told to reload.

use super::error::ApiError;
use super::extract::{if_match, none_match, query_pairs};
use super::roles::Operator;
use crate::seed::write::Entity;
use crate::services::site_edit::{self as edits, Committed, EditSpec, Op};
use crate::state::AppState;
use crate::store::edits::{Actor, Change};
use crate::store::StoreError;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use std::time::Duration;

/// How long a response waits for the new snapshot before answering anyway.
const INSTALL_WAIT: Duration = Duration::from_secs(5);

/// Who makes a change, from the operator's token.
pub(super) fn actor(op: &Operator) -> Actor {
    Actor {
        user_id: op.0.sub.clone(),
        role: op.0.role,
    }
}

/// A boolean query flag (`true`/`1`/empty or `false`/`0`).
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

/// The answer to a committed edit: the item, its revision ETag and the changes written.
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

/// Runs one edit and answers with the committed item (201 with `Location` for a creation).
pub(super) async fn run_edit(
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
    let if_match = if_match(&req)?;
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

/// The create, update (merge patch), delete and restore handlers of one kind of site data.
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

/// Answers a stored item, 304 when `If-None-Match` names its revision.
pub(super) async fn get_item(
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
    let matches = none_match(&req, &etag);
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

/// The GET handler of one stored item (its seed-format value and revision ETag).
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

pub(super) use {edit_handlers, get_handler};
