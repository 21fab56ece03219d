//! heritage-guide: the backend of a visitor-guide app for industrial-heritage sites.
//!
//! Layout: `api` (HTTP), `store` (diesel over SQLite and PostgreSQL), `seed` (site files),
//! `model` (the immutable per-site snapshot the planner reads), `render` (JSON/GeoJSON views),
//! `cache` (Redis or in-process). The planning core is the separate `planner` crate.

pub mod api;
pub mod auth;
pub mod cache;
pub mod config;
pub mod domain;
pub mod feedback;
pub mod model;
pub mod quality;
pub mod render;
pub mod seed;
pub mod services;
pub mod startup;
pub mod state;
pub mod store;
