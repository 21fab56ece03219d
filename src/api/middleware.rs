//! HTTP middleware on top of the cache: rate limits per client IP and per bearer token, and a
//! response cache for hot public GETs keyed by the site's version (so an edit invalidates it
//! without any purge).

use super::error::ApiError;
use super::extract::{lang_of, none_match, wants_geojson};
use crate::state::AppState;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// The rate-limit window.
pub const WINDOW: Duration = Duration::from_secs(60);
/// How long a cached response is kept (the site version in its key makes it exact).
pub const RESPONSE_TTL: Duration = Duration::from_secs(300);
/// Largest body kept in the response cache.
pub const MAX_CACHED_BODY: usize = 256 * 1024;

/// Routes exempt from rate limits (probes).
pub const UNLIMITED: &[&str] = &["/healthz", "/readyz", "/openapi.yaml"];

/// The public GET routes whose responses are cached.
const CACHED_ROUTES: &[&str] = &[
    "/v1/sites/{site}",
    "/v1/sites/{site}/places",
    "/v1/sites/{site}/places/{place}",
    "/v1/sites/{site}/findings",
];

/// The client's IP: the peer address, or the first `X-Forwarded-For` hop behind a trusted proxy.
pub fn client_ip(req: &HttpRequest, trust_proxy: bool) -> String {
    if trust_proxy {
        if let Some(first) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
        {
            return first.to_string();
        }
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// A short stable digest for cache and limiter keys.
pub fn digest(s: &str) -> String {
    hex::encode(&Sha256::digest(s.as_bytes())[..12])
}

/// Limits requests per client IP and per bearer token (429 with `Retry-After`).
pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    };
    if UNLIMITED.contains(&req.path()) {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    }
    let limits = &state.settings.limits;
    let ip = client_ip(req.request(), state.settings.trust_proxy);
    let mut checks = Vec::new();
    if limits.per_ip_per_min > 0 {
        checks.push((
            state.cache.key(&["rl", "ip", &ip]),
            limits.per_ip_per_min,
            "this client",
        ));
    }
    if limits.per_token_per_min > 0 {
        if let Ok(Some(tok)) = super::roles::bearer_token(req.request()) {
            checks.push((
                state.cache.key(&["rl", "tok", &digest(tok)]),
                limits.per_token_per_min,
                "this token",
            ));
        }
    }
    for (key, limit, who) in checks {
        let d = state.cache.rate(&key, limit, WINDOW).await;
        if !d.allowed {
            let e = ApiError::too_many_requests(
                d.retry_after_s,
                format!(
                    "too many requests from {who} (at most {limit} a minute); retry in {} s",
                    d.retry_after_s
                ),
            );
            return Ok(req.into_response(e.error_response()));
        }
    }
    next.call(req).await.map(|r| r.map_into_boxed_body())
}

fn frame(content_type: &str, etag: &str, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(body.len() + 128);
    for part in [content_type.as_bytes(), etag.as_bytes()] {
        v.extend_from_slice(&(part.len() as u16).to_be_bytes());
        v.extend_from_slice(part);
    }
    v.extend_from_slice(body);
    v
}

fn unframe(v: &[u8]) -> Option<(String, String, &[u8])> {
    let mut rest = v;
    let mut parts = Vec::new();
    for _ in 0..2 {
        if rest.len() < 2 {
            return None;
        }
        let n = u16::from_be_bytes([rest[0], rest[1]]) as usize;
        rest = &rest[2..];
        if rest.len() < n {
            return None;
        }
        parts.push(String::from_utf8(rest[..n].to_vec()).ok()?);
        rest = &rest[n..];
    }
    let etag = parts.pop()?;
    let ct = parts.pop()?;
    Some((ct, etag, rest))
}

fn cached_response(req: &HttpRequest, ct: &str, etag: &str, body: &[u8]) -> HttpResponse {
    let mut b = if none_match(req, etag) {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    b.insert_header((header::ETAG, etag.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::VARY, "Accept, Accept-Language, Accept-Encoding"))
        .insert_header(("x-cache", "hit"));
    if none_match(req, etag) {
        return b.finish();
    }
    b.content_type(ct.to_string()).body(body.to_vec())
}

/// Serves hot public GETs from the cache, keyed by site version, path, query, format and
/// language; fills it on a miss.
pub async fn response_cache(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let cached = req
        .match_pattern()
        .is_some_and(|p| CACHED_ROUTES.contains(&p.as_str()));
    let (Some(state), true, true) = (state, cached, req.method() == Method::GET) else {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    };
    let site = req.path().split('/').nth(3).unwrap_or("").to_string();
    let Ok(snap) = state.snapshot(&site) else {
        return next.call(req).await.map(|r| r.map_into_boxed_body());
    };
    let variant = format!(
        "{}?{}|{}|{}",
        req.path(),
        req.query_string(),
        lang_of(req.request()).as_str(),
        if wants_geojson(req.request()) {
            "geo"
        } else {
            "json"
        }
    );
    let key = state
        .cache
        .key(&["rc", &site, &snap.version.to_string(), &digest(&variant)]);
    drop(snap);
    if let Some(v) = state.cache.get(&key).await {
        if let Some((ct, etag, body)) = unframe(&v) {
            let resp = cached_response(req.request(), &ct, &etag, body);
            return Ok(req.into_response(resp));
        }
    }
    let res = next.call(req).await?;
    let cacheable = res.status() == StatusCode::OK
        && res.headers().contains_key(header::ETAG)
        && res.headers().contains_key(header::CONTENT_TYPE);
    if !cacheable {
        return Ok(res.map_into_boxed_body());
    }
    let (http_req, res) = res.into_parts();
    let (mut head, body) = res.into_parts();
    let bytes = match actix_web::body::to_bytes(body).await {
        Ok(b) => b,
        Err(_) => {
            return Ok(ServiceResponse::new(
                http_req,
                ApiError::internal("response body could not be read").error_response(),
            ))
        }
    };
    let h = |n: header::HeaderName| {
        head.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (ct, etag) = (h(header::CONTENT_TYPE), h(header::ETAG));
    if bytes.len() <= MAX_CACHED_BODY {
        state
            .cache
            .put(&key, frame(&ct, &etag, &bytes), RESPONSE_TTL)
            .await;
    }
    head.headers_mut().insert(
        header::HeaderName::from_static("x-cache"),
        header::HeaderValue::from_static("miss"),
    );
    let res = head.set_body(BoxBody::new(bytes));
    Ok(ServiceResponse::new(http_req, res))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let f = frame("application/json", "\"abc\"", b"{}");
        let (ct, etag, body) = unframe(&f).unwrap();
        assert_eq!(
            (ct.as_str(), etag.as_str(), body),
            ("application/json", "\"abc\"", &b"{}"[..])
        );
        assert!(unframe(&f[..3]).is_none());
    }
}
