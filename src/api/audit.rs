//! The audit log of a site's data: every change with its actor, revision and before/after
//! values, newest first, in pages (operators).

use super::error::ApiError;
use super::extract::query_pairs;
use super::roles::Operator;
use crate::state::AppState;
use crate::store::audit;
use crate::store::StoreError;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use serde_json::json;

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
                let e = crate::store::audit::AuditEntity::parse(&v).ok_or_else(|| {
                    let all: Vec<&str> = crate::store::audit::AuditEntity::ALL
                        .iter()
                        .map(|e| e.as_str())
                        .collect();
                    ApiError::invalid(
                        "entity",
                        format!("entity must be one of {}", all.join(", ")),
                    )
                })?;
                q.entity = Some(e);
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
