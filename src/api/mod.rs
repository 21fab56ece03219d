//! The HTTP API: one route table; handlers named `<verb>_<resource>` (the OpenAPI operationIds).

pub mod audit;
pub mod auth;
pub mod codebook;
pub mod edges;
pub mod error;
pub mod extract;
pub mod feedback_common;
pub mod findings;
pub mod health;
pub mod insights;
pub mod middleware;
pub mod moderation;
pub mod nodes;
pub mod places;
pub mod plan_feedback;
pub mod plans;
pub mod ratings;
pub mod roles;
pub mod routes;
pub mod seed_files;
pub mod server;
pub mod site_edits;
pub mod sites;
pub mod snapshots;
pub mod users;
pub mod visits;

pub use routes::{configure, not_found, ROUTES};
