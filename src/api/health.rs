//! Liveness, readiness and the API contract.

use super::error::ApiError;
use super::extract::{conditional, conditional_json};
use crate::model::Rendered;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use std::sync::atomic::Ordering;
use std::time::Duration;

pub const OPENAPI_YAML: &str = include_str!("../../openapi.yaml");

pub async fn get_health(req: HttpRequest) -> HttpResponse {
    conditional_json(&req, &json!({"status": "ok"}), "application/json")
}

/// How long readiness waits for each dependency. Both are checked at the same time, so
/// `readyz` answers within about this long whatever hangs.
pub const READY_TIMEOUT: Duration = Duration::from_millis(800);

/// Clears the database probe's flag when the probe ends, however it ends.
struct ProbeDone(std::sync::Arc<AppState>);

impl Drop for ProbeDone {
    fn drop(&mut self) {
        self.0.db_probe_running.store(false, Ordering::Release);
    }
}

/// `ok`, `unreachable` (the pool or the query failed) or `not_answering` (no answer within
/// [`READY_TIMEOUT`], or the previous probe is still waiting for one).
async fn database_check(state: std::sync::Arc<AppState>) -> &'static str {
    if state.db_probe_running.swap(true, Ordering::AcqRel) {
        return "not_answering";
    }
    let done = ProbeDone(state.clone());
    let probe = tokio::task::spawn_blocking(move || -> Result<(), String> {
        use diesel::connection::SimpleConnection;
        let _done = done;
        let mut c = _done
            .0
            .pool
            .get_timeout(READY_TIMEOUT)
            .map_err(|e| e.to_string())?;
        c.batch_execute("SELECT 1").map_err(|e| e.to_string())
    });
    match tokio::time::timeout(READY_TIMEOUT, probe).await {
        Ok(Ok(Ok(()))) => "ok",
        Ok(Ok(Err(e))) => {
            tracing::warn!(error = %crate::config::redact(&e), "database not ready");
            "unreachable"
        }
        Ok(Err(_)) => "unreachable",
        Err(_) => {
            tracing::warn!("database not answering");
            "not_answering"
        }
    }
}

/// `in-process`, or for Redis `ok` or `unreachable` (refused, failed or silent).
async fn cache_check(state: &AppState) -> &'static str {
    let Some(url) = &state.settings.redis_url else {
        return "in-process";
    };
    match tokio::time::timeout(
        READY_TIMEOUT,
        crate::cache::ping_redis(url, Duration::from_millis(500)),
    )
    .await
    {
        Ok(Ok(())) => "ok",
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "redis not reachable");
            "unreachable"
        }
        Err(_) => {
            tracing::warn!("redis not answering");
            "unreachable"
        }
    }
}

/// Ready when the database answers; Redis, when configured, is checked at the same time and
/// an unusable Redis makes the instance `degraded` (it answers from memory), not unready.
/// Each check waits at most [`READY_TIMEOUT`].
pub async fn get_ready(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (db, cache) = tokio::join!(
        database_check(state.clone().into_inner()),
        cache_check(&state)
    );
    let checks = json!({
        "database": db,
        "backend": state.backend.as_str(),
        "cache": cache,
    });
    if db != "ok" {
        let why = if db == "not_answering" {
            "not answering"
        } else {
            "not reachable"
        };
        return Err(
            ApiError::unavailable(format!("not ready: the database is {why}"))
                .with_member("checks", checks),
        );
    }
    let body = json!({
        "status": if cache == "unreachable" { "degraded" } else { "ready" },
        "checks": checks,
        "sites": state.all_snapshots().iter().map(|s| json!({"id": s.data.site.id, "version": s.version})).collect::<Vec<_>>(),
    });
    Ok(conditional_json(&req, &body, "application/json"))
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
