//! Request helpers: strict JSON bodies whose errors name the field, query strings parsed with
//! unknown parameters refused, language and conditional-GET handling.

use super::error::ApiError;
use crate::domain::Lang;
use crate::model::Rendered;
use crate::services::site_edit::IfMatch;
use actix_web::http::{header, StatusCode};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

/// The years every timestamp the API accepts lies in (plan start times, visit times, query
/// ranges), in the site's time.
pub const TIMESTAMP_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Largest JSON body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A JSON body parsed strictly; errors are 400 problems naming the field path, 413 when too large,
/// 415 when not JSON.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let payload = payload.take();
        let req = req.clone();
        Box::pin(async move {
            let mime = ct.split(';').next().unwrap_or("").trim().to_string();
            if !(mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json")))
            {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "Unsupported media type",
                    "the body must be JSON (Content-Type: application/json)",
                )
                .with_field("Content-Type"));
            }
            let body = read_body(&req, payload, MAX_BODY_BYTES).await?;
            parse_json(&body).map(ApiJson)
        })
    }
}

/// The encodings a request body may come in (`Content-Encoding`); the body is decoded before it
/// is read.
const BODY_ENCODINGS: &[&str] = &["identity", "gzip", "x-gzip", "deflate", "br"];

/// Reads a request body, decoded from its `Content-Encoding` (gzip, deflate or br), refusing it
/// with 413 when it or its decoded form exceeds `limit` bytes, with 415 for another encoding, and
/// with 400 when it cannot be read or decoded.
pub async fn read_body(
    req: &HttpRequest,
    payload: Payload,
    limit: usize,
) -> Result<web::BytesMut, ApiError> {
    let encoding = req
        .headers()
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("").trim().to_ascii_lowercase());
    if let Some(enc) = &encoding {
        if !BODY_ENCODINGS.contains(&enc.as_str()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported media type",
                format!(
                    "a body encoded as `{enc}` cannot be read; use one of {}",
                    BODY_ENCODINGS.join(", ")
                ),
            )
            .with_field("Content-Encoding"));
        }
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|l| l > limit) {
        return Err(payload_too_large(limit));
    }
    let mut decoded = actix_http::encoding::Decoder::from_headers(payload, req.headers());
    let mut body = web::BytesMut::new();
    while let Some(chunk) = decoded.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::invalid("body", format!("could not read the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(payload_too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Parses JSON into `T`, turning serde's error into a problem that names the field path.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let msg = inner.to_string();
        let mut field = if path == "." || path.is_empty() {
            "body".to_string()
        } else {
            path
        };
        if let Some(f) = crate::seed::field_of_serde_message(&msg) {
            if msg.starts_with("unknown field") || msg.starts_with("missing field") {
                field = if field == "body" {
                    f
                } else if field == f || field.ends_with(&format!(".{f}")) {
                    // The path already ends at the field (serde_path_to_error names an unknown
                    // key when it was read before the error).
                    field
                } else {
                    format!("{field}.{f}")
                };
            }
        }
        let detail = if inner.is_syntax() || inner.is_eof() {
            format!("the body is not valid JSON: {msg}")
        } else {
            msg
        };
        ApiError::invalid(&field, detail)
    })?;
    // One JSON value and nothing after it (`{…}{…}` or `{…} trailing` is not a body).
    de.end().map_err(|e| {
        ApiError::invalid(
            "body",
            format!("the body is not valid JSON: {e} (one JSON value expected)"),
        )
    })?;
    Ok(value)
}

/// Query parameters as (name, value) pairs; refuses names outside `allowed` and repeats.
pub fn query_pairs(req: &HttpRequest, allowed: &[&str]) -> Result<Vec<(String, String)>, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|e| ApiError::invalid("query", format!("malformed query string: {e}")))?;
    let mut seen = std::collections::HashSet::new();
    for (k, _) in &pairs {
        if !allowed.contains(&k.as_str()) {
            return Err(ApiError::invalid(
                k,
                format!(
                    "unknown query parameter `{k}`; allowed: {}",
                    allowed.join(", ")
                ),
            ));
        }
        if !seen.insert(k.clone()) {
            return Err(ApiError::invalid(
                k,
                format!("query parameter `{k}` given more than once"),
            ));
        }
    }
    Ok(pairs)
}

/// The response language from `Accept-Language`.
pub fn lang_of(req: &HttpRequest) -> Lang {
    Lang::from_accept_language(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// Whether the client asked for GeoJSON.
pub fn wants_geojson(req: &HttpRequest) -> bool {
    accepts(req, "application/geo+json")
}

/// Whether `Accept` names this media type (parameters and q-values aside).
pub fn accepts(req: &HttpRequest, media: &str) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .map(|a| {
            a.split(',').any(|p| {
                p.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .eq_ignore_ascii_case(media)
            })
        })
        .unwrap_or(false)
}

/// Whether `If-None-Match` is `*` or names `etag` (weak comparison, RFC 9110 §13.1.2). Absent
/// or malformed, it names nothing.
pub fn none_match(req: &HttpRequest, etag: &str) -> bool {
    use actix_web::http::header::{EntityTag, Header, IfNoneMatch};
    if !req.headers().contains_key(header::IF_NONE_MATCH) {
        return false;
    }
    let Ok(ours) = etag.parse::<EntityTag>() else {
        return false;
    };
    match IfNoneMatch::parse(req) {
        Ok(IfNoneMatch::Any) => true,
        Ok(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(&ours)),
        Err(_) => false,
    }
}

/// `If-Match` as the editing services compare it: `*`, or its strong entity tags (a weak tag
/// never matches under strong comparison, RFC 9110 §13.1.1). `None` without the header; a
/// malformed header names no tag, so it fails the precondition. 400 unless it is ASCII.
pub fn if_match(req: &HttpRequest) -> Result<Option<IfMatch>, ApiError> {
    use actix_web::http::header::{Header, IfMatch as IfMatchHeader};
    let Some(raw) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    if raw.to_str().is_err() {
        return Err(ApiError::invalid("If-Match", "If-Match must be ASCII"));
    }
    Ok(Some(match IfMatchHeader::parse(req) {
        Ok(IfMatchHeader::Any) => IfMatch::Any,
        Ok(IfMatchHeader::Items(tags)) => IfMatch::Tags(
            tags.iter()
                .filter(|t| !t.weak)
                .map(|t| t.to_string())
                .collect(),
        ),
        Err(_) => IfMatch::Tags(Vec::new()),
    }))
}

/// A GET response with a strong ETag; 304 when `If-None-Match` matches.
pub fn conditional(req: &HttpRequest, rendered: &Rendered, content_type: &str) -> HttpResponse {
    let gzip = rendered.gzip.as_ref().filter(|_| accepts_gzip(req));
    let etag = if gzip.is_some() {
        rendered.gzip_etag()
    } else {
        rendered.etag.clone()
    };
    let fresh = none_match(req, &rendered.etag)
        || (rendered.gzip.is_some() && none_match(req, &rendered.gzip_etag()));
    let mut b = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    b.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::VARY, "Accept, Accept-Language, Accept-Encoding"));
    if fresh {
        return b.finish();
    }
    match gzip {
        // Already encoded: the compression middleware leaves it alone.
        Some(gz) => b
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .content_type(content_type)
            .body(gz.clone()),
        None => b.content_type(content_type).body(rendered.body.clone()),
    }
}

/// Whether `Accept-Encoding` allows gzip (q > 0).
fn accepts_gzip(req: &HttpRequest) -> bool {
    let Some(v) = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    v.split(',').any(|part| {
        let mut it = part.trim().split(';');
        let coding = it.next().unwrap_or("").trim();
        let q = it
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .map(|q| q.trim().parse::<f32>().unwrap_or(0.0))
            })
            .unwrap_or(1.0);
        (coding.eq_ignore_ascii_case("gzip") || coding == "*") && q > 0.0
    })
}

/// Renders a JSON value as a conditional GET response.
pub fn conditional_json(
    req: &HttpRequest,
    value: &serde_json::Value,
    content_type: &str,
) -> HttpResponse {
    conditional(req, &Rendered::json(value), content_type)
}

/// Reads a strict JSON body after the handler's other extractors ran, so an unauthenticated
/// request is refused for its credentials before its body is looked at.
pub async fn json_body<T: serde::de::DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<T, ApiError> {
    use actix_web::FromRequest;
    let mut pl = payload.into_inner();
    ApiJson::<T>::from_request(req, &mut pl).await.map(|j| j.0)
}

/// 413 for a body over `limit` bytes.
pub fn payload_too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "Payload too large",
        format!("the body must be at most {limit} bytes"),
    )
    .with_field("body")
}

/// 415 unless the request says its body is JSON (`application/json` or `application/*+json`).
pub fn require_json(req: &HttpRequest) -> Result<(), ApiError> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json")) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            "the body must be JSON (Content-Type: application/json)",
        )
        .with_field("Content-Type"))
    }
}

/// Marks a response as not to be stored by any cache (tokens, accounts).
pub fn no_store(mut b: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    b.insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"));
    b
}

/// A public read of one site: the snapshot of the path's `{site}` and the request's language,
/// for a GET that takes no query parameters (400 naming any it is given, 404 for an unknown
/// site).
pub struct SiteRead {
    pub snap: std::sync::Arc<crate::model::Snapshot>,
    pub lang: Lang,
}

impl FromRequest for SiteRead {
    type Error = ApiError;
    type Future = std::future::Ready<Result<SiteRead, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready((|| {
            query_pairs(req, &[])?;
            let state = req
                .app_data::<web::Data<crate::state::AppState>>()
                .ok_or_else(|| ApiError::internal("no application state".to_string()))?;
            let site = req.match_info().get("site").unwrap_or_default();
            Ok(SiteRead {
                snap: state.snapshot(site)?,
                lang: lang_of(req),
            })
        })())
    }
}
