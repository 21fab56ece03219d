//! Feedback routes: visitors rate places and plans (visitor token of the site); operators
//! moderate, read insights, edit the codebook and publish snapshots (operator or admin token).
//!
//! Writes answer after their transaction commits. Rating and plan-feedback POSTs honour
//! `Idempotency-Key`: the same key with the same request replays the stored reply (with
//! `Idempotent-Replayed: true`) and writes nothing; with another request it is refused (422).

use super::error::ApiError;
use super::extract::{accepts, conditional_json, lang_of, parse_json, query_pairs, ApiJson};
use super::roles::{Authenticated, Operator, Visitor};
use crate::auth::Claims;
use crate::domain::{Bilingual, Code, Keywords, Lang};
use crate::feedback::aggregates::{place_stats, prior_for, site_stats, SlotCounts};
use crate::feedback::coding::{detect_lang, Coder};
use crate::feedback::insights::{self, Input};
use crate::feedback::publisher;
use crate::feedback::{hour_of_week, FOLLOWED, MAX_COMMENT_CHARS, SKIP_REASONS};
use crate::model::Snapshot;
use crate::state::AppState;
use crate::store::feedback::{
    self as fstore, FeedbackError, FeedbackRecord, Idem, Moderation, Reply, View,
};
use crate::store::{self, StoreError};
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

pub const JSON: &str = "application/json";
pub const CSV: &str = "text/csv; charset=utf-8";

/// Longest `Idempotency-Key`, in bytes.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;
/// How far in the future `visited_at` may lie (clock skew), and how far in the past.
const VISITED_SKEW_MIN: i64 = 10;
const VISITED_MAX_AGE_DAYS: i64 = 366;
/// Default and longest insight ranges, in days.
const DEFAULT_RANGE_DAYS: i64 = 90;
const MAX_RANGE_DAYS: i64 = 3 * 366;
/// Page sizes of rating lists.
const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 100;

impl From<FeedbackError> for ApiError {
    fn from(e: FeedbackError) -> ApiError {
        match e {
            FeedbackError::Store(s) => s.into(),
            FeedbackError::KeyReused | FeedbackError::KeyTaken => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "Idempotency key reused",
                "this Idempotency-Key was already used with a different request; use a new key",
            )
            .with_field("Idempotency-Key"),
        }
    }
}

/// The visitor token of the request, bound to `site`; 401 without a token, 403 for another
/// site's or a non-visitor token.
async fn visitor_of(req: &HttpRequest, site: &str) -> Result<Claims, ApiError> {
    let Visitor(claims) = Visitor::extract(req).await?;
    claims.require_site(site)?;
    Ok(claims)
}

async fn operator_of(req: &HttpRequest) -> Result<Claims, ApiError> {
    let Operator(claims) = Operator::extract(req).await?;
    Ok(claims)
}

/// The JSON body, read only after authorisation (so a bad token is 401/403 whatever the body).
async fn body_of<T: DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<T, ApiError> {
    let mut p = payload.into_inner();
    let ApiJson(v) = ApiJson::<T>::from_request(req, &mut p).await?;
    Ok(v)
}

/// The `Idempotency-Key` of a request with the fingerprint of the request it names.
fn idempotency(req: &HttpRequest, canonical: &impl Serialize) -> Result<Option<Idem>, ApiError> {
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

fn reply(r: Reply, location: Option<String>) -> HttpResponse {
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

fn score(field: &str, v: Option<i64>) -> Result<Option<i32>, ApiError> {
    match v {
        None => Ok(None),
        Some(x) if (1..=5).contains(&x) => Ok(Some(x as i32)),
        Some(x) => Err(ApiError::invalid(
            field,
            format!("{field} must be an integer from 1 to 5, not {x}"),
        )),
    }
}

/// A trimmed comment (empty means none), at most [`MAX_COMMENT_CHARS`] characters.
fn comment(v: Option<String>) -> Result<Option<String>, ApiError> {
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
struct CodedComment {
    text: Option<String>,
    lang: Option<String>,
    codes: Vec<String>,
}

/// Checks and codes a comment with the site's codebook.
fn coded_comment(v: Option<String>, snap: &Snapshot) -> Result<CodedComment, ApiError> {
    let text = comment(v)?;
    Ok(CodedComment {
        lang: text.as_deref().map(|t| detect_lang(t).to_string()),
        codes: text
            .as_deref()
            .map(|t| Coder::new(&snap.data.codebook).code(t))
            .unwrap_or_default(),
        text,
    })
}

/// Runs a feedback write on a pooled connection off the async workers.
async fn write(
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

fn site_offset(snap: &Snapshot) -> FixedOffset {
    FixedOffset::east_opt(snap.data.site.utc_offset_min * 60)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"))
}

// ---------------------------------------------------------------------------------------------
// Ratings

/// `POST /v1/sites/{site}/places/{place}/ratings` body.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RatingBody {
    pub overall: i64,
    #[serde(default)]
    pub value_for_money: Option<i64>,
    #[serde(default)]
    pub crowding: Option<i64>,
    #[serde(default)]
    pub findability: Option<i64>,
    #[serde(default)]
    pub photos_ok: Option<bool>,
    #[serde(default)]
    pub visited_at: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

pub async fn create_rating(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (site, place) = path.into_inner();
    let snap = state.snapshot(&site)?;
    let claims = visitor_of(&req, &site).await?;
    if snap.place(&place).is_none() {
        return Err(ApiError::not_found("place", &place));
    }
    let body: RatingBody = body_of(&req, payload).await?;
    let idem = idempotency(&req, &body)?;
    let overall = score("overall", Some(body.overall))?.expect("given");
    let now = Utc::now();
    let visited = match &body.visited_at {
        None => None,
        Some(s) => {
            let t = DateTime::parse_from_rfc3339(s)
                .map_err(|e| {
                    ApiError::invalid(
                        "visited_at",
                        format!("visited_at must be RFC 3339 with an offset: {e}"),
                    )
                })?
                .with_timezone(&Utc);
            if t > now + Duration::minutes(VISITED_SKEW_MIN) {
                return Err(ApiError::invalid(
                    "visited_at",
                    "visited_at lies in the future",
                ));
            }
            if t < now - Duration::days(VISITED_MAX_AGE_DAYS) {
                return Err(ApiError::invalid(
                    "visited_at",
                    format!("visited_at is more than {VISITED_MAX_AGE_DAYS} days ago"),
                ));
            }
            Some(t)
        }
    };
    let crowding = score("crowding", body.crowding)?;
    let comment = coded_comment(body.comment.clone(), &snap)?;
    let input = fstore::RatingInput {
        site_id: site.clone(),
        place_id: place.clone(),
        visitor_id: claims.sub.clone(),
        overall,
        value_for_money: score("value_for_money", body.value_for_money)?,
        crowding,
        findability: score("findability", body.findability)?,
        photos_ok: body.photos_ok,
        visited_at: visited.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        crowd_slot: crowding
            .map(|_| hour_of_week(visited.unwrap_or(now), snap.data.site.utc_offset_min)),
        comment_lang: comment.lang,
        codes: comment.codes,
        comment: comment.text,
    };
    let r = write(&state, move |c| {
        fstore::write_rating(c, &input, idem.as_ref())
    })
    .await?;
    let location = serde_json::from_str::<Value>(&r.body).ok().and_then(|v| {
        v["id"]
            .as_str()
            .map(|id| format!("/v1/sites/{site}/ratings/{id}"))
    });
    Ok(reply(r, location))
}

fn cursor_of(pairs: &[(String, String)]) -> Result<Option<(String, String)>, ApiError> {
    let Some((_, c)) = pairs.iter().find(|(k, _)| k == "cursor") else {
        return Ok(None);
    };
    use base64::Engine;
    let bad = || ApiError::invalid("cursor", "the cursor is not one this API gave");
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .map_err(|_| bad())?;
    let s = String::from_utf8(raw).map_err(|_| bad())?;
    let (at, id) = s.split_once('|').ok_or_else(bad)?;
    Ok(Some((at.to_string(), id.to_string())))
}

fn make_cursor(at: &str, id: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{at}|{id}"))
}

fn limit_of(pairs: &[(String, String)]) -> Result<i64, ApiError> {
    match pairs.iter().find(|(k, _)| k == "limit") {
        None => Ok(DEFAULT_LIMIT),
        Some((_, v)) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::invalid(
                    "limit",
                    format!("limit must be an integer from 1 to {MAX_LIMIT}"),
                )
            }),
    }
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

async fn page_of_ratings(
    state: &web::Data<AppState>,
    q: fstore::RatingQuery,
    view: View,
) -> Result<(Vec<Value>, Option<String>), ApiError> {
    let st = state.clone();
    let limit = q.limit;
    let mut rows = web::block(move || -> Result<_, StoreError> {
        let mut c = st.pool.get()?;
        fstore::list_ratings(&mut c, &q)
    })
    .await??;
    let next = (rows.len() as i64 > limit).then(|| {
        rows.truncate(limit as usize);
        let last = rows.last().expect("a full page");
        make_cursor(&last.updated_at, &last.id)
    });
    Ok((rows.iter().map(|r| r.to_json(view)).collect(), next))
}

/// `GET /v1/sites/{site}/places/{place}/ratings`: the place's aggregates as the planner sees
/// them and a page of visible comments, newest first. Public.
pub async fn list_place_ratings(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (site, place) = path.into_inner();
    let pairs = query_pairs(&req, &["limit", "cursor"])?;
    let snap = state.snapshot(&site)?;
    let p = snap
        .place(&place)
        .ok_or_else(|| ApiError::not_found("place", &place))?
        .clone();
    let q = fstore::RatingQuery {
        site: site.clone(),
        place: Some(place.clone()),
        with_comment: true,
        public: true,
        limit: limit_of(&pairs)?,
        after: cursor_of(&pairs)?,
        ..Default::default()
    };
    let (items, next) = page_of_ratings(&state, q, View::Public).await?;
    let st = state.clone();
    let sid = site.clone();
    let agg = web::block(move || -> Result<_, StoreError> {
        let mut c = st.pool.get()?;
        fstore::load_aggregates(&mut c, &sid)
    })
    .await??;
    let counters = agg.places.get(&place).copied().unwrap_or_default();
    let slots: Vec<(u8, SlotCounts)> = agg
        .crowding
        .iter()
        .filter(|((p, _), _)| *p == place)
        .map(|((_, s), c)| (*s, *c))
        .collect();
    let stats = place_stats(&counters, &slots, prior_for(&p, &snap.data.codebook));
    let body = json!({
        "site": site,
        "place_id": place,
        "summary": {
            "ratings": counters.ratings_n,
            "could_not_find_skips": counters.could_not_find(),
            "skips": crate::feedback::aggregates::skip_counts(&counters),
            "stats": stats,
        },
        "items": items,
        "next_cursor": next,
    });
    Ok(conditional_json(&req, &body, JSON))
}

/// `GET /v1/sites/{site}/ratings/{rating}`: one rating, to its author (visitor token) or to
/// operators; 404 to anyone else, so ids reveal nothing.
pub async fn get_rating(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (site, id) = path.into_inner();
    let Authenticated(claims) = Authenticated::extract(&req).await?;
    query_pairs(&req, &[])?;
    state.snapshot(&site)?;
    let view = if claims.is_staff() {
        View::Operator
    } else {
        claims.require_site(&site)?;
        View::Author
    };
    let st = state.clone();
    let (sid, rid) = (site.clone(), id.clone());
    let rec = web::block(move || -> Result<_, StoreError> {
        let mut c = st.pool.get()?;
        fstore::get_rating(&mut c, &sid, &rid)
    })
    .await??
    .filter(|r| view == View::Operator || r.visitor_id == claims.sub)
    .ok_or_else(|| ApiError::not_found("rating", &id))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(rec.to_json(view)))
}

/// `GET /v1/sites/{site}/ratings`: every rating of the site for moderation, newest first, with
/// filters. Operators.
pub async fn list_ratings(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let site = path.into_inner();
    operator_of(&req).await?;
    let snap = state.snapshot(&site)?;
    let pairs = query_pairs(
        &req,
        &[
            "place",
            "hidden",
            "code",
            "from",
            "to",
            "limit",
            "cursor",
            "with_comment",
        ],
    )?;
    let place = param(&pairs, "place").map(str::to_string);
    if let Some(p) = &place {
        if snap.place(p).is_none() {
            return Err(ApiError::invalid("place", format!("unknown place `{p}`")));
        }
    }
    let code = param(&pairs, "code").map(str::to_string);
    if let Some(c) = &code {
        if !snap.data.codebook.codes.iter().any(|k| &k.id == c) {
            return Err(ApiError::invalid("code", format!("unknown code `{c}`")));
        }
    }
    let flag = |name: &str| -> Result<Option<bool>, ApiError> {
        match param(&pairs, name) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(ApiError::invalid(
                name,
                format!("{name} must be true or false"),
            )),
        }
    };
    let (from, to) = time_bounds(&pairs, &snap, false)?;
    let q = fstore::RatingQuery {
        site: site.clone(),
        place,
        hidden: flag("hidden")?,
        with_comment: flag("with_comment")?.unwrap_or(false),
        public: false,
        code,
        from,
        to,
        limit: limit_of(&pairs)?,
        after: cursor_of(&pairs)?,
    };
    let (items, next) = page_of_ratings(&state, q, View::Operator).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({"items": items, "next_cursor": next})))
}

// ---------------------------------------------------------------------------------------------
// Plan feedback

/// A skipped stop.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SkippedBody {
    pub place_id: String,
    pub reason: String,
}

/// `POST /v1/plans/{plan}/feedback` body.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFeedbackBody {
    pub followed: String,
    pub overall: i64,
    #[serde(default)]
    pub skipped: Vec<SkippedBody>,
    #[serde(default)]
    pub comment: Option<String>,
}

pub async fn create_plan_feedback(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let plan_id = path.into_inner();
    // Authenticate before revealing whether the plan exists.
    let Visitor(claims) = Visitor::extract(&req).await?;
    let st = state.clone();
    let pid = plan_id.clone();
    let found = if plan_id.len() <= 64 {
        web::block(move || -> Result<_, StoreError> {
            let mut c = st.pool.get()?;
            fstore::plan_meta(&mut c, &pid)
        })
        .await??
    } else {
        None
    };
    let (site, version, plan_json) = found.ok_or_else(|| ApiError::not_found("plan", &plan_id))?;
    claims.require_site(&site)?;
    let snap = state.snapshot(&site)?;
    let body: PlanFeedbackBody = body_of(&req, payload).await?;
    let idem = idempotency(&req, &body)?;
    if !FOLLOWED.contains(&body.followed.as_str()) {
        return Err(ApiError::invalid(
            "followed",
            format!("followed must be one of {}", FOLLOWED.join(", ")),
        ));
    }
    let overall = score("overall", Some(body.overall))?.expect("given");
    if body.followed == "all" && !body.skipped.is_empty() {
        return Err(ApiError::invalid(
            "skipped",
            "a plan followed in full has no skipped stops",
        ));
    }
    let plan: Value =
        serde_json::from_str(&plan_json).map_err(|e| ApiError::internal(e.to_string()))?;
    let stops: BTreeMap<&str, &Value> = plan["stops"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["place_id"].as_str().map(|id| (id, s)))
                .collect()
        })
        .unwrap_or_default();
    let mut seen = HashSet::new();
    let mut skipped = Vec::new();
    for (i, s) in body.skipped.iter().enumerate() {
        let Some(stop) = stops.get(s.place_id.as_str()) else {
            return Err(ApiError::invalid(
                &format!("skipped[{i}].place_id"),
                format!("`{}` is not a stop of this plan", s.place_id),
            ));
        };
        if !SKIP_REASONS.contains(&s.reason.as_str()) {
            return Err(ApiError::invalid(
                &format!("skipped[{i}].reason"),
                format!("reason must be one of {}", SKIP_REASONS.join(", ")),
            ));
        }
        if !seen.insert(s.place_id.clone()) {
            return Err(ApiError::invalid(
                &format!("skipped[{i}].place_id"),
                format!("`{}` is listed twice", s.place_id),
            ));
        }
        let slot = stop["arrive"]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| hour_of_week(t.with_timezone(&Utc), snap.data.site.utc_offset_min));
        skipped.push(crate::feedback::aggregates::SkipFacts {
            place_id: s.place_id.clone(),
            reason: s.reason.clone(),
            slot,
        });
    }
    let comment = coded_comment(body.comment.clone(), &snap)?;
    let input = fstore::PlanFeedbackInput {
        plan_id: plan_id.clone(),
        site_id: site.clone(),
        visitor_id: claims.sub.clone(),
        snapshot_version: version,
        followed: body.followed.clone(),
        overall,
        skipped,
        comment_lang: comment.lang,
        codes: comment.codes,
        comment: comment.text,
    };
    let r = write(&state, move |c| {
        fstore::write_plan_feedback(c, &input, idem.as_ref())
    })
    .await?;
    Ok(reply(r, None))
}

// ---------------------------------------------------------------------------------------------
// Moderation

/// Body of hide and unhide (optional).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModerationBody {
    /// `rating` (the whole feedback, default) or `comment` (only its text).
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

async fn moderation(
    req: &HttpRequest,
    body: &web::Bytes,
    hide: bool,
) -> Result<(Claims, Moderation), ApiError> {
    let claims = operator_of(req).await?;
    let b: ModerationBody = if body.iter().all(u8::is_ascii_whitespace) {
        ModerationBody::default()
    } else {
        parse_json(body)?
    };
    let reason = b
        .reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
        return Err(ApiError::invalid(
            "reason",
            "the reason has more than 500 characters",
        ));
    }
    let m = match b.scope.as_deref().unwrap_or("rating") {
        "rating" => Moderation {
            hidden: Some(hide),
            comment_hidden: None,
            reason,
            actor: claims.sub.clone(),
        },
        "comment" => Moderation {
            hidden: None,
            comment_hidden: Some(hide),
            reason,
            actor: claims.sub.clone(),
        },
        _ => {
            return Err(ApiError::invalid(
                "scope",
                "scope must be rating or comment",
            ))
        }
    };
    Ok((claims, m))
}

#[allow(clippy::too_many_arguments)]
fn audit_record(
    claims: &Claims,
    site: &str,
    action: &str,
    entity: &str,
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
        actor_role: claims.role.as_str().to_string(),
        action: action.to_string(),
        entity: entity.to_string(),
        entity_id: id.to_string(),
        revision,
        site_version,
        source: "api".to_string(),
        before_json: Some(before.to_string()),
        after_json: Some(after.to_string()),
    }
}

async fn moderate(
    req: HttpRequest,
    state: web::Data<AppState>,
    site: String,
    id: String,
    body: web::Bytes,
    hide: bool,
    plan_feedback: bool,
) -> Result<HttpResponse, ApiError> {
    let (claims, m) = moderation(&req, &body, hide).await?;
    let snap = state.snapshot(&site)?;
    let version = snap.version;
    let action = if hide { "hide" } else { "unhide" };
    let st = state.clone();
    let (sid, rid) = (site.clone(), id.clone());
    let out = web::block(move || -> Result<Option<Value>, StoreError> {
        let mut c = st.pool.get()?;
        let (entity, before, after, revision) = if plan_feedback {
            match fstore::moderate_plan_feedback(&mut c, &sid, &rid, &m)? {
                None => return Ok(None),
                Some((o, n)) => (
                    "plan_feedback",
                    o.to_json(View::Operator),
                    n.to_json(View::Operator),
                    n.revision,
                ),
            }
        } else {
            match fstore::moderate_rating(&mut c, &sid, &rid, &m)? {
                None => return Ok(None),
                Some((o, n)) => (
                    "rating",
                    o.to_json(View::Operator),
                    n.to_json(View::Operator),
                    n.revision,
                ),
            }
        };
        store::audit::insert(
            &mut c,
            &audit_record(
                &claims, &sid, action, entity, &rid, revision, version, &before, &after,
            ),
        )?;
        Ok(Some(after))
    })
    .await??;
    let what = if plan_feedback {
        "plan feedback"
    } else {
        "rating"
    };
    let v = out.ok_or_else(|| ApiError::not_found(what, &id))?;
    Ok(HttpResponse::Ok().json(v))
}

macro_rules! moderation_route {
    ($(#[$doc:meta])* $name:ident, hide = $hide:expr, plan_feedback = $pf:expr) => {
        $(#[$doc])*
        pub async fn $name(
            req: HttpRequest,
            state: web::Data<AppState>,
            path: web::Path<(String, String)>,
            body: web::Bytes,
        ) -> Result<HttpResponse, ApiError> {
            let (site, id) = path.into_inner();
            moderate(req, state, site, id, body, $hide, $pf).await
        }
    };
}

moderation_route!(
    /// `POST /v1/sites/{site}/ratings/{rating}/hide`. Operators.
    hide_rating, hide = true, plan_feedback = false
);
moderation_route!(
    /// `POST /v1/sites/{site}/ratings/{rating}/unhide`. Operators.
    unhide_rating, hide = false, plan_feedback = false
);
moderation_route!(
    /// `POST /v1/sites/{site}/plan-feedback/{feedback}/hide`. Operators.
    hide_plan_feedback, hide = true, plan_feedback = true
);
moderation_route!(
    /// `POST /v1/sites/{site}/plan-feedback/{feedback}/unhide`. Operators.
    unhide_plan_feedback, hide = false, plan_feedback = true
);

// ---------------------------------------------------------------------------------------------
// Insights

/// `from`/`to` query parameters: RFC 3339 instants, or site-local dates (`to` inclusive).
/// With `defaults`, the range is the last 90 days up to now when not given.
fn time_bounds(
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

/// Loads what the insights are computed from. Blocking.
fn load_input<'a>(
    state: &AppState,
    snap: &'a Snapshot,
    lang: Lang,
    from: &str,
    to: &str,
    place: Option<&str>,
) -> Result<(Input<'a>, Vec<(i64, String)>), StoreError> {
    let site = &snap.data.site.id;
    let mut c = state.pool.get()?;
    let ratings = fstore::ratings_in_range(&mut c, site, from, to, place)?;
    let plan_feedback = fstore::plan_feedback_in_range(&mut c, site, from, to)?;
    let plans = fstore::plans_in_range(&mut c, site, from, to)?;
    let publications = fstore::publications(&mut c, site)?;
    let agg = fstore::load_aggregates(&mut c, site)?;
    let mut plans_per_version = BTreeMap::new();
    for (v, _) in &plans {
        *plans_per_version.entry(*v).or_insert(0) += 1;
    }
    let stats = site_stats(&snap.data, &agg);
    let mut hard: Vec<(String, f64, i64, i64)> = stats
        .iter()
        .filter(|(_, s)| {
            s.count >= crate::feedback::aggregates::HINT_MIN_COUNT
                && s.findability
                    .is_some_and(|f| f < crate::feedback::aggregates::HINT_BELOW_FINDABILITY)
        })
        .map(|(p, s)| {
            let c = agg.places.get(p).copied().unwrap_or_default();
            (
                p.clone(),
                s.findability.unwrap_or_default(),
                c.find_n + c.could_not_find(),
                c.could_not_find(),
            )
        })
        .collect();
    hard.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let parse = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    };
    Ok((
        Input {
            data: &snap.data,
            lang,
            from: parse(from),
            to: parse(to),
            ratings,
            plan_feedback,
            plans_per_version,
            publications,
            hard_to_find: hard,
        },
        plans,
    ))
}

/// `GET /v1/sites/{site}/insights`. Operators.
pub async fn get_insights(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let site = path.into_inner();
    operator_of(&req).await?;
    let snap = state.snapshot(&site)?;
    let pairs = query_pairs(&req, &["from", "to"])?;
    let (from, to) = time_bounds(&pairs, &snap, true)?;
    let (from, to) = (from.expect("defaulted"), to.expect("defaulted"));
    let lang = lang_of(&req);
    let st = state.clone();
    let doc = web::block(move || -> Result<Value, StoreError> {
        let (input, _) = load_input(&st, &snap, lang, &from, &to, None)?;
        let mut v = insights::insights(&input);
        v["snapshot_version"] = json!(snap.version);
        Ok(v)
    })
    .await??;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::VARY, "Accept-Language"))
        .json(doc))
}

/// `GET /v1/sites/{site}/insights/weekly`: JSON, or CSV with `Accept: text/csv`. Operators.
pub async fn get_weekly_insights(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let site = path.into_inner();
    operator_of(&req).await?;
    let snap = state.snapshot(&site)?;
    let pairs = query_pairs(&req, &["from", "to", "place"])?;
    let place = param(&pairs, "place").map(str::to_string);
    if let Some(p) = &place {
        if snap.place(p).is_none() {
            return Err(ApiError::invalid("place", format!("unknown place `{p}`")));
        }
    }
    let (from, to) = time_bounds(&pairs, &snap, true)?;
    let (from, to) = (from.expect("defaulted"), to.expect("defaulted"));
    let lang = lang_of(&req);
    let csv = accepts(&req, "text/csv");
    let st = state.clone();
    let snap2: Arc<Snapshot> = snap.clone();
    let out = web::block(move || -> Result<(Value, String), StoreError> {
        let (input, plans) = load_input(&st, &snap2, lang, &from, &to, place.as_deref())?;
        let offset = site_offset(&snap2);
        let mut per_week = BTreeMap::new();
        for (_, at) in &plans {
            if let Ok(t) = DateTime::parse_from_rfc3339(at) {
                *per_week
                    .entry(insights::week_start(t.with_timezone(&Utc), offset))
                    .or_insert(0) += 1;
            }
        }
        let rows = insights::weekly(&input, offset, &per_week);
        let codes: Vec<String> = snap2
            .data
            .codebook
            .codes
            .iter()
            .map(|c| c.id.clone())
            .collect();
        let text = insights::weekly_csv(&rows, &codes);
        let v = json!({
            "site": snap2.data.site.id,
            "from": from,
            "to": to,
            "place": place,
            "columns": insights::WEEKLY_COLUMNS.iter().map(|s| s.to_string())
                .chain(codes.iter().map(|c| format!("code:{c}"))).collect::<Vec<_>>(),
            "weeks": rows,
        });
        Ok((v, text))
    })
    .await??;
    let mut b = HttpResponse::Ok();
    b.insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::VARY, "Accept"));
    Ok(if csv {
        b.insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{site}-weekly.csv\""),
        ))
        .content_type(CSV)
        .body(out.1)
    } else {
        b.json(out.0)
    })
}

// ---------------------------------------------------------------------------------------------
// Codebook

fn code_json(c: &Code, lang: Lang) -> Value {
    json!({
        "id": c.id,
        "name": lang.pick(&c.name),
        "names": c.name,
        "category": c.category,
        "frequency": c.frequency,
        "sentiment": c.sentiment,
        "keywords": c.keywords,
    })
}

fn code_etag(c: &Code) -> String {
    crate::render::strong_etag(&serde_json::to_vec(c).expect("serialises"))
}

/// `GET /v1/sites/{site}/codebook`: themes, categories and codes with their keywords. Public.
pub async fn get_codebook(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let snap = state.snapshot(&path)?;
    let lang = lang_of(&req);
    let cb = &snap.data.codebook;
    let pick = |id: &str, name: &Bilingual, desc: &Bilingual| json!({"id": id, "name": lang.pick(name), "names": name, "description": lang.pick(desc)});
    let body = json!({
        "site": snap.data.site.id,
        "version": snap.version,
        "themes": cb.themes.iter().map(|t| {
            let mut v = pick(&t.id, &t.name, &t.description);
            v["categories"] = json!(t.categories);
            v
        }).collect::<Vec<_>>(),
        "categories": cb.categories.iter().map(|c| pick(&c.id, &c.name, &c.description)).collect::<Vec<_>>(),
        "codes": cb.codes.iter().map(|c| {
            let mut v = code_json(c, lang);
            v["etag"] = json!(code_etag(c));
            v
        }).collect::<Vec<_>>(),
    });
    Ok(conditional_json(&req, &body, JSON))
}

/// Body of a code edit: every field optional (absent = unchanged).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodePatch {
    #[serde(default)]
    pub name: Option<Bilingual>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub frequency: Option<String>,
    #[serde(default)]
    pub sentiment: Option<String>,
    #[serde(default)]
    pub keywords: Option<KeywordsPatch>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeywordsPatch {
    #[serde(default)]
    pub zh: Option<Vec<String>>,
    #[serde(default)]
    pub en: Option<Vec<String>>,
}

/// Body of a new code.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCode {
    pub id: String,
    pub name: Bilingual,
    pub category: String,
    pub frequency: String,
    pub sentiment: String,
    pub keywords: Keywords,
}

fn validate_code(c: &mut Code, snap: &Snapshot) -> Result<(), ApiError> {
    if c.id.is_empty()
        || c.id.len() > 64
        || !c
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    {
        return Err(ApiError::invalid(
            "id",
            "a code id is 1 to 64 characters of a-z, 0-9, _ and -",
        ));
    }
    for (f, v) in [("name.zh", &c.name.zh), ("name.en", &c.name.en)] {
        if v.trim().is_empty() || v.chars().count() > 200 {
            return Err(ApiError::invalid(
                f,
                format!("{f} must be 1 to 200 characters"),
            ));
        }
    }
    if !snap
        .data
        .codebook
        .categories
        .iter()
        .any(|k| k.id == c.category)
    {
        return Err(ApiError::invalid(
            "category",
            format!("unknown category `{}`", c.category),
        ));
    }
    if !["high", "medium", "low"].contains(&c.frequency.as_str()) {
        return Err(ApiError::invalid(
            "frequency",
            "frequency must be high, medium or low",
        ));
    }
    if !["positive", "neutral", "negative"].contains(&c.sentiment.as_str()) {
        return Err(ApiError::invalid(
            "sentiment",
            "sentiment must be positive, neutral or negative",
        ));
    }
    for (lang, list) in [("zh", &mut c.keywords.zh), ("en", &mut c.keywords.en)] {
        if list.len() > 100 {
            return Err(ApiError::invalid(
                &format!("keywords.{lang}"),
                "at most 100 keywords per language",
            ));
        }
        for (i, k) in list.iter_mut().enumerate() {
            *k = k.trim().to_string();
            if k.is_empty() || k.chars().count() > 50 {
                return Err(ApiError::invalid(
                    &format!("keywords.{lang}[{i}]"),
                    "a keyword is 1 to 50 characters",
                ));
            }
        }
    }
    if c.keywords.zh.is_empty() && c.keywords.en.is_empty() {
        return Err(ApiError::invalid(
            "keywords",
            "a code needs at least one keyword",
        ));
    }
    Ok(())
}

async fn save_code(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    site: String,
    claims: Claims,
    code: Code,
    create: bool,
    if_match: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let st = state.clone();
    let (sid, c2) = (site.clone(), code.clone());
    let (version, recoded) = web::block(move || -> Result<_, ApiError> {
        let mut conn = st.pool.get().map_err(StoreError::from)?;
        let mut before = None;
        let out = fstore::write_code(
            &mut conn,
            &sid,
            &c2,
            create,
            |existing| -> Result<(), ApiError> {
                before = existing.cloned();
                match (existing, create) {
                    (Some(_), true) => Err(ApiError::new(
                        StatusCode::CONFLICT,
                        "conflict",
                        "Conflict",
                        format!("code `{}` exists already", c2.id),
                    )
                    .with_field("id")),
                    (None, false) => Err(ApiError::not_found("code", &c2.id)),
                    (Some(e), false) => {
                        let current = code_etag(e);
                        let ok = if_match.as_deref().is_some_and(|h| {
                            h.split(',').map(str::trim).any(|t| t == "*" || t == current)
                        });
                        if ok {
                            Ok(())
                        } else {
                            Err(ApiError::new(
                                StatusCode::PRECONDITION_FAILED,
                                "precondition_failed",
                                "Precondition failed",
                                "the code changed since it was read (its ETag no longer matches); read it again and retry",
                            )
                            .with_field("If-Match")
                            .with_member("current_etag", json!(current)))
                        }
                    }
                    (None, true) => Ok(()),
                }
            },
            |c, cb| {
                let coder = Coder::new(cb);
                fstore::recode_comments(c, &sid, &|t: &str| coder.code(t))
            },
        )?;
        let after = serde_json::to_value(&c2).expect("serialises");
        let before_v = before.as_ref().map(|b| serde_json::to_value(b).expect("serialises"));
        store::audit::insert(
            &mut conn,
            &audit_record(
                &claims,
                &sid,
                if create { "create" } else { "update" },
                "code",
                &c2.id,
                out.0,
                out.0,
                &before_v.clone().unwrap_or(Value::Null),
                &after,
            ),
        )
        .map_err(ApiError::from)?;
        Ok((out.0, out.1))
    })
    .await??;
    let st = state.clone();
    let sid = site.clone();
    web::block(move || -> Result<_, ApiError> {
        let mut conn = st.pool.get().map_err(StoreError::from)?;
        st.reload_site_blocking(&mut conn, &sid)
            .map_err(ApiError::internal)
    })
    .await??;
    state.cache.publish_change(&site, version).await;
    let mut v = code_json(&code, lang_of(req));
    v["etag"] = json!(code_etag(&code));
    v["site_version"] = json!(version);
    v["recoded_comments"] = json!(recoded);
    let mut b = if create {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    b.insert_header((header::ETAG, code_etag(&code)));
    if create {
        b.insert_header((
            header::LOCATION,
            format!("/v1/sites/{site}/codebook/codes/{}", code.id),
        ));
    }
    Ok(b.json(v))
}

/// `POST /v1/sites/{site}/codebook/codes`: a new open code. Operators.
pub async fn create_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let site = path.into_inner();
    let claims = operator_of(&req).await?;
    let snap = state.snapshot(&site)?;
    let b: NewCode = body_of(&req, payload).await?;
    let mut code = Code {
        id: b.id,
        name: b.name,
        category: b.category,
        frequency: b.frequency,
        sentiment: b.sentiment,
        keywords: b.keywords,
    };
    validate_code(&mut code, &snap)?;
    save_code(&req, &state, site, claims, code, true, None).await
}

/// `PATCH /v1/sites/{site}/codebook/codes/{code}`: edit a code (keywords, name, category,
/// frequency, sentiment); needs `If-Match` with the code's ETag. Comments are recoded. Operators.
pub async fn update_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (site, id) = path.into_inner();
    let claims = operator_of(&req).await?;
    let snap = state.snapshot(&site)?;
    let existing = snap
        .data
        .codebook
        .codes
        .iter()
        .find(|c| c.id == id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("code", &id))?;
    let if_match = req
        .headers()
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::PRECONDITION_REQUIRED,
                "precondition_required",
                "Precondition required",
                "send If-Match with the code's ETag (from GET /v1/sites/{site}/codebook)",
            )
            .with_field("If-Match")
        })?;
    let p: CodePatch = body_of(&req, payload).await?;
    let mut code = existing;
    if let Some(n) = p.name {
        code.name = n;
    }
    if let Some(c) = p.category {
        code.category = c;
    }
    if let Some(f) = p.frequency {
        code.frequency = f;
    }
    if let Some(s) = p.sentiment {
        code.sentiment = s;
    }
    if let Some(k) = p.keywords {
        if let Some(zh) = k.zh {
            code.keywords.zh = zh;
        }
        if let Some(en) = k.en {
            code.keywords.en = en;
        }
    }
    validate_code(&mut code, &snap)?;
    save_code(&req, &state, site, claims, code, false, Some(if_match)).await
}

// ---------------------------------------------------------------------------------------------
// Snapshots

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
        "operator",
        Some(claims.sub),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("site", &site))?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/sites/{site}/snapshots")))
        .json(published))
}
