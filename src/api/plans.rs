//! Directions and visit plans (the planner core does the work; this module adapts HTTP to it and
//! stores plans).

use super::error::ApiError;
use super::extract::{conditional_json, lang_of, query_pairs, ApiJson};
use crate::domain::Lang;
use crate::state::AppState;
use crate::store;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use planner::model::{DirectionsRequest, PlanRequest};

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

pub async fn create_plan(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ApiJson<PlanRequest>,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let site = path.into_inner();
    let snap = state.snapshot(&site)?;
    let mut preq = body.0;
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
    let mut value = serde_json::to_value(&plan).map_err(|e| ApiError::internal(e.to_string()))?;
    value["id"] = serde_json::json!(id);
    let body = value.to_string();
    let st = state.clone();
    let (pid, b2) = (id.clone(), body.clone());
    web::block(move || -> Result<(), store::StoreError> {
        let mut c = st.pool.get()?;
        store::site::insert_plan(&mut c, &pid, &site, version, &b2)
    })
    .await??;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/plans/{id}")))
        .content_type("application/json")
        .body(body))
}

pub async fn get_plan(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let id = path.into_inner();
    if id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(ApiError::not_found("plan", &id));
    }
    let st = state.clone();
    let pid = id.clone();
    let found = web::block(move || -> Result<Option<String>, store::StoreError> {
        let mut c = st.pool.get()?;
        store::site::get_plan(&mut c, &pid)
    })
    .await??;
    let body = found.ok_or_else(|| ApiError::not_found("plan", &id))?;
    let value: serde_json::Value =
        serde_json::from_str(&body).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(conditional_json(&req, &value, "application/json"))
}
