//! Feedback on a plan: which stops a visitor followed or skipped, and why (the token of the
//! visitor who asked for the plan).

use super::error::ApiError;
use super::extract::query_pairs;
use super::feedback_common::*;
use super::roles::Visitor;
use crate::feedback::{hour_of_week, Followed, SkipReason};
use crate::state::AppState;
use crate::store::feedback::{self as fstore};
use crate::store::visits::NewVisit;
use crate::store::{plans, StoreError};
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

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
    /// When the visitor was at which places (any place of the site, not only the plan's stops).
    #[serde(default)]
    pub visits: Vec<VisitBody>,
}

/// A visit reported with plan feedback.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VisitBody {
    pub place: String,
    pub arrived: String,
    #[serde(default)]
    pub left: Option<String>,
}

/// Most visits one plan feedback may report.
pub const MAX_FEEDBACK_VISITS: usize = 50;
/// Visit times lie within this many hours before the plan's start and after its end.
pub const VISIT_WINDOW_H: i64 = 24;

/// Validates the visits of a plan feedback: at most [`MAX_FEEDBACK_VISITS`], each at a place of
/// the site, with valid times within [`VISIT_WINDOW_H`] hours of the plan's span, none twice
/// (same place and arrival). Errors name `visits[i].field`.
fn feedback_visits(
    body: &[VisitBody],
    snap: &crate::model::Snapshot,
    plan: &Value,
    visitor_hash: &str,
) -> Result<Vec<NewVisit>, ApiError> {
    if body.len() > MAX_FEEDBACK_VISITS {
        return Err(ApiError::invalid(
            "visits",
            format!("at most {MAX_FEEDBACK_VISITS} visits per plan feedback"),
        ));
    }
    let instant = |k: &str| {
        plan[k]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    let window = instant("start_time")
        .zip(instant("end_time"))
        .map(|(s, e)| {
            (
                s - chrono::Duration::hours(VISIT_WINDOW_H),
                e + chrono::Duration::hours(VISIT_WINDOW_H),
            )
        });
    let now = Utc::now();
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(body.len());
    for (i, v) in body.iter().enumerate() {
        if snap.place(&v.place).is_none() {
            return Err(ApiError::invalid(
                &format!("visits[{i}].place"),
                format!("`{}` is not a place of this site", v.place),
            ));
        }
        let (arrived, left) =
            crate::services::visits::check_times(&v.arrived, v.left.as_deref(), now)
                .map_err(|(field, m)| ApiError::invalid(&format!("visits[{i}].{field}"), m))?;
        if let Some((from, to)) = window {
            for (field, t) in [("arrived", Some(arrived)), ("left", left)] {
                if t.is_some_and(|t| t < from || t > to) {
                    return Err(ApiError::invalid(
                        &format!("visits[{i}].{field}"),
                        format!("{field} must lie within {VISIT_WINDOW_H} hours of the plan's start and end"),
                    ));
                }
            }
        }
        if !seen.insert((v.place.clone(), arrived)) {
            return Err(ApiError::invalid(
                &format!("visits[{i}].arrived"),
                format!("the visit to `{}` at this time is listed twice", v.place),
            ));
        }
        out.push(NewVisit {
            place_id: v.place.clone(),
            visitor_hash: visitor_hash.to_string(),
            arrived,
            left,
        });
    }
    Ok(out)
}

/// The names of a closed set, `, `-separated.
fn names<T: std::fmt::Display>(all: &[T]) -> String {
    all.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn create_plan_feedback(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let plan_id = path.into_inner();
    // Authenticate before revealing whether the plan exists.
    let Visitor(claims) = Visitor::extract(&req).await?;
    let st = state.clone();
    let pid = plan_id.clone();
    let found = if plan_id.len() <= 64 {
        web::block(move || -> Result<_, StoreError> {
            let mut c = st.pool.get()?;
            plans::get_live(&mut c, &pid, &crate::store::now_text())
        })
        .await??
    } else {
        None
    };
    let stored = found.ok_or_else(|| ApiError::not_found("plan", &plan_id))?;
    claims.require_site(&stored.site_id)?;
    // Only the visitor who asked for the plan can say how it went.
    match &stored.visitor_id {
        None => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "plan_without_owner",
                "Forbidden",
                "this plan was made without a visitor token and takes no feedback; ask for plans \
                 with a visitor token (POST /v1/auth/visitor) to give feedback on them",
            ))
        }
        Some(owner) if *owner != claims.sub => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "not_plan_owner",
                "Forbidden",
                "only the visitor whose token asked for this plan can give feedback on it",
            ))
        }
        Some(_) => {}
    }
    let (site, version, plan_json) = (stored.site_id, stored.snapshot_version, stored.body_json);
    let snap = state.snapshot(&site)?;
    let body: PlanFeedbackBody = body_of(&req, payload).await?;
    let idem = idempotency(&req, &body)?;
    let Some(followed) = Followed::parse(&body.followed) else {
        return Err(ApiError::invalid(
            "followed",
            format!("followed must be one of {}", names(Followed::ALL)),
        ));
    };
    let overall = score("overall", Some(body.overall))?.expect("given");
    if followed == Followed::All && !body.skipped.is_empty() {
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
        let Some(reason) = SkipReason::parse(&s.reason) else {
            return Err(ApiError::invalid(
                &format!("skipped[{i}].reason"),
                format!("reason must be one of {}", names(SkipReason::ALL)),
            ));
        };
        if !seen.insert(s.place_id.clone()) {
            return Err(ApiError::invalid(
                &format!("skipped[{i}].place_id"),
                format!("`{}` is listed twice", s.place_id),
            ));
        }
        let arrive = stop["arrive"]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok());
        skipped.push(crate::feedback::aggregates::SkipFacts {
            place_id: s.place_id.clone(),
            reason,
            slot: arrive
                .map(|t| hour_of_week(t.with_timezone(&Utc), snap.data.site.utc_offset_min)),
            // The stop's arrival keeps the site's offset: its date is the local day.
            day: arrive.map(|t| t.date_naive().to_string()),
            counts: true,
        });
    }
    let visitor_hash = crate::feedback::visits::pseudonym_hash(&state.visitor_salt, &claims.sub);
    let visits = feedback_visits(&body.visits, &snap, &plan, &visitor_hash)?;
    let comment = coded_comment(body.comment.clone(), &snap)?;
    let input = fstore::PlanFeedbackInput {
        plan_id: plan_id.clone(),
        site_id: site.clone(),
        visitor_id: claims.sub.clone(),
        snapshot_version: version,
        followed,
        overall,
        skipped,
        comment_lang: comment.lang,
        codes: comment.codes,
        comment: comment.text,
        // Feedback comes from the plan's own token: a visit's evidence.
        evidence_weight: crate::feedback::aggregates::FULL_WEIGHT as i32,
        held: None,
    };
    let r = write(&state, move |c| {
        crate::services::feedback::submit_visitor_plan_feedback(c, &input, &visits, idem.as_ref())
    })
    .await?;
    Ok(reply(r, None))
}
