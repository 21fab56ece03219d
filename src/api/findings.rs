//! Findings of the study: the public list, one stored finding, and operators' edits.

use super::error::ApiError;
use super::extract::conditional_json;
use super::extract::json_body;
use super::extract::SiteRead;
use super::roles::Operator;
use super::site_edits::{edit_handlers, get_handler, get_item, run_edit};
use super::sites::JSON;
use crate::render;
use crate::seed::write::Entity;
use crate::services::site_edit::Op;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

edit_handlers!(
    Entity::Finding,
    create_finding,
    update_finding,
    delete_finding,
    restore_finding
);
get_handler!(get_finding, Entity::Finding);

/// The site's findings in the request's language.
pub async fn list_findings(
    req: HttpRequest,
    SiteRead { snap, lang }: SiteRead,
) -> Result<HttpResponse, ApiError> {
    let items: Vec<_> = snap
        .data
        .findings
        .iter()
        .map(|f| render::finding_json(f, lang))
        .collect();
    Ok(conditional_json(&req, &json!({"items": items}), JSON))
}
