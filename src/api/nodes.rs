//! Graph nodes: read one stored node, create, patch, delete and restore nodes (operators).

use super::error::ApiError;
use super::extract::json_body;
use super::roles::Operator;
use super::site_edits::{edit_handlers, get_handler, get_item, run_edit};
use crate::seed::write::Entity;
use crate::services::site_edit::Op;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};

edit_handlers!(
    Entity::Node,
    create_node,
    update_node,
    delete_node,
    restore_node
);
get_handler!(get_node, Entity::Node);
