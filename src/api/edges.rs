//! Graph edges: read one stored edge, create, patch, delete and restore edges (operators).

use super::error::ApiError;
use super::extract::json_body;
use super::roles::Operator;
use super::site_edits::{edit_handlers, get_handler, get_item, run_edit};
use crate::seed::write::Entity;
use crate::services::site_edit::Op;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};

edit_handlers!(
    Entity::Edge,
    create_edge,
    update_edge,
    delete_edge,
    restore_edge
);
get_handler!(get_edge, Entity::Edge);
