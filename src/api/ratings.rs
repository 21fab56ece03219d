//! Ratings of places: visitors post them (visitor token of the site); authors and operators read them.

use super::error::ApiError;
use super::extract::{conditional_json, query_pairs};
use super::feedback_common::*;
use super::roles::Authenticated;
use crate::feedback::aggregates::{place_stats, prior_for, SlotCounts};
use crate::feedback::hour_of_week;
use crate::services::evidence::{self, LocationFix};
use crate::services::feedback::{self as feedback, FeedbackView, View};
use crate::state::AppState;
use crate::store::feedback as fstore;
use crate::store::StoreError;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

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
    /// Where the visitor is while rating: evidence of the visit when near the place.
    #[serde(default)]
    pub location: Option<LocationFix>,
}

pub async fn create_rating(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
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
        // Decided by the evidence rules in the write.
        evidence_weight: crate::feedback::aggregates::UNVERIFIED_WEIGHT as i32,
        held: None,
    };
    let visitor_hash = crate::feedback::visits::pseudonym_hash(&state.visitor_salt, &claims.sub);
    let on_site = match &body.location {
        None => false,
        Some(fix) => {
            check_fix(fix)?;
            let p = snap.place(&place).expect("checked above");
            evidence::fix_is_on_site(p, fix)
        }
    };
    let at = visited.unwrap_or(now);
    let r = write(&state, move |c| {
        feedback::submit_visitor_rating(c, &input, &visitor_hash, on_site, at, idem.as_ref())
    })
    .await?;
    let location = serde_json::from_str::<Value>(&r.body).ok().and_then(|v| {
        v["id"]
            .as_str()
            .map(|id| format!("/v1/sites/{site}/ratings/{id}"))
    });
    Ok(reply(r, location))
}

/// A location fix's numbers must be a position on Earth and a non-negative accuracy.
fn check_fix(fix: &LocationFix) -> Result<(), ApiError> {
    if !(fix.lat.is_finite() && (-90.0..=90.0).contains(&fix.lat)) {
        return Err(ApiError::invalid(
            "location.lat",
            "location.lat must be a latitude in degrees, −90 to 90",
        ));
    }
    if !(fix.lon.is_finite() && (-180.0..=180.0).contains(&fix.lon)) {
        return Err(ApiError::invalid(
            "location.lon",
            "location.lon must be a longitude in degrees, −180 to 180",
        ));
    }
    if fix.accuracy_m.is_some_and(|a| !(a.is_finite() && a >= 0.0)) {
        return Err(ApiError::invalid(
            "location.accuracy_m",
            "location.accuracy_m must be a distance in metres ≥ 0",
        ));
    }
    Ok(())
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
            "score": stats.score(),
            "posterior": { "mean": stats.posterior().0, "sd": stats.posterior().1 },
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
    OperatorSite { snap }: OperatorSite,
) -> Result<HttpResponse, ApiError> {
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
        site: snap.data.site.id.clone(),
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
