//! Pure route-planning core of heritage-guide.
//!
//! The crate turns a site's pedestrian graph, places and the study's findings into an immutable
//! [`model::PlanningModel`] snapshot, and answers two questions from it:
//!
//! * [`model::PlanningModel::directions`]: the fastest walking leg between two places or points for a
//!   mobility profile, with geometry and turn-by-turn instructions in Chinese and English;
//! * [`model::PlanningModel::plan`]: a visit plan, an orienteering problem with time windows that
//!   picks and orders places to maximise the visitor's utility within a time budget, opening hours
//!   and daylight, and explains itself by citing the findings it follows.
//!
//! It has no I/O, no clock and no HTTP, database or cache code: every time comes from the request.
//! Units are explicit in names and doc comments: metres (`_m`), seconds (`_s`), minutes (`_min`),
//! yuan (`_cny`), degrees (`lon`, `lat`).
//!
//! The [`op`] module solves the classic orienteering problem on the public benchmark format.

pub mod cost;
pub mod geodesy;
pub mod graph;
pub mod hours;
pub mod model;
pub mod op;
pub mod paths;
pub mod rng;
pub mod snap;
pub mod solar;
pub mod synthetic;
pub mod types;

mod directions;
mod plan;
mod request;
mod response;
mod site;
mod solver;

pub use directions::LOW_FINDABILITY;
pub use plan::{pace_params, PaceParams};
pub use types::Bilingual;
