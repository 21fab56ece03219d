//! Visit records imported by operators: a CSV or JSON-lines body (`docs/visits-format.md`),
//! validated line by line, stored idempotently and audited.

use super::error::ApiError;
use super::extract::{query_pairs, read_body};
use super::roles::Operator;
use crate::services::visits::{self as svc, Format, Importer};
use crate::state::AppState;
use crate::store::audit::AuditSource;
use crate::store::StoreError;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

/// Largest visits body, in bytes (decoded).
pub const MAX_VISITS_BYTES: usize = 8 * 1024 * 1024;

/// `POST /v1/sites/{site}/visits`: imports visit records (`text/csv` with a header, or
/// `application/x-ndjson`). Nothing is written when any line is wrong; the 400 lists each bad
/// line with its field. Operators and admins.
pub async fn create_visits(
    req: HttpRequest,
    state: web::Data<AppState>,
    Operator(claims): Operator,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let site = path.into_inner();
    let snap = state.snapshot(&site)?;
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let format = Format::from_media_type(ct).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            "visit records are text/csv (with a header) or application/x-ndjson",
        )
        .with_field("Content-Type")
    })?;
    let body = read_body(&req, payload.into_inner(), MAX_VISITS_BYTES)
        .await?
        .to_vec();
    let text = std::str::from_utf8(&body)
        .map_err(|e| ApiError::invalid("body", format!("the body is not UTF-8: {e}")))?;
    let records = svc::parse_file(
        &snap.data,
        text,
        format,
        &state.visitor_salt,
        chrono::Utc::now(),
    )
    .map_err(|e| {
        let first = &e.errors[0];
        let mut p = ApiError::invalid(&first.field, first.to_string());
        p.code = "validation_failed";
        p.title = "Validation failed";
        p.with_member("errors", json!(e.errors))
            .with_member("error_count", json!(e.total))
    })?;
    let who = Importer {
        actor: claims.sub.clone(),
        role: claims.role,
        source: AuditSource::Import,
    };
    let st = state.clone();
    let version = snap.version;
    let out = web::block(move || -> Result<svc::Imported, StoreError> {
        let mut c = st.pool.get()?;
        svc::import(&mut c, &site, version, format, &body, &records, &who)
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(out))
}
