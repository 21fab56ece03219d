//! Moderation: operators hide and unhide ratings and plan feedback, or only their comments; audited.

use super::error::ApiError;
use super::extract::{parse_json, query_pairs};
use super::feedback_common::*;
use crate::auth::Claims;
use crate::services::feedback::{FeedbackView, View};
use crate::state::AppState;
use crate::store::feedback::{self as fstore, Moderation};
use crate::store::{self, StoreError};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::Value;

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

pub(crate) async fn moderation(
    req: &HttpRequest,
    body: &web::Bytes,
    hide: bool,
) -> Result<(Claims, Moderation), ApiError> {
    let claims = operator_of(req).await?;
    query_pairs(req, &[])?;
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

pub(crate) async fn moderate(
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
    let action = if hide {
        store::audit::AuditAction::Hide
    } else {
        store::audit::AuditAction::Unhide
    };
    let st = state.clone();
    let (sid, rid) = (site.clone(), id.clone());
    let out = web::block(move || -> Result<Option<Value>, StoreError> {
        let mut c = st.pool.get()?;
        let (entity, before, after, revision) = if plan_feedback {
            match fstore::moderate_plan_feedback(&mut c, &sid, &rid, &m)? {
                None => return Ok(None),
                Some((o, n)) => (
                    store::audit::AuditEntity::PlanFeedback,
                    o.to_json(View::Operator),
                    n.to_json(View::Operator),
                    n.revision,
                ),
            }
        } else {
            match fstore::moderate_rating(&mut c, &sid, &rid, &m)? {
                None => return Ok(None),
                Some((o, n)) => (
                    store::audit::AuditEntity::Rating,
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
