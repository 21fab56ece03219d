//! Services: what the API and the command line do, above the store and the per-process state.
//!
//! * [`accounts`]: operator and admin accounts (password policy, the last enabled admin).
//! * [`evidence`]: how much feedback counts (evidence of a visit) and the burst rules.
//! * [`feedback`]: ratings and plan feedback written once per idempotency key, and their views.
//! * [`plans`]: the lifetime of stored plans (expiry, the view of readers who are not the
//!   owner, the purge of expired plans).
//! * [`publication`]: snapshots published with fresh feedback aggregates, on request or in the
//!   background.
//! * [`site_edit`]: operators' changes and imports of site data: preconditions, merge patches,
//!   validation as a seed and one new site version per change.
//! * [`visits`]: visit-record files (CSV or JSON lines) validated line by line and imported
//!   idempotently with an audit record.

pub mod accounts;
pub mod evidence;
pub mod feedback;
pub mod plans;
pub mod publication;
pub mod site_edit;
pub mod visits;
