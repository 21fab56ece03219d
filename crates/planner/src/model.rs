//! The planning model: an immutable snapshot of one site (graph, places, findings, rating
//! aggregates, cost tables, snapper and per-profile travel-time matrices). Its two operations,
//! [`PlanningModel::plan`] and [`PlanningModel::directions`], are implemented in the crate's
//! `plan` and `directions` modules.
//!
//! The site data, request and response types are defined in their own modules and re-exported
//! here, so `planner::model::PlanRequest` and the like keep working.

use std::collections::HashMap;

use crate::cost::{CostTable, Profile};
use crate::graph::Graph;
use crate::hours::{Holidays, OpeningHours};
use crate::paths::Matrix;
use crate::snap::{Snapper, DEFAULT_MAX_SNAP_DISTANCE_M};

pub use crate::request::{DirectionsRequest, Endpoint, Pace, PlanError, PlanRequest};
pub use crate::response::{
    AlsoHere, Citation, EdgeRef, Exploration, Instruction, Leg, LineString, Plan, Severity, Stop,
    Totals, Warning,
};
pub use crate::site::{
    Finding, Interest, PlaceSpec, PlaceStats, Rule, ScorePrior, Signal, SiteInfo, MIN_EVIDENCE,
};

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

/// Whether the site knows the area (any area when it lists none).
fn area_known(site: &SiteInfo, a: &str) -> bool {
    site.areas.is_empty() || site.areas.iter().any(|x| x == a)
}

/// Checks the site's centre and UTC offset.
fn check_site(site: &SiteInfo) -> Result<(), ModelError> {
    finite(&site.id, "center_lon", site.center_lon)?;
    finite(&site.id, "center_lat", site.center_lat)?;
    if !(-180.0..=180.0).contains(&site.center_lon) || !(-90.0..=90.0).contains(&site.center_lat) {
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
    Ok(())
}

/// The places read against the site and the graph.
struct ParsedPlaces {
    /// The site's areas, then any others the places name.
    area_ids: Vec<String>,
    place_ids: HashMap<String, usize>,
    parsed: Vec<Place>,
    /// The graph node of each matrix index.
    matrix_nodes: Vec<usize>,
}

/// Checks every place and resolves its hours, node, matrix index and area index.
fn parse_places(
    site: &SiteInfo,
    graph: &Graph,
    places: Vec<PlaceSpec>,
) -> Result<ParsedPlaces, ModelError> {
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
        check_place_fields(site, &p)?;
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
    Ok(ParsedPlaces {
        area_ids,
        place_ids,
        parsed,
        matrix_nodes,
    })
}

/// Checks a place's area, fee, popularity and dwell time.
fn check_place_fields(site: &SiteInfo, p: &PlaceSpec) -> Result<(), ModelError> {
    if !area_known(site, &p.area) {
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
    Ok(())
}

/// Checks that finding ids are present and unique, and every finding's rule.
fn check_findings(site: &SiteInfo, findings: &[Finding]) -> Result<(), ModelError> {
    let mut finding_ids = HashMap::new();
    for f in findings {
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
        check_rule(site, f)?;
    }
    Ok(())
}

/// Checks a finding's rule: known areas, finite numbers and peak hours within the day.
fn check_rule(site: &SiteInfo, f: &Finding) -> Result<(), ModelError> {
    let check_area = |a: &str| {
        if area_known(site, a) {
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
    Ok(())
}

/// Checks that interest ids are unique.
fn check_interests(interests: &[Interest]) -> Result<(), ModelError> {
    let mut interest_ids = HashMap::new();
    for i in interests {
        if interest_ids.insert(i.id.as_str(), ()).is_some() {
            return Err(merr(
                &i.id,
                "id",
                format!("duplicate interest id '{}'", i.id),
            ));
        }
    }
    Ok(())
}

/// Checks that the stats' numbers are finite, evidence is not negative and crowding has one
/// slot per hour of the week (or none).
fn check_stats(stats: &HashMap<String, PlaceStats>) -> Result<(), ModelError> {
    let signal = |id: &str, field: &'static str, s: &Signal| -> Result<(), ModelError> {
        for v in [s.n, s.mean, s.sd] {
            finite(id, field, v)?;
        }
        if s.n < 0.0 || s.sd < 0.0 {
            return Err(merr(id, field, "evidence and spread cannot be negative"));
        }
        Ok(())
    };
    for (id, s) in stats {
        for (field, v) in [
            ("overall", &s.overall),
            ("value_for_money", &s.value_for_money),
            ("findability", &s.findability),
            ("photos", &s.photos),
            ("crowding", &s.crowding),
        ] {
            signal(id, field, v)?;
        }
        if let Some(d) = s.dwell_min {
            if !(d.is_finite() && (0.0..=1440.0).contains(&d)) {
                return Err(merr(
                    id,
                    "dwell_min",
                    format!("{d} is not a visit length in minutes (0 to 1440)"),
                ));
            }
        }
        if let Some(p) = &s.prior {
            finite(id, "prior", p.mean)?;
            finite(id, "prior", p.weight)?;
        }
        let c = &s.crowding_by_hour;
        if !c.is_empty() && c.len() != 168 {
            return Err(merr(
                id,
                "crowding_by_hour",
                format!("{} slots; 168 (7 × 24) are needed", c.len()),
            ));
        }
        for v in c.iter().flatten() {
            signal(id, "crowding_by_hour", v)?;
        }
    }
    Ok(())
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
        check_site(&site)?;
        let ParsedPlaces {
            area_ids,
            place_ids,
            parsed,
            matrix_nodes,
        } = parse_places(&site, &graph, places)?;
        check_findings(&site, &findings)?;
        check_interests(&interests)?;
        check_stats(&stats)?;
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

    /// A place's usual visit length in minutes: the learned one from the feedback loop's visit
    /// records ([`PlaceStats::dwell_min`]) when there is one, else the seed's `dwell_min`.
    pub fn dwell_min(&self, place: usize) -> f64 {
        let spec = &self.places[place].spec;
        self.stats
            .get(&spec.id)
            .and_then(|s| s.dwell_min)
            .unwrap_or(f64::from(spec.dwell_min))
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
}
