//! Directions and visit plans (the planner core does the work; this module adapts HTTP to it,
//! bounds plan requests, counts the plan quotas and stores plans with their owner and expiry).

use super::error::ApiError;
use super::extract::{conditional_json, lang_of, query_pairs, ApiJson};
use super::middleware::{client_ip, digest};
use super::roles::{bearer_token, Authenticated, Visitor};
use crate::domain::Lang;
use crate::services;
use crate::state::AppState;
use crate::store::{self, plans};
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use planner::model::{DirectionsRequest, Endpoint, PlanRequest};
use serde_json::json;
use std::time::Duration;

pub async fn create_directions(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<DirectionsRequest>,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let snap = state.snapshot(&path)?;
    let mut dreq = body.0;
    let lang = error_lang(dreq.lang.as_deref(), &req);
    if dreq.lang.is_none() {
        dreq.lang = Some(lang_of(&req).as_str().to_string());
    }
    let leg = web::block(move || snap.planning.directions(&dreq))
        .await?
        .map_err(|e| ApiError::from_plan(e, lang))?;
    Ok(HttpResponse::Ok().json(leg))
}

/// The language of a planner error's detail: the body's `lang` when it names zh or en, else
/// `Accept-Language`.
fn error_lang(body_lang: Option<&str>, req: &HttpRequest) -> Lang {
    body_lang
        .and_then(Lang::parse)
        .unwrap_or_else(|| lang_of(req))
}

/// Most items in each list of a plan request (`interests`, `must`, `avoid`, `areas`).
pub const MAX_LIST_ITEMS: usize = 64;
/// Longest text of a plan request (each id, `start_time`, `lang`, `profile`, `pace`), in bytes.
pub const MAX_TEXT_BYTES: usize = 64;

fn bounded_text(field: &str, v: &str) -> Result<(), ApiError> {
    if v.len() > MAX_TEXT_BYTES {
        return Err(ApiError::invalid(
            field,
            format!("{field} must be at most {MAX_TEXT_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// Checks a list's length and items, and drops repeated items (the first one stays).
fn bounded_list(field: &str, list: &mut Vec<String>) -> Result<(), ApiError> {
    if list.len() > MAX_LIST_ITEMS {
        return Err(ApiError::invalid(
            field,
            format!(
                "{field} has {} items; at most {MAX_LIST_ITEMS} are allowed",
                list.len()
            ),
        ));
    }
    for (i, v) in list.iter().enumerate() {
        bounded_text(&format!("{field}[{i}]"), v)?;
    }
    let mut seen = std::collections::HashSet::new();
    list.retain(|v| seen.insert(v.clone()));
    Ok(())
}

/// Bounds every list and text of a plan request and drops repeated list items, so a stored
/// plan (which echoes its request) stays small whatever is asked.
fn bound_request(r: &mut PlanRequest) -> Result<(), ApiError> {
    bounded_list("interests", &mut r.interests)?;
    bounded_list("must", &mut r.must)?;
    bounded_list("avoid", &mut r.avoid)?;
    if let Some(areas) = r.areas.as_mut() {
        bounded_list("areas", areas)?;
    }
    for (field, e) in [("start", Some(&r.start)), ("end", r.end.as_ref())] {
        if let Some(Endpoint::Place(id)) = e {
            bounded_text(field, id)?;
        }
    }
    bounded_text("start_time", &r.start_time)?;
    for (field, v) in [
        ("lang", &r.lang),
        ("profile", &r.profile),
        ("pace", &r.pace),
    ] {
        if let Some(v) = v {
            bounded_text(field, v)?;
        }
    }
    Ok(())
}

/// The visitor id of the request's token, when it has one: a visitor token of this site (401
/// for a token that is not valid, 403 for another role's or another site's).
async fn plan_owner(req: &HttpRequest, site: &str) -> Result<Option<String>, ApiError> {
    if bearer_token(req)?.is_none() {
        return Ok(None);
    }
    let Visitor(claims) = Visitor::extract(req).await?;
    claims.require_site(site)?;
    Ok(Some(claims.sub))
}

/// The plan quotas, counted in the shared cache so they hold across instances: per client IP
/// (`HG_PLANS_PER_IP_PER_HOUR`) and per visitor (`HG_PLANS_PER_TOKEN_PER_HOUR`); 0 is off.
async fn plan_quota(
    req: &HttpRequest,
    state: &AppState,
    owner: Option<&str>,
) -> Result<(), ApiError> {
    let limits = &state.settings.limits;
    let ip = client_ip(req, state.settings.trust_proxy);
    let mut checks = Vec::new();
    if limits.plans_per_ip_per_hour > 0 {
        checks.push((
            state.cache.key(&["plans", "ip", &ip]),
            limits.plans_per_ip_per_hour,
            "this client",
        ));
    }
    if let (Some(visitor), true) = (owner, limits.plans_per_token_per_hour > 0) {
        checks.push((
            state.cache.key(&["plans", "visitor", &digest(visitor)]),
            limits.plans_per_token_per_hour,
            "this visitor",
        ));
    }
    let refuse = |retry: u64, limit: u32, who: &str| {
        ApiError::too_many_requests(
            retry,
            format!("too many plans for {who} (at most {limit} an hour); retry in {retry} s"),
        )
    };
    // A request one quota refuses does not use up the other.
    for (key, limit, who) in &checks {
        if let Some(retry) = state.cache.exhausted(key, *limit).await {
            return Err(refuse(retry, *limit, who));
        }
    }
    for (key, limit, who) in &checks {
        let d = state.cache.rate(key, *limit, PLAN_QUOTA_WINDOW).await;
        if !d.allowed {
            return Err(refuse(d.retry_after_s, *limit, who));
        }
    }
    Ok(())
}

/// The window of the plan quotas.
pub const PLAN_QUOTA_WINDOW: Duration = Duration::from_secs(3600);

pub async fn create_plan(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<PlanRequest>,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let site = path.into_inner();
    let snap = state.snapshot(&site)?;
    let owner = plan_owner(&req, &site).await?;
    let mut preq = body.0;
    bound_request(&mut preq)?;
    plan_quota(&req, &state, owner.as_deref()).await?;
    let lang = error_lang(preq.lang.as_deref(), &req);
    if preq.lang.is_none() {
        preq.lang = Some(lang_of(&req).as_str().to_string());
    }
    let version = snap.version;
    let uuid = uuid::Uuid::new_v4();
    // The plan id seeds its exploration draws, so the plan can be reproduced from its id.
    let seed = uuid.as_u64_pair().0;
    let explore = state.settings.exploration;
    let plan = web::block(move || {
        if explore {
            snap.planning.plan_exploring(&preq, seed)
        } else {
            snap.planning.plan(&preq)
        }
    })
    .await?
    .map_err(|e| ApiError::from_plan(e, lang))?;
    let id = uuid.simple().to_string();
    let now = chrono::Utc::now();
    let created_at = now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let expires_at = services::plans::expiry(now, state.settings.plan_retention_days);
    let mut value = serde_json::to_value(&plan).map_err(|e| ApiError::internal(e.to_string()))?;
    value["id"] = json!(id);
    value["expires_at"] = json!(expires_at);
    let body = value.to_string();
    let explored = plan
        .exploration
        .as_ref()
        .map(|e| (e.place_id.clone(), e.cost_share));
    let st = state.clone();
    let (pid, b2) = (id.clone(), body.clone());
    web::block(move || -> Result<(), store::StoreError> {
        let mut c = st.pool.get()?;
        plans::insert(
            &mut c,
            &plans::NewPlan {
                id: &pid,
                site_id: &site,
                snapshot_version: version,
                body_json: &b2,
                visitor_id: owner.as_deref(),
                expires_at: expires_at.as_deref(),
                created_at: &created_at,
                exploration: explored.as_ref().map(|(p, c)| (p.as_str(), *c)),
            },
        )
    })
    .await??;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/plans/{id}")))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .content_type("application/json")
        .body(body))
}

/// A plan by id: in full for its owner's token, else without where the visitor started or
/// meant to end (see [`services::plans::public_view`]). An expired plan is a 404, purged or not.
pub async fn get_plan(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let id = path.into_inner();
    let viewer = match bearer_token(&req)? {
        Some(_) => Some(Authenticated::extract(&req).await?.0.sub),
        None => None,
    };
    if id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(ApiError::not_found("plan", &id));
    }
    let st = state.clone();
    let pid = id.clone();
    let found = web::block(move || -> Result<_, store::StoreError> {
        let mut c = st.pool.get()?;
        plans::get_live(&mut c, &pid, &store::now_text())
    })
    .await??;
    let plan = found.ok_or_else(|| ApiError::not_found("plan", &id))?;
    let value: serde_json::Value =
        serde_json::from_str(&plan.body_json).map_err(|e| ApiError::internal(e.to_string()))?;
    let owner = viewer.is_some() && plan.visitor_id == viewer;
    let value = if owner {
        value
    } else {
        services::plans::public_view(&value)
    };
    let mut resp = conditional_json(&req, &value, "application/json");
    let h = resp.headers_mut();
    h.insert(
        header::VARY,
        header::HeaderValue::from_static("Accept, Accept-Language, Accept-Encoding, Authorization"),
    );
    if owner {
        h.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("private, no-cache"),
        );
    }
    Ok(resp)
}
