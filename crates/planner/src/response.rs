//! The response types of the planning model's two operations: a [`Leg`] of directions and a
//! visit [`Plan`].

use serde::{Deserialize, Serialize};

use crate::cost::Profile;
use crate::graph::EdgeKind;
use crate::request::{Endpoint, Pace, PlanRequest};
use crate::types::Bilingual;

/// A GeoJSON LineString geometry object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LineString {
    /// Always `LineString`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `[lon, lat]` positions in degrees.
    pub coordinates: Vec<[f64; 2]>,
}

impl LineString {
    /// A LineString from positions.
    pub fn new(coordinates: Vec<[f64; 2]>) -> Self {
        LineString {
            kind: "LineString".into(),
            coordinates,
        }
    }
}

/// An edge a leg uses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EdgeRef {
    /// Edge id.
    pub id: String,
    /// Edge kind.
    pub kind: EdgeKind,
}

/// One turn-by-turn instruction, in both languages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Instruction {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
    /// The first edge the instruction covers, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edge_id: Option<String>,
    /// Metres the instruction covers.
    pub distance_m: f64,
}

/// A walking leg between two endpoints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Leg {
    /// Where the leg starts: a place id or a point.
    pub from: Endpoint,
    /// Where it ends.
    pub to: Endpoint,
    /// The walked line.
    pub geometry: LineString,
    /// Horizontal length in metres.
    pub length_m: f64,
    /// Expected walking time in seconds.
    pub duration_s: f64,
    /// Metres climbed.
    pub ascent_m: f64,
    /// Metres descended.
    pub descent_m: f64,
    /// Edges used, in order.
    pub edges: Vec<EdgeRef>,
    /// Turn-by-turn instructions.
    pub instructions: Vec<Instruction>,
}

/// A finding cited by a plan, with the plan-specific reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Citation {
    /// The finding's id; `None` for a reason that comes from the place itself (its
    /// description, a highlight, a visitor's own request).
    pub finding_id: Option<String>,
    /// Why it applies here, in the request's language, ending with the finding's own words.
    pub text: String,
}

/// A stop of a plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stop {
    /// Place id.
    pub place_id: String,
    /// Place name.
    pub name: Bilingual,
    /// Place kind.
    pub kind: String,
    /// Area id.
    pub area: String,
    /// Arrival, RFC 3339 in the site's offset.
    pub arrive: String,
    /// Departure, RFC 3339 in the site's offset.
    pub depart: String,
    /// Minutes waited for opening after arrival.
    pub wait_min: f64,
    /// Minutes at the stop from the start of the visit to departure (queue included).
    pub dwell_min: f64,
    /// Minutes of that spent queueing (expected, at peak hours).
    pub queue_min: f64,
    /// One of the site's highlights.
    pub highlight: bool,
    /// The stop serves as a meal.
    pub meal: bool,
    /// Entry fee in CNY.
    pub fee_cny: f64,
    /// The stop's utility in points at its visit time.
    pub utility: f64,
    /// The findings the stop follows.
    pub why: Vec<Citation>,
    /// Why the stop was chosen, in words (the request's language).
    pub summary: String,
    /// Other places at the same spot (same node or within 25 m): visited as part of this stop
    /// (`visited`) or simply there (a restroom, a shop next door).
    pub also_here: Vec<AlsoHere>,
    /// The plan tries this place because few visitors have rated it yet (absent otherwise).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exploration: bool,
}

/// A place at the same spot as a stop.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlsoHere {
    /// Place id.
    pub place_id: String,
    /// Place name.
    pub name: Bilingual,
    /// Place kind.
    pub kind: String,
    /// Visited during the stop (its time is part of the stop's).
    pub visited: bool,
}

/// Plan totals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// From start to the end of the last leg (or the last departure), seconds.
    pub duration_s: f64,
    /// Walking time, seconds.
    pub walk_s: f64,
    /// Walking length, metres.
    pub length_m: f64,
    /// Fees, CNY.
    pub fee_cny: f64,
    /// The plan's utility in points (what the solver maximised).
    pub score: f64,
}

/// A warning for the visitor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    /// Stable code: `crowded`, `dark_soon`, `closed`, `booking`, `queue`, `hard_to_find`,
    /// `free_alternative`, `no_meal`, `highlight_missed`, `no_stops`.
    pub code: String,
    /// `info` (good to know) or `warning` (changes what the visitor should do).
    pub severity: Severity,
    /// In words, in the request's language.
    pub message: String,
    /// Ids of the plan's stops it concerns.
    pub stops: Vec<String>,
    /// Ids of places outside the plan it is about (the closed or missed highlights, the free
    /// alternative).
    pub places: Vec<String>,
}

/// How much a warning matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Good to know.
    Info,
    /// Changes what the visitor should do.
    Warning,
}

/// A visit plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Left empty by the planner; the server sets it.
    pub id: String,
    /// Site id.
    pub site: String,
    /// Version of the snapshot that produced the plan.
    pub snapshot_version: i64,
    /// The request, echoed.
    pub request: PlanRequest,
    /// The profile used.
    pub profile: Profile,
    /// The pace used.
    pub pace: Pace,
    /// Start, RFC 3339 in the site's offset.
    pub start_time: String,
    /// End of the plan, RFC 3339 in the site's offset.
    pub end_time: String,
    /// Sunset on the start date, RFC 3339 in the site's offset (absent in polar day or night).
    pub sunset: Option<String>,
    /// Stops in visiting order.
    pub stops: Vec<Stop>,
    /// Leg `i` leads to stop `i`; a last leg leads to `end` when given.
    pub legs: Vec<Leg>,
    /// Totals.
    pub totals: Totals,
    /// Findings the plan as a whole follows (order, combination, daylight …).
    pub explanations: Vec<Citation>,
    /// Warnings.
    pub warnings: Vec<Warning>,
    /// The exploratory stop and what it cost (absent when the plan explores nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exploration: Option<Exploration>,
}

/// A plan's exploratory stop: a place few visitors have rated, tried at a bounded cost.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Exploration {
    /// The place tried.
    pub place_id: String,
    /// The draw from the posterior of its overall score (1..5) that earned it the stop.
    pub draw: f64,
    /// Its evidence so far, in verified answers.
    pub evidence: f64,
    /// The share of the best plan's expected value given up for it (at most 0.05).
    pub cost_share: f64,
}
