//! What the feedback routes (`ratings`, `plan_feedback`, `moderation`, `insights`, `codebook`,
//! `snapshots`) share: callers' roles, bodies, idempotency, scores and comments, paging
//! parameters, and problems for feedback errors.
//!
//! Feedback routes: visitors rate places and plans (visitor token of the site); operators
//! moderate, read insights, edit the codebook and publish snapshots (operator or admin token).
//!
//! Writes answer after their transaction commits. Rating and plan-feedback POSTs honour
//! `Idempotency-Key`: the same key with the same request replays the stored reply (with
//! `Idempotent-Replayed: true`) and writes nothing; with another request it is refused (422).

use super::error::ApiError;
use super::extract::{ApiJson, TIMESTAMP_YEARS};
use super::roles::{Operator, Visitor};
use crate::auth::Claims;
use crate::domain::Lang;
use crate::domain::Score;
use crate::feedback::coding::{detect_lang, Coder};
use crate::feedback::MAX_COMMENT_CHARS;
use crate::model::Snapshot;
use crate::state::AppState;
use crate::store::feedback::{FeedbackError, Idem, Reply};
use crate::store::{self, StoreError};
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const JSON: &str = "application/json";
pub const CSV: &str = "text/csv; charset=utf-8";

/// Longest `Idempotency-Key`, in bytes.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;
/// How far in the future `visited_at` may lie (clock skew), and how far in the past.
pub(crate) const VISITED_SKEW_MIN: i64 = 10;
pub(crate) const VISITED_MAX_AGE_DAYS: i64 = 366;
/// Default and longest insight ranges, in days.
const DEFAULT_RANGE_DAYS: i64 = 90;
const MAX_RANGE_DAYS: i64 = 3 * 366;
/// Page sizes of rating lists.
pub(crate) const DEFAULT_LIMIT: i64 = 20;
pub(crate) const MAX_LIMIT: i64 = 100;

/// The visitor token of the request, bound to `site`; 401 without a token, 403 for another
/// site's or a non-visitor token.
pub(crate) async fn visitor_of(req: &HttpRequest, site: &str) -> Result<Claims, ApiError> {
    let Visitor(claims) = Visitor::extract(req).await?;
    claims.require_site(site)?;
    Ok(claims)
}

pub(crate) async fn operator_of(req: &HttpRequest) -> Result<Claims, ApiError> {
    let Operator(claims) = Operator::extract(req).await?;
    Ok(claims)
}

/// An operator's request about one site: the snapshot of the path's `{site}`, after the token
/// (401 or 403 first, then 404 for an unknown site).
pub struct OperatorSite {
    pub snap: std::sync::Arc<Snapshot>,
}

impl FromRequest for OperatorSite {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<OperatorSite, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            operator_of(&req).await?;
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| ApiError::internal("no application state".to_string()))?;
            let site = req.match_info().get("site").unwrap_or_default();
            Ok(OperatorSite {
                snap: state.snapshot(site)?,
            })
        })
    }
}

/// The JSON body, read only after authorisation (so a bad token is 401/403 whatever the body).
pub(crate) async fn body_of<T: DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<T, ApiError> {
    let mut p = payload.into_inner();
    let ApiJson(v) = ApiJson::<T>::from_request(req, &mut p).await?;
    Ok(v)
}

/// The `Idempotency-Key` of a request with the fingerprint of the request it names.
pub(crate) fn idempotency(
    req: &HttpRequest,
    canonical: &impl Serialize,
) -> Result<Option<Idem>, ApiError> {
    let Some(v) = req.headers().get("Idempotency-Key") else {
        return Ok(None);
    };
    let key = v
        .to_str()
        .ok()
        .filter(|k| {
            !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY && k.bytes().all(|b| b.is_ascii_graphic())
        })
        .ok_or_else(|| {
            ApiError::invalid(
                "Idempotency-Key",
                format!("the Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters"),
            )
        })?;
    let mut h = Sha256::new();
    h.update(req.method().as_str());
    h.update(b" ");
    h.update(req.path());
    h.update(b"\n");
    h.update(serde_json::to_vec(canonical).expect("serialises"));
    Ok(Some(Idem {
        key: key.to_string(),
        request_hash: hex::encode(h.finalize()),
    }))
}

pub(crate) fn reply(r: Reply, location: Option<String>) -> HttpResponse {
    let mut b = HttpResponse::build(StatusCode::from_u16(r.status).unwrap_or(StatusCode::OK));
    b.content_type(JSON);
    if r.replayed {
        b.insert_header(("Idempotent-Replayed", "true"));
    }
    if let Some(l) = location {
        b.insert_header((header::LOCATION, l));
    }
    b.body(r.body)
}

pub(crate) fn score(field: &str, v: Option<i64>) -> Result<Option<Score>, ApiError> {
    v.map(|x| {
        Score::new(x).ok_or_else(|| {
            ApiError::invalid(
                field,
                format!("{field} must be an integer from 1 to 5, not {x}"),
            )
        })
    })
    .transpose()
}

/// A trimmed comment (empty means none), at most [`MAX_COMMENT_CHARS`] characters.
pub(crate) fn comment(v: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(c) = v else { return Ok(None) };
    let c = c.trim().to_string();
    if c.is_empty() {
        return Ok(None);
    }
    let n = c.chars().count();
    if n > MAX_COMMENT_CHARS {
        return Err(ApiError::invalid(
            "comment",
            format!("the comment has {n} characters; at most {MAX_COMMENT_CHARS} are accepted"),
        ));
    }
    if c.chars()
        .any(|ch| ch.is_control() && !matches!(ch, '\n' | '\r' | '\t'))
    {
        return Err(ApiError::invalid(
            "comment",
            "the comment contains control characters",
        ));
    }
    Ok(Some(c))
}

/// A comment as stored: the trimmed text, its language and its open codes.
pub(crate) struct CodedComment {
    pub(crate) text: Option<String>,
    pub(crate) lang: Option<Lang>,
    pub(crate) codes: Vec<String>,
}

/// Checks and codes a comment with the site's codebook.
pub(crate) fn coded_comment(v: Option<String>, snap: &Snapshot) -> Result<CodedComment, ApiError> {
    let text = comment(v)?;
    Ok(CodedComment {
        lang: text.as_deref().map(detect_lang),
        codes: text
            .as_deref()
            .map(|t| Coder::new(&snap.data.codebook).code(t))
            .unwrap_or_default(),
        text,
    })
}

/// Runs a feedback write on a pooled connection off the async workers.
pub(crate) async fn write(
    state: &web::Data<AppState>,
    f: impl FnOnce(&mut crate::store::DbConn) -> Result<Reply, FeedbackError> + Send + 'static,
) -> Result<Reply, ApiError> {
    let st = state.clone();
    Ok(web::block(move || -> Result<Reply, FeedbackError> {
        let mut c = st.pool.get().map_err(StoreError::from)?;
        f(&mut c)
    })
    .await??)
}

pub(crate) fn site_offset(snap: &Snapshot) -> FixedOffset {
    FixedOffset::east_opt(snap.data.site.utc_offset_min * 60)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"))
}

pub(crate) fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `from`/`to` query parameters: RFC 3339 instants, or site-local dates (`to` inclusive).
/// With `defaults`, the range is the last 90 days up to now when not given.
pub(crate) fn time_bounds(
    pairs: &[(String, String)],
    snap: &Snapshot,
    defaults: bool,
) -> Result<(Option<String>, Option<String>), ApiError> {
    let offset = site_offset(snap);
    let parse = |name: &str, end: bool| -> Result<Option<DateTime<Utc>>, ApiError> {
        let Some(v) = param(pairs, name) else {
            return Ok(None);
        };
        if let Ok(t) = DateTime::parse_from_rfc3339(v) {
            return Ok(Some(t.with_timezone(&Utc)));
        }
        let d = NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
            ApiError::invalid(
                name,
                format!("{name} must be an RFC 3339 instant or a date YYYY-MM-DD"),
            )
        })?;
        let d = if end { d.succ_opt().unwrap_or(d) } else { d };
        let local = d
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_local_timezone(offset)
            .single()
            .expect("fixed offsets are unambiguous");
        Ok(Some(local.with_timezone(&Utc)))
    };
    let parse = |name: &str, end: bool| {
        let t = parse(name, end)?;
        match t {
            Some(t) if !TIMESTAMP_YEARS.contains(&t.with_timezone(&offset).year()) => {
                Err(ApiError::invalid(
                    name,
                    format!(
                        "{name} lies outside the years {}–{}",
                        TIMESTAMP_YEARS.start(),
                        TIMESTAMP_YEARS.end()
                    ),
                ))
            }
            t => Ok(t),
        }
    };
    let mut from = parse("from", false)?;
    let mut to = parse("to", true)?;
    if defaults {
        let t = to.unwrap_or_else(Utc::now);
        to = Some(t);
        from = Some(from.unwrap_or(t - Duration::days(DEFAULT_RANGE_DAYS)));
    }
    if let (Some(f), Some(t)) = (from, to) {
        if f >= t {
            return Err(ApiError::invalid("to", "to must be after from"));
        }
        if t - f > Duration::days(MAX_RANGE_DAYS) {
            return Err(ApiError::invalid(
                "from",
                format!("the range may span at most {MAX_RANGE_DAYS} days"),
            ));
        }
    }
    let text = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    Ok((from.map(text), to.map(text)))
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn audit_record(
    claims: &Claims,
    site: &str,
    action: store::audit::AuditAction,
    entity: store::audit::AuditEntity,
    id: &str,
    revision: i64,
    site_version: i64,
    before: &Value,
    after: &Value,
) -> store::audit::NewAudit {
    store::audit::NewAudit {
        site_id: site.to_string(),
        at: store::now_text(),
        actor: claims.sub.clone(),
        actor_role: claims.role,
        action,
        entity,
        entity_id: id.to_string(),
        revision,
        site_version,
        source: store::audit::AuditSource::Api,
        before_json: Some(before.to_string()),
        after_json: Some(after.to_string()),
    }
}
