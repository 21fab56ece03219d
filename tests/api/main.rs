//! The integration test binary: every test starts the app on port 0 with a fresh database
//! (SQLite by default; PostgreSQL when TEST_DATABASE_URL is set).

mod auth;
mod contract;
mod edit;
mod evidence;
mod feedback;
mod helpers;
mod learning;
mod learning_sim;
mod places;
mod plan_lifetime;
mod plans;
mod redis;
mod seed;
mod sites;
mod store;
mod strict;
mod visits;
