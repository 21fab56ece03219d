//! Liveness, readiness and the API contract.

use super::error::ApiError;
use super::extract::{conditional, conditional_json};
use crate::model::Rendered;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use std::time::Duration;

pub const OPENAPI_YAML: &str = include_str!("../../openapi.yaml");

pub async fn get_health(req: HttpRequest) -> HttpResponse {
    conditional_json(&req, &json!({"status": "ok"}), "application/json")
}

/// Ready when the database answers (and Redis, when configured).
pub async fn get_ready(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let st = state.clone();
    let db = tokio::time::timeout(
        Duration::from_secs(3),
        web::block(move || -> Result<(), String> {
            use diesel::connection::SimpleConnection;
            let mut c = st.pool.get().map_err(|e| e.to_string())?;
            c.batch_execute("SELECT 1").map_err(|e| e.to_string())
        }),
    )
    .await;
    let db_ok = matches!(db, Ok(Ok(Ok(()))));
    let cache = match &state.settings.redis_url {
        None => "in-process".to_string(),
        Some(url) => match crate::cache::ping_redis(url, Duration::from_millis(500)).await {
            Ok(()) => "ok".to_string(),
            Err(e) => {
                tracing::warn!(error = %e, "redis not reachable");
                "unreachable".to_string()
            }
        },
    };
    let body = json!({
        "status": if db_ok { if cache == "unreachable" { "degraded" } else { "ready" } } else { "unavailable" },
        "checks": {
            "database": if db_ok { "ok" } else { "unreachable" },
            "backend": state.backend.as_str(),
            "cache": cache,
        },
        "sites": state.all_snapshots().iter().map(|s| json!({"id": s.data.site.id, "version": s.version})).collect::<Vec<_>>(),
    });
    if db_ok {
        Ok(conditional_json(&req, &body, "application/json"))
    } else {
        Err(ApiError::unavailable("the database is not reachable"))
    }
}

pub async fn get_openapi(req: HttpRequest) -> HttpResponse {
    static RENDERED: std::sync::OnceLock<Rendered> = std::sync::OnceLock::new();
    let r = RENDERED.get_or_init(|| {
        let body = bytes::Bytes::from_static(OPENAPI_YAML.as_bytes());
        Rendered {
            etag: crate::render::strong_etag(&body),
            body,
            gzip: None,
        }
    });
    conditional(&req, r, "application/yaml")
}
