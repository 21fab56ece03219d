//! The HTTP API: one route table; handlers named `<verb>_<resource>` (the OpenAPI operationIds).

pub mod auth;
pub mod codebook;
pub mod edit;
pub mod error;
pub mod extract;
pub mod feedback_common;
pub mod health;
pub mod insights;
pub mod middleware;
pub mod moderation;
pub mod plan_feedback;
pub mod plans;
pub mod ratings;
pub mod roles;
pub mod routes;
pub mod server;
pub mod sites;
pub mod snapshots;
pub mod users;

pub use routes::{configure, not_found, ROUTES};
