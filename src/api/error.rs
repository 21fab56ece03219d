//! Errors as RFC 9457 problem details (`application/problem+json`) with a stable `code`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable machine-readable code, e.g. `invalid_parameter`, `not_found`.
    pub code: &'static str,
    pub title: &'static str,
    pub detail: String,
    /// The request field or parameter at fault, when there is one.
    pub field: Option<String>,
    pub retry_after_s: Option<u32>,
    /// The methods a path allows, answered as `Allow` with a 405.
    pub allow: Option<Box<str>>,
    /// Further problem members (e.g. `errors`, `places`), merged into the body.
    pub extra: Option<Box<serde_json::Map<String, serde_json::Value>>>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            code,
            title,
            detail: detail.into(),
            field: None,
            retry_after_s: None,
            allow: None,
            extra: None,
        }
    }

    /// Adds a member to the problem body.
    pub fn with_member(mut self, key: &str, value: serde_json::Value) -> ApiError {
        self.extra
            .get_or_insert_with(Default::default)
            .insert(key.to_string(), value);
        self
    }

    /// 401: no usable credentials (answered with `WWW-Authenticate: Bearer`).
    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, code, "Unauthorized", detail)
    }

    /// 403: authenticated, but not allowed.
    pub fn forbidden(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", detail)
    }

    /// 429 with `Retry-After`.
    pub fn too_many_requests(retry_after_s: u64, detail: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many requests",
            detail,
        );
        e.retry_after_s = Some(retry_after_s.clamp(1, u64::from(u32::MAX)) as u32);
        e
    }

    pub fn with_field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }

    /// 400 for a bad query parameter or body field.
    pub fn invalid(field: &str, detail: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "Invalid parameter",
            detail,
        )
        .with_field(field)
    }

    pub fn not_found(what: &str, id: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Not found",
            format!("no {what} with id `{id}`"),
        )
    }

    pub fn internal(detail: impl Into<String>) -> ApiError {
        let detail = detail.into();
        tracing::error!(%detail, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "the server could not complete the request",
        )
    }

    pub fn unavailable(detail: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
            detail,
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut body = json!({
            "type": format!("https://heritage-guide.dev/problems/{}", self.code),
            "title": self.title,
            "status": self.status.as_u16(),
            "detail": self.detail,
            "code": self.code,
        });
        if let Some(f) = &self.field {
            body["field"] = json!(f);
        }
        if let Some(extra) = &self.extra {
            for (k, v) in extra.iter() {
                body[k] = v.clone();
            }
        }
        let mut b = HttpResponse::build(self.status);
        b.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if self.status == StatusCode::UNAUTHORIZED {
            let desc: String = self
                .detail
                .chars()
                .map(|c| if c == '"' || c == '\\' { '\'' } else { c })
                .filter(|c| c.is_ascii_graphic() || *c == ' ')
                .collect();
            let v = match self.code {
                "missing_token" => "Bearer realm=\"heritage-guide\"".to_string(),
                _ => format!(
                    "Bearer realm=\"heritage-guide\", error=\"invalid_token\", error_description=\"{desc}\""
                ),
            };
            b.insert_header((header::WWW_AUTHENTICATE, v));
        }
        if let Some(a) = &self.allow {
            b.insert_header((header::ALLOW, a.as_ref()));
        }
        if let Some(s) = self.retry_after_s {
            b.insert_header((header::RETRY_AFTER, s.to_string()));
        }
        b.body(body.to_string())
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> ApiError {
        match e {
            crate::store::StoreError::Pool(_) | crate::store::StoreError::Connect(_) => {
                tracing::warn!(error = %e, "database unavailable");
                ApiError::unavailable("the database is not reachable; try again shortly")
            }
            other => ApiError::internal(other.to_string()),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> ApiError {
        ApiError::internal(e.to_string())
    }
}

impl ApiError {
    /// A planner error as a problem whose `detail` is in `lang` (English when the planner gave no
    /// Chinese text).
    pub fn from_plan(e: planner::model::PlanError, lang: planner::types::Lang) -> ApiError {
        let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
        let title = match e.status {
            404 => "Not found",
            422 => "Request cannot be satisfied",
            _ => "Invalid request",
        };
        let mut err = ApiError::new(status, e.code, title, e.detail(lang));
        err.field = e.field;
        err
    }
}

impl From<planner::model::PlanError> for ApiError {
    fn from(e: planner::model::PlanError) -> ApiError {
        ApiError::from_plan(e, planner::types::Lang::En)
    }
}

impl From<crate::services::site_edit::EditError> for ApiError {
    fn from(e: crate::services::site_edit::EditError) -> ApiError {
        use crate::services::site_edit::{revision_etag, EditError};
        match e {
            EditError::NotFound { entity, id } => ApiError::not_found(entity, &id),
            EditError::Invalid { field, detail } => ApiError::invalid(&field, detail),
            EditError::Seed(errs) => {
                let first = &errs[0];
                let mut p = ApiError::invalid(
                    first.field.as_deref().unwrap_or("body"),
                    match &first.id {
                        Some(id) => format!("{id}: {}", first.message),
                        None => first.message.clone(),
                    },
                );
                p.code = "validation_failed";
                p.title = "Validation failed";
                p.with_member("errors", json!(errs))
            }
            EditError::Stranded(ids) => ApiError::new(
                StatusCode::CONFLICT,
                "would_strand_places",
                "The change would strand places",
                format!(
                    "the change cuts {} off the open paths; reopen a path, close the places, or repeat with close_stranded=true",
                    ids.join(", ")
                ),
            )
            .with_member("places", json!(ids)),
            EditError::Exists {
                entity,
                id,
                deleted: true,
            } => ApiError::new(
                StatusCode::CONFLICT,
                "deleted_exists",
                "Conflict",
                format!("a deleted {entity} `{id}` exists; restore it instead"),
            )
            .with_field("id"),
            EditError::Exists { entity, id, .. } => ApiError::new(
                StatusCode::CONFLICT,
                "already_exists",
                "Conflict",
                format!("{entity} `{id}` already exists"),
            )
            .with_field("id"),
            EditError::NotDeleted { entity, id } => ApiError::new(
                StatusCode::CONFLICT,
                "not_deleted",
                "Conflict",
                format!("{entity} `{id}` is not deleted"),
            ),
            EditError::PreconditionRequired => ApiError::new(
                StatusCode::PRECONDITION_REQUIRED,
                "precondition_required",
                "Precondition required",
                "send If-Match with the resource's ETag so concurrent edits cannot overwrite each other",
            )
            .with_field("If-Match"),
            EditError::PreconditionFailed { current } => ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "precondition_failed",
                "Precondition failed",
                "the resource changed since it was read (its ETag no longer matches); read it again and retry",
            )
            .with_field("If-Match")
            .with_member("current_etag", json!(revision_etag(current))),
            EditError::Store(e) => e.into(),
        }
    }
}

impl From<crate::auth::AuthError> for ApiError {
    fn from(e: crate::auth::AuthError) -> ApiError {
        use crate::auth::AuthError;
        let detail = e.to_string();
        match e {
            AuthError::Expired => ApiError::unauthorized("token_expired", detail),
            AuthError::InvalidToken(_) => ApiError::unauthorized("invalid_token", detail),
            AuthError::Revoked => ApiError::unauthorized("token_revoked", detail),
            AuthError::AccountDisabled => ApiError::unauthorized("account_disabled", detail),
            AuthError::RoleChanged => ApiError::unauthorized("token_stale", detail),
            AuthError::WrongSite {
                token_site: Some(s),
                site,
            } => ApiError::forbidden(format!("this token is for site `{s}`, not `{site}`"))
                .with_field("site"),
            AuthError::WrongSite {
                token_site: None,
                site,
            } => ApiError::forbidden(format!("this token is not bound to site `{site}`"))
                .with_field("site"),
            AuthError::Store(e) => e.into(),
        }
    }
}

impl From<crate::services::accounts::AccountError> for ApiError {
    fn from(e: crate::services::accounts::AccountError) -> ApiError {
        use crate::services::accounts::AccountError;
        match e {
            AccountError::Invalid { field, message } => ApiError::invalid(field.as_str(), message),
            AccountError::Taken(_) => ApiError::new(
                StatusCode::CONFLICT,
                "username_taken",
                "Conflict",
                e.to_string(),
            )
            .with_field("username"),
            AccountError::Unknown(u) => ApiError::not_found("account", &u),
            AccountError::LastAdmin(m) => {
                ApiError::new(StatusCode::CONFLICT, "last_admin", "Conflict", m)
            }
            AccountError::Store(s) => s.into(),
        }
    }
}

impl From<crate::store::feedback::FeedbackError> for ApiError {
    fn from(e: crate::store::feedback::FeedbackError) -> ApiError {
        use crate::store::feedback::FeedbackError;
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

impl From<crate::state::UnknownSite> for ApiError {
    fn from(e: crate::state::UnknownSite) -> ApiError {
        ApiError::not_found("site", &e.0)
    }
}
