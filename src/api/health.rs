//! Liveness, readiness and the API contract.

use super::error::ApiError;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use serde_json::json;
use std::time::Duration;

pub const OPENAPI_YAML: &str = include_str!("../../openapi.yaml");

pub async fn get_health() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Ready when the database answers (and Redis, when configured).
pub async fn get_ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
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
        Ok(HttpResponse::Ok().json(body))
    } else {
        Err(ApiError::unavailable("the database is not reachable"))
    }
}

pub async fn get_openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/yaml")
        .body(OPENAPI_YAML)
}
