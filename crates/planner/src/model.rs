//! The planning model: an immutable snapshot of one site (graph, places, findings, rating
//! aggregates, cost tables, snapper and per-profile travel-time matrices), and the request and
//! response types of its two operations, [`PlanningModel::plan`] and
//! [`PlanningModel::directions`].

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::cost::{CostTable, Profile};
use crate::graph::{EdgeKind, Graph};
use crate::hours::{Holidays, OpeningHours};
use crate::paths::Matrix;
use crate::snap::{Snapper, DEFAULT_MAX_SNAP_DISTANCE_M};
use crate::types::{Bilingual, Lang};

// ---------------------------------------------------------------------------------------------
// Site data
// ---------------------------------------------------------------------------------------------

/// The site as the planner needs it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SiteInfo {
    /// Site id, e.g. `eling-no2-factory`.
    pub id: String,
    /// Offset of the site's local time from UTC in minutes (480 for Asia/Shanghai).
    pub utc_offset_min: i32,
    /// Longitude of the site centre in degrees (for sunset and snapping).
    pub center_lon: f64,
    /// Latitude of the site centre in degrees.
    pub center_lat: f64,
    /// Area ids, e.g. `factory`, `liziba`, `eling-park`.
    pub areas: Vec<String>,
    /// Area names in both languages, in the order of `areas` (ids are used where missing).
    #[serde(default)]
    pub area_names: Vec<Bilingual>,
    /// Public holidays (local dates, ISO `YYYY-MM-DD` in JSON): the dates `PH` opening-hours
    /// rules apply to.
    #[serde(default)]
    pub public_holidays: Vec<chrono::NaiveDate>,
}

/// A place as the seed gives it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlaceSpec {
    /// Unique place id.
    pub id: String,
    /// Area id.
    pub area: String,
    /// Kind, e.g. `photo_spot`, `rooftop`, `cafe`.
    pub kind: String,
    /// Name in both languages.
    pub name: Bilingual,
    /// Entry fee in CNY (0 when free).
    pub fee_cny: f64,
    /// Opening hours in the seed's syntax (see [`crate::hours`]).
    pub hours: String,
    /// Typical visit length in minutes.
    pub dwell_min: u32,
    /// Open-code ids from the codebook.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Base popularity from the study's frequencies, 0..1.
    pub popularity: f64,
    /// Id of the graph node the place is reached from.
    pub node: String,
    /// Closed places are never planned.
    #[serde(default)]
    pub closed: bool,
    /// One of the site's highlights (what the study's high-frequency codes point at): a plan
    /// includes every highlight its budget can reach unless the visitor avoids it.
    #[serde(default)]
    pub highlight: bool,
    /// A park or area as a whole: a region that holds stops, never a stop itself.
    #[serde(default)]
    pub container: bool,
    /// Expected queue in minutes at the crowding rules' peak hours (at weekends and on public
    /// holidays; half of it on other days), added to the visit.
    #[serde(default)]
    pub queue_min: u32,
    /// Entry needs a booking or a timed ticket.
    #[serde(default)]
    pub booking: bool,
    /// The place's description, quoted in plan explanations.
    #[serde(default)]
    pub description: Option<Bilingual>,
}

/// One of the study's visitor findings as a structured, citable rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Unique finding id, cited by plans.
    pub id: String,
    /// Open-code id the finding comes from.
    pub code: String,
    /// `high`, `medium` or `low`.
    pub frequency: String,
    /// The finding in words.
    pub text: Bilingual,
    /// What the planner does with it.
    pub rule: Rule,
}

/// How the planner interprets a finding. All numbers are data (utility points, see
/// `docs/planner.md`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Rule {
    /// When a plan visits both areas, every stop in `first` precedes every stop in `then`.
    AreaOrder {
        /// Area visited first.
        first: String,
        /// Area visited afterwards.
        then: String,
    },
    /// Places of these kinds or with these tags must be left before sunset.
    Daylight {
        /// Place kinds.
        #[serde(default)]
        kinds: Vec<String>,
        /// Place tags.
        #[serde(default)]
        tags: Vec<String>,
    },
    /// A fee lowers a place's utility by `fee_weight_per_cny` points per CNY, scaled by its rated
    /// value for money.
    ValueForMoney {
        /// Place kinds (empty: all).
        #[serde(default)]
        kinds: Vec<String>,
        /// Utility points per CNY.
        fee_weight_per_cny: f64,
    },
    /// When a paid place of these kinds is left out, a free one of the same kind is offered.
    FreeAlternative {
        /// Place kinds.
        #[serde(default)]
        kinds: Vec<String>,
    },
    /// Expected crowding lowers utility at peak hours.
    Crowding {
        /// `[start, end)` local hours, e.g. `[[10, 12], [14, 17]]`.
        #[serde(default)]
        peak_hours: Vec<[u32; 2]>,
        /// Multiplier of the penalty on Saturdays and Sundays.
        #[serde(default = "one")]
        weekend_factor: f64,
        /// Utility points lost at a peak hour.
        penalty: f64,
        /// Place kinds (with `tags` both empty: all places).
        #[serde(default)]
        kinds: Vec<String>,
        /// Place tags.
        #[serde(default)]
        tags: Vec<String>,
    },
    /// Bonus utility for each further area the plan includes.
    CombineAreas {
        /// Areas that count (empty: all).
        #[serde(default)]
        areas: Vec<String>,
        /// Utility points per further area.
        bonus: f64,
    },
    /// Places with these tags gain `weight` × popularity utility points.
    Popularity {
        /// Place tags.
        #[serde(default)]
        tags: Vec<String>,
        /// Utility points per unit of popularity.
        weight: f64,
    },
    /// Directions carry landmark hints on hard-to-find edges.
    Wayfinding,
    /// At most `max_per_plan` stops of these kinds.
    CommercialSameness {
        /// Place kinds.
        #[serde(default)]
        kinds: Vec<String>,
        /// Cap on stops of these kinds per plan.
        max_per_plan: u32,
    },
}

fn one() -> f64 {
    1.0
}

impl Rule {
    /// The `type` tag of the rule.
    pub fn type_name(&self) -> &'static str {
        match self {
            Rule::AreaOrder { .. } => "area_order",
            Rule::Daylight { .. } => "daylight",
            Rule::ValueForMoney { .. } => "value_for_money",
            Rule::FreeAlternative { .. } => "free_alternative",
            Rule::Crowding { .. } => "crowding",
            Rule::CombineAreas { .. } => "combine_areas",
            Rule::Popularity { .. } => "popularity",
            Rule::Wayfinding => "wayfinding",
            Rule::CommercialSameness { .. } => "commercial_sameness",
        }
    }
}

/// What a visitor can ask a plan for, mapped to open codes and place kinds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interest {
    /// Interest id, e.g. `photography`.
    pub id: String,
    /// Name in both languages.
    pub name: Bilingual,
    /// Open codes that match.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Place kinds that match.
    #[serde(default)]
    pub kinds: Vec<String>,
}

/// Rating aggregates for one place, fed back by the feedback loop. The default is neutral.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlaceStats {
    /// Number of ratings.
    pub count: u32,
    /// Bayesian mean of the overall score, 1..5.
    pub score: Option<f64>,
    /// Mean value-for-money rating, 1..5.
    pub value_for_money: Option<f64>,
    /// Mean "easy to find" rating, 1..5.
    pub findability: Option<f64>,
    /// Share of visits with a successful photo, 0..1.
    pub photo_success: Option<f64>,
    /// Reported crowding, 1..5, in 168 hourly slots: Monday 00h, Monday 01h, … Sunday 23h.
    pub crowding_by_hour: Option<Vec<f64>>,
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Why a model could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{id}: {field}: {message}")]
pub struct ModelError {
    /// The place, finding, interest or site id at fault.
    pub id: String,
    /// The field at fault.
    pub field: &'static str,
    /// What is wrong, in words.
    pub message: String,
}

fn merr(id: &str, field: &'static str, message: impl Into<String>) -> ModelError {
    ModelError {
        id: id.to_string(),
        field,
        message: message.into(),
    }
}

/// Why a request failed: what an HTTP layer needs for an RFC 9457 problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct PlanError {
    /// HTTP status: 400 (malformed or unknown value), 404 (unknown place id), 422 (valid but
    /// infeasible).
    pub status: u16,
    /// Stable machine-readable code: `invalid_field`, `unknown_interest`, `unknown_area`,
    /// `conflict`, `too_far_from_site`, `unknown_place`, `unreachable`, `infeasible`,
    /// `place_closed`.
    pub code: &'static str,
    /// The request field at fault, e.g. `budget_min`, `start`, `must[2]`.
    pub field: Option<String>,
    /// What is wrong, in English.
    pub message: String,
    /// What is wrong, in Chinese (`None`: only English is available).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_zh: Option<String>,
}

impl PlanError {
    /// A 400 `invalid_field` error.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> PlanError {
        PlanError::new(400, "invalid_field", Some(field.into()), message)
    }

    /// An error with all parts given.
    pub fn new(
        status: u16,
        code: &'static str,
        field: Option<String>,
        message: impl Into<String>,
    ) -> PlanError {
        PlanError {
            status,
            code,
            field,
            message: message.into(),
            message_zh: None,
        }
    }

    /// Adds the message in Chinese.
    pub fn zh(mut self, message: impl Into<String>) -> PlanError {
        self.message_zh = Some(message.into());
        self
    }

    /// The message in `lang`, falling back to English when there is no Chinese text.
    pub fn detail(&self, lang: Lang) -> &str {
        match (lang, &self.message_zh) {
            (Lang::Zh, Some(zh)) => zh,
            _ => &self.message,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/// A route endpoint: a place id, or a point that is snapped onto the graph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Endpoint {
    /// A place id.
    Place(String),
    /// A WGS84 point in degrees.
    Point {
        /// Latitude in degrees.
        lat: f64,
        /// Longitude in degrees.
        lon: f64,
    },
}

/// `POST /directions` body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectionsRequest {
    /// Where to start.
    pub from: Endpoint,
    /// Where to go.
    pub to: Endpoint,
    /// `standard` (default), `step_free` or `easy`.
    #[serde(default)]
    pub profile: Option<String>,
    /// `zh` or `en` (default `en`); instructions carry both languages either way.
    #[serde(default)]
    pub lang: Option<String>,
}

/// `POST /plans` body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    /// Where the visit starts.
    pub start: Endpoint,
    /// Where it must end, if anywhere (the last leg leads there).
    #[serde(default)]
    pub end: Option<Endpoint>,
    /// Start time, RFC 3339 with an offset, e.g. `2026-05-01T14:00:00+08:00`.
    pub start_time: String,
    /// Time budget in minutes, 1..=1440: walking, waiting and visits, up to arrival at `end`.
    pub budget_min: u32,
    /// Interest ids from the codebook.
    #[serde(default)]
    pub interests: Vec<String>,
    /// `standard` (default), `step_free` or `easy`.
    #[serde(default)]
    pub profile: Option<String>,
    /// Only free places.
    #[serde(default)]
    pub avoid_paid: bool,
    /// Cap on the plan's total fees in CNY.
    #[serde(default)]
    pub max_fee_cny: Option<f64>,
    /// Only places in these areas.
    #[serde(default)]
    pub areas: Option<Vec<String>>,
    /// Place ids that must be visited.
    #[serde(default)]
    pub must: Vec<String>,
    /// Place ids never to visit.
    #[serde(default)]
    pub avoid: Vec<String>,
    /// `zh` or `en` (default `en`): the language of explanations and warnings.
    #[serde(default)]
    pub lang: Option<String>,
    /// `relaxed`, `normal` (default) or `packed`: how long visits last and how many stops an
    /// hour the plan aims at (see `docs/planner.md`).
    #[serde(default)]
    pub pace: Option<String>,
    /// Plan a meal when the plan is long enough and spans a meal time (default `true`).
    #[serde(default)]
    pub meals: Option<bool>,
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

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

/// How long visits last and how many stops an hour a plan aims at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pace {
    /// Longer visits, fewer stops.
    Relaxed,
    /// The seed's visit lengths.
    #[default]
    Normal,
    /// Shorter visits, more stops.
    Packed,
}

impl Pace {
    /// Parses `relaxed`, `normal` or `packed`.
    pub fn parse(s: &str) -> Option<Pace> {
        match s {
            "relaxed" => Some(Pace::Relaxed),
            "normal" => Some(Pace::Normal),
            "packed" => Some(Pace::Packed),
            _ => None,
        }
    }
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
}

// ---------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------

/// A place with its parsed hours and graph node.
#[derive(Clone, Debug)]
pub(crate) struct Place {
    pub spec: PlaceSpec,
    pub hours: OpeningHours,
    pub node_idx: usize,
    /// Index of the place's node in the matrices.
    pub matrix_idx: usize,
    /// Index of the place's area in [`PlanningModel::area_ids`].
    pub area_idx: usize,
}

/// Places whose nodes are at most this far apart (metres) are at the same spot: one stop.
pub const SAME_SPOT_M: f64 = 25.0;

/// Tuning of the plan solver.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SolverOptions {
    /// Candidate sets up to this size are solved exactly.
    pub exact_max_candidates: usize,
    /// Labels kept per state of the exact solver (0: no cap, provably optimal but exponential
    /// in the worst case). The visitor-value model's time-dependent values weaken dominance, so
    /// a plan's dynamic programme keeps the best few labels per `(visited set, last stop)`.
    pub exact_label_cap: usize,
    /// Iterations of the local-search heuristic for larger sets (deterministic).
    pub heuristic_iterations: u32,
    /// Wall-clock cap in milliseconds on the heuristic: a safety net against a starved CPU only.
    /// The iteration count ends the search (about 5 ms in a release build), so the same request
    /// gives the same plan; the cap is set far above that so that slow (debug) builds and busy
    /// machines stay deterministic too.
    pub heuristic_time_cap_ms: u64,
    /// Seed of the heuristic's random generator.
    pub seed: u64,
}

impl Default for SolverOptions {
    fn default() -> Self {
        SolverOptions {
            exact_max_candidates: 12,
            exact_label_cap: 12,
            heuristic_iterations: 80,
            heuristic_time_cap_ms: 2_000,
            seed: 0x5EED_2026,
        }
    }
}

/// An immutable planning snapshot of one site. Build once, share behind an `Arc`.
#[derive(Clone, Debug)]
pub struct PlanningModel {
    pub(crate) site: SiteInfo,
    pub(crate) graph: Graph,
    pub(crate) places: Vec<Place>,
    pub(crate) place_ids: HashMap<String, usize>,
    pub(crate) findings: Vec<Finding>,
    pub(crate) interests: Vec<Interest>,
    pub(crate) stats: HashMap<String, PlaceStats>,
    pub(crate) version: i64,
    pub(crate) costs: Vec<CostTable>,
    pub(crate) matrices: Vec<Matrix>,
    pub(crate) snapper: Snapper,
    /// Area ids: the site's, then any others the places name (when the site lists none).
    pub(crate) area_ids: Vec<String>,
    pub(crate) max_snap_distance_m: f64,
    pub(crate) solver: SolverOptions,
    /// The site's public holidays, for `PH` rules.
    pub(crate) holidays: Holidays,
}

fn finite(id: &str, field: &'static str, v: f64) -> Result<f64, ModelError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(merr(id, field, format!("{v} is not a finite number")))
    }
}

impl PlanningModel {
    /// Validates the site's places, findings, interests and stats against the graph, and
    /// precomputes cost tables, the snapper and the per-profile travel-time matrices between
    /// place nodes.
    pub fn build(
        site: SiteInfo,
        graph: Graph,
        places: Vec<PlaceSpec>,
        findings: Vec<Finding>,
        interests: Vec<Interest>,
        stats: HashMap<String, PlaceStats>,
        version: i64,
    ) -> Result<PlanningModel, ModelError> {
        finite(&site.id, "center_lon", site.center_lon)?;
        finite(&site.id, "center_lat", site.center_lat)?;
        if !(-180.0..=180.0).contains(&site.center_lon)
            || !(-90.0..=90.0).contains(&site.center_lat)
        {
            return Err(merr(
                &site.id,
                "center",
                "site centre is not a valid [lon, lat]",
            ));
        }
        if !(-16 * 60..=16 * 60).contains(&site.utc_offset_min) {
            return Err(merr(
                &site.id,
                "utc_offset_min",
                format!("UTC offset {} min is outside ±16 h", site.utc_offset_min),
            ));
        }
        let area_known = |a: &str| site.areas.is_empty() || site.areas.iter().any(|x| x == a);

        let mut area_ids: Vec<String> = site.areas.clone();
        let mut place_ids = HashMap::new();
        let mut parsed = Vec::with_capacity(places.len());
        let mut matrix_nodes: Vec<usize> = Vec::new();
        let mut matrix_of_node: HashMap<usize, usize> = HashMap::new();
        for p in places {
            if p.id.is_empty() {
                return Err(merr(&p.id, "id", "place id is empty"));
            }
            if place_ids.contains_key(&p.id) {
                return Err(merr(&p.id, "id", format!("duplicate place id '{}'", p.id)));
            }
            if !area_known(&p.area) {
                return Err(merr(&p.id, "area", format!("unknown area '{}'", p.area)));
            }
            if !p.fee_cny.is_finite() || p.fee_cny < 0.0 {
                return Err(merr(
                    &p.id,
                    "fee_cny",
                    format!("fee {} is not a number ≥ 0", p.fee_cny),
                ));
            }
            if !p.popularity.is_finite() || !(0.0..=1.0).contains(&p.popularity) {
                return Err(merr(
                    &p.id,
                    "popularity",
                    format!("popularity {} is not in 0..1", p.popularity),
                ));
            }
            if p.dwell_min > 1440 {
                return Err(merr(&p.id, "dwell_min", "dwell time is over a day"));
            }
            let hours = OpeningHours::parse(&p.hours).map_err(|e| merr(&p.id, "hours", e))?;
            let node_idx = graph
                .node_index(&p.node)
                .ok_or_else(|| merr(&p.id, "node", format!("unknown node '{}'", p.node)))?;
            let matrix_idx = *matrix_of_node.entry(node_idx).or_insert_with(|| {
                matrix_nodes.push(node_idx);
                matrix_nodes.len() - 1
            });
            let area_idx = match area_ids.iter().position(|a| *a == p.area) {
                Some(i) => i,
                None => {
                    area_ids.push(p.area.clone());
                    area_ids.len() - 1
                }
            };
            if area_idx >= 64 {
                return Err(merr(&p.id, "area", "a site may have at most 64 areas"));
            }
            place_ids.insert(p.id.clone(), parsed.len());
            parsed.push(Place {
                spec: p,
                hours,
                node_idx,
                matrix_idx,
                area_idx,
            });
        }

        let mut finding_ids = HashMap::new();
        for f in &findings {
            if f.id.is_empty() {
                return Err(merr(&f.id, "id", "finding id is empty"));
            }
            if finding_ids.insert(f.id.as_str(), ()).is_some() {
                return Err(merr(
                    &f.id,
                    "id",
                    format!("duplicate finding id '{}'", f.id),
                ));
            }
            let check_area = |a: &str| {
                if area_known(a) {
                    Ok(())
                } else {
                    Err(merr(&f.id, "rule", format!("unknown area '{a}'")))
                }
            };
            match &f.rule {
                Rule::AreaOrder { first, then } => {
                    check_area(first)?;
                    check_area(then)?;
                    if first == then {
                        return Err(merr(&f.id, "rule", "area_order names the same area twice"));
                    }
                }
                Rule::CombineAreas { areas, bonus } => {
                    for a in areas {
                        check_area(a)?;
                    }
                    finite(&f.id, "rule", *bonus)?;
                }
                Rule::ValueForMoney {
                    fee_weight_per_cny, ..
                } => {
                    finite(&f.id, "rule", *fee_weight_per_cny)?;
                }
                Rule::Crowding {
                    peak_hours,
                    weekend_factor,
                    penalty,
                    ..
                } => {
                    finite(&f.id, "rule", *weekend_factor)?;
                    finite(&f.id, "rule", *penalty)?;
                    for h in peak_hours {
                        if h[0] >= h[1] || h[1] > 24 {
                            return Err(merr(
                                &f.id,
                                "rule",
                                format!(
                                    "peak hours [{}, {}] are not a range within 0..24",
                                    h[0], h[1]
                                ),
                            ));
                        }
                    }
                }
                Rule::Popularity { weight, .. } => {
                    finite(&f.id, "rule", *weight)?;
                }
                Rule::Daylight { .. }
                | Rule::FreeAlternative { .. }
                | Rule::Wayfinding
                | Rule::CommercialSameness { .. } => {}
            }
        }

        let mut interest_ids = HashMap::new();
        for i in &interests {
            if interest_ids.insert(i.id.as_str(), ()).is_some() {
                return Err(merr(
                    &i.id,
                    "id",
                    format!("duplicate interest id '{}'", i.id),
                ));
            }
        }

        for (id, s) in &stats {
            for (field, v) in [
                ("score", s.score),
                ("value_for_money", s.value_for_money),
                ("findability", s.findability),
                ("photo_success", s.photo_success),
            ] {
                if let Some(v) = v {
                    finite(id, field, v)?;
                }
            }
            if let Some(c) = &s.crowding_by_hour {
                if c.len() != 168 {
                    return Err(merr(
                        id,
                        "crowding_by_hour",
                        format!("{} slots; 168 (7 × 24) are needed", c.len()),
                    ));
                }
                for &v in c {
                    finite(id, "crowding_by_hour", v)?;
                }
            }
        }

        let costs: Vec<CostTable> = Profile::ALL
            .iter()
            .map(|&p| CostTable::new(&graph, p))
            .collect();
        let matrices = Profile::ALL
            .iter()
            .map(|&p| Matrix::build(&graph, &costs[p.index()], &costs[0], matrix_nodes.clone()))
            .collect();
        let snapper = Snapper::new(&graph, site.center_lon, site.center_lat);
        let holidays = Holidays::new(site.public_holidays.iter().copied());
        Ok(PlanningModel {
            site,
            graph,
            places: parsed,
            place_ids,
            findings,
            interests,
            stats,
            version,
            costs,
            matrices,
            snapper,
            area_ids,
            max_snap_distance_m: DEFAULT_MAX_SNAP_DISTANCE_M,
            solver: SolverOptions::default(),
            holidays,
        })
    }

    /// Whether two places are at the same spot: the same node, or nodes at most
    /// [`SAME_SPOT_M`] apart (a container is at no spot).
    pub(crate) fn same_spot(&self, a: usize, b: usize) -> bool {
        let (pa, pb) = (&self.places[a], &self.places[b]);
        if pa.spec.container || pb.spec.container {
            return false;
        }
        let pos = |p: &Place| {
            let n = &self.graph.nodes()[p.node_idx];
            [n.lon, n.lat]
        };
        pa.node_idx == pb.node_idx || crate::geodesy::haversine_m(pos(pa), pos(pb)) <= SAME_SPOT_M
    }

    /// The snapshot version given at build time.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// The pedestrian graph.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The site.
    pub fn site(&self) -> &SiteInfo {
        &self.site
    }

    /// The places, in input order.
    pub fn places(&self) -> impl Iterator<Item = &PlaceSpec> {
        self.places.iter().map(|p| &p.spec)
    }

    /// The site's public holidays.
    pub fn holidays(&self) -> &Holidays {
        &self.holidays
    }

    /// The findings, in input order.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// How far in metres a point may lie from the nearest usable edge (default 300).
    pub fn max_snap_distance_m(&self) -> f64 {
        self.max_snap_distance_m
    }

    /// Sets how far in metres a point may lie from the nearest usable edge.
    pub fn set_max_snap_distance_m(&mut self, metres: f64) {
        self.max_snap_distance_m = metres;
    }

    /// Builder form of [`PlanningModel::set_max_snap_distance_m`].
    pub fn with_max_snap_distance_m(mut self, metres: f64) -> Self {
        self.max_snap_distance_m = metres;
        self
    }

    /// The solver's tuning.
    pub fn solver_options(&self) -> SolverOptions {
        self.solver
    }

    /// Sets the solver's tuning.
    pub fn set_solver_options(&mut self, options: SolverOptions) {
        self.solver = options;
    }

    /// Walking time in seconds between two places' nodes under a profile, from the
    /// precomputed matrix; `None` for an unknown id, infinite when unreachable.
    pub fn travel_time_s(&self, from_place: &str, to_place: &str, profile: Profile) -> Option<f64> {
        let a = &self.places[*self.place_ids.get(from_place)?];
        let b = &self.places[*self.place_ids.get(to_place)?];
        Some(self.matrices[profile.index()].time_s(a.matrix_idx, b.matrix_idx))
    }

    /// A visit plan for the request.
    pub fn plan(&self, req: &PlanRequest) -> Result<Plan, PlanError> {
        crate::plan::plan(self, req)
    }

    /// A walking leg between two endpoints.
    pub fn directions(&self, req: &DirectionsRequest) -> Result<Leg, PlanError> {
        crate::directions::directions(self, req)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Place(id) => f.write_str(id),
            Endpoint::Point { lat, lon } => write!(f, "({lat}, {lon})"),
        }
    }
}
