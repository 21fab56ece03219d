//! Snapshot publications: operators list them and publish the current aggregates at once.

use super::error::ApiError;
use super::extract::query_pairs;
use super::feedback_common::*;
use crate::feedback::PublicationReason;
use crate::services::publication as publisher;
use crate::state::AppState;
use crate::store::feedback::{self as fstore};
use crate::store::StoreError;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

/// `GET /v1/sites/{site}/snapshots`: the current version and every publication. Operators.
pub async fn list_snapshots(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let site = path.into_inner();
    operator_of(&req).await?;
    query_pairs(&req, &[])?;
    let snap = state.snapshot(&site)?;
    let st = state.clone();
    let sid = site.clone();
    let pubs = web::block(move || -> Result<_, StoreError> {
        let mut c = st.pool.get()?;
        fstore::publications(&mut c, &sid)
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "site": site,
            "current_version": snap.version,
            "interval_min": state.settings.snapshot_interval_min,
            "publications": pubs,
        })))
}

/// `POST /v1/sites/{site}/snapshots`: publish a snapshot with the current aggregates now.
/// Operators.
pub async fn create_snapshot(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let site = path.into_inner();
    let claims = operator_of(&req).await?;
    query_pairs(&req, &[])?;
    state.snapshot(&site)?;
    let published = publisher::publish(
        &state.into_inner(),
        &site,
        true,
        PublicationReason::Operator,
        Some(claims.sub),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("site", &site))?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/sites/{site}/snapshots")))
        .json(published))
}
