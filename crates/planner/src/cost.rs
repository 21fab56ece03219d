//! The cost model: how long walking an edge takes, per direction and mobility profile.
//!
//! Every edge gets a [`Traversal`] per direction: `time_s` is the expected walking time in
//! seconds; `cost_s` is what route search minimises (equal to the time, except for the `easy`
//! profile, which adds penalties for climbing). `None` means the profile may not use the edge.
//!
//! Constants and their sources:
//! * walking on slopes: Tobler's hiking function (Tobler 1993, "Three presentations on
//!   geographical analysis and modeling", NCGIA TR 93-1): `v = 6 · exp(−3.5 · |s + 0.05|)` km/h
//!   for slope `s` (rise over horizontal run), fastest on a gentle descent of 5 %, slower uphill
//!   than downhill at equal grade. Scaled by [`PACE_FACTOR`] = 0.8 for a sightseeing pace: with it
//!   the model gives ≈23 min down and ≈32 min up for the 1.64 km, 133 m walk between the factory
//!   park and Liziba station, against 23.4 and 32.1 min from a pedestrian router (Valhalla over
//!   OpenStreetMap) for the same walk;
//! * stairs: per step, from the horizontal speeds on stairs reported by Fruin (1971,
//!   "Pedestrian Planning and Design"), about 0.5 m/s up and 0.6 m/s down over 0.28 m treads,
//!   rounded to a visitor's pace;
//! * elevators: a wait, door time and car speed typical of low-rise public lifts (1 m/s);
//! * crossings: the mean pedestrian delay at a signalised crossing, `(C − g)² / 2C` (Highway
//!   Capacity Manual 2010, ch. 18) with a 90 s cycle and 30 s walk phase: 20 s;
//! * footbridges: the climb to and from a deck about 5 m above the road when the seed draws the
//!   bridge as one level edge.

use serde::{Deserialize, Serialize};

use crate::graph::{Edge, EdgeKind, Graph};

/// Peak speed of Tobler's hiking function in km/h (reached on a 5 % descent).
pub const TOBLER_PEAK_KMH: f64 = 6.0;
/// Decay of Tobler's function per unit of slope (dimensionless).
pub const TOBLER_DECAY: f64 = 3.5;
/// Slope of Tobler's fastest walking (a 5 % descent), as rise over run.
pub const TOBLER_FASTEST_SLOPE: f64 = -0.05;
/// Sightseeing pace relative to Tobler's on-path speed (dimensionless); flat speed is then
/// 0.8 × 5.04 km/h ≈ 4.0 km/h ≈ 1.12 m/s.
pub const PACE_FACTOR: f64 = 0.8;
/// Slopes beyond this magnitude (rise over run) are treated as this steep when applying Tobler's
/// function; steeper walkways are also never faster than stairs of the same height.
pub const MAX_WALK_SLOPE: f64 = 0.6;
/// Seconds per step climbing stairs (Fruin: ≈0.5 m/s horizontally over 0.28 m treads ≈ 0.56 s,
/// rounded up for a visitor's pace).
pub const STAIR_UP_S_PER_STEP: f64 = 0.6;
/// Seconds per step descending stairs (Fruin: ≈0.6 m/s over 0.28 m treads ≈ 0.47 s, rounded).
pub const STAIR_DOWN_S_PER_STEP: f64 = 0.5;
/// Riser height in metres used to estimate a flight's step count when the seed gives none.
pub const STAIR_RISER_M: f64 = 0.16;
/// Tread depth in metres: horizontal length covered per step; longer flights have landings
/// walked at the flat speed.
pub const STAIR_TREAD_M: f64 = 0.28;
/// Mean wait in seconds for a public elevator car.
pub const ELEVATOR_WAIT_S: f64 = 45.0;
/// Seconds for doors, boarding and alighting per elevator ride.
pub const ELEVATOR_DOOR_S: f64 = 10.0;
/// Elevator car speed in metres per second (low-rise passenger lifts).
pub const ELEVATOR_SPEED_MPS: f64 = 1.0;
/// Mean delay in seconds at a road crossing (HCM 2010 `(C − g)² / 2C`, C = 90 s, g = 30 s).
pub const CROSSING_DELAY_S: f64 = 20.0;
/// Extra seconds for a footbridge: ramps or steps to a deck about 5 m up and back down.
pub const FOOTBRIDGE_DELAY_S: f64 = 20.0;
/// Speed factor (dimensionless) for walking along a road without a separate footway.
pub const ROAD_SPEED_FACTOR: f64 = 0.9;
/// Speed factor (dimensionless) indoors: doors, corridors, turns.
pub const INDOOR_SPEED_FACTOR: f64 = 0.9;
/// `easy` profile: cost in seconds added per metre climbed on foot (walkways, stairs …; not
/// elevators).
pub const EASY_CLIMB_PENALTY_S_PER_M: f64 = 5.0;
/// `easy` profile: further cost in seconds per metre climbed on stairs or on grades steeper than
/// [`EASY_STEEP_SLOPE`].
pub const EASY_STEEP_CLIMB_PENALTY_S_PER_M: f64 = 30.0;
/// `easy` profile: cost in seconds per metre descended on stairs or steep grades.
pub const EASY_STEEP_DESCENT_PENALTY_S_PER_M: f64 = 5.0;
/// `easy` profile: cost in seconds added per stair step, up or down.
pub const EASY_STEP_PENALTY_S: f64 = 0.5;
/// Grade (rise over run) above which a climb counts as steep: 8.5 %, about the 1:12 limit that
/// accessibility codes set for ramps.
pub const EASY_STEEP_SLOPE: f64 = 0.085;
/// `easy` profile: its route may take at most this factor times the standard route's time …
pub const EASY_MAX_DETOUR_FACTOR: f64 = 2.0;
/// … plus this many seconds; otherwise the standard route is used.
pub const EASY_MAX_DETOUR_EXTRA_S: f64 = 300.0;

/// A mobility profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// Any open edge.
    #[default]
    Standard,
    /// No stairs or steps at all: only edges marked step-free (elevators and ramps allowed).
    StepFree,
    /// Avoids long climbs and many steps, at a detour bounded by [`EASY_MAX_DETOUR_FACTOR`].
    Easy,
}

impl Profile {
    /// All profiles; `index()` is the position in this array.
    pub const ALL: [Profile; 3] = [Profile::Standard, Profile::StepFree, Profile::Easy];

    /// `standard`, `step_free` or `easy`.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Standard => "standard",
            Profile::StepFree => "step_free",
            Profile::Easy => "easy",
        }
    }

    /// Parses a profile name (`step-free` is accepted for `step_free`).
    pub fn parse(s: &str) -> Option<Profile> {
        match s {
            "standard" => Some(Profile::Standard),
            "step_free" | "step-free" => Some(Profile::StepFree),
            "easy" => Some(Profile::Easy),
            _ => None,
        }
    }

    /// Position in [`Profile::ALL`].
    pub fn index(self) -> usize {
        match self {
            Profile::Standard => 0,
            Profile::StepFree => 1,
            Profile::Easy => 2,
        }
    }

    /// Whether the profile may use the edge at all (closed edges never).
    pub fn allows(self, edge: &Edge) -> bool {
        if edge.closed {
            return false;
        }
        match self {
            Profile::Standard | Profile::Easy => true,
            Profile::StepFree => edge.step_free && edge.kind != EdgeKind::Stairs && edge.steps == 0,
        }
    }
}

/// Walking speed in metres per second on a slope (rise over horizontal run), by Tobler's hiking
/// function at [`PACE_FACTOR`].
pub fn walking_speed_mps(slope: f64) -> f64 {
    let s = slope.clamp(-MAX_WALK_SLOPE, MAX_WALK_SLOPE);
    let kmh = TOBLER_PEAK_KMH * (-TOBLER_DECAY * (s - TOBLER_FASTEST_SLOPE).abs()).exp();
    kmh * PACE_FACTOR / 3.6
}

/// Walking speed in metres per second on the flat.
pub fn flat_speed_mps() -> f64 {
    walking_speed_mps(0.0)
}

/// Seconds to climb (`rise_m` > 0) or descend (`rise_m` < 0) `steps` stair steps; a level
/// flight (`rise_m` = 0) costs the mean of the two.
pub fn stairs_time_s(steps: f64, rise_m: f64) -> f64 {
    let per_step = if rise_m > 0.0 {
        STAIR_UP_S_PER_STEP
    } else if rise_m < 0.0 {
        STAIR_DOWN_S_PER_STEP
    } else {
        0.5 * (STAIR_UP_S_PER_STEP + STAIR_DOWN_S_PER_STEP)
    };
    steps * per_step
}

/// The step count of a flight: the seed's when given, else estimated from its height.
pub fn stair_steps(edge: &Edge) -> f64 {
    if edge.steps > 0 {
        f64::from(edge.steps)
    } else {
        ((edge.ascent_m + edge.descent_m) / STAIR_RISER_M).round()
    }
}

/// Expected time and search cost of walking one edge in one direction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Traversal {
    /// Expected walking time in seconds.
    pub time_s: f64,
    /// What route search minimises, in seconds (time plus profile penalties).
    pub cost_s: f64,
}

/// Seconds to walk `length_m` horizontal metres rising `rise_m` metres on a walkway-like edge,
/// scaled by `speed_factor`.
pub fn walk_time_s(length_m: f64, rise_m: f64, speed_factor: f64) -> f64 {
    if length_m <= 0.0 {
        return stairs_time_s((rise_m.abs() / STAIR_RISER_M).round(), rise_m);
    }
    let slope = rise_m / length_m;
    let t = length_m / (walking_speed_mps(slope) * speed_factor);
    // A ramp is never faster than stairs of the same height.
    t.max(stairs_time_s(rise_m.abs() / STAIR_RISER_M, rise_m))
}

/// Time in seconds for walking the edge whole, in the given direction (`forward` follows the
/// geometry from `from` to `to`), ignoring profiles.
pub fn edge_time_s(edge: &Edge, forward: bool) -> f64 {
    let rise = if forward {
        edge.rise_m()
    } else {
        -edge.rise_m()
    };
    let len = edge.length_m;
    match edge.kind {
        EdgeKind::Walkway => walk_time_s(len, rise, 1.0),
        EdgeKind::Road => walk_time_s(len, rise, ROAD_SPEED_FACTOR),
        EdgeKind::Indoor => walk_time_s(len, rise, INDOOR_SPEED_FACTOR),
        EdgeKind::Crossing => walk_time_s(len, rise, 1.0) + CROSSING_DELAY_S,
        EdgeKind::Footbridge => walk_time_s(len, rise, 1.0) + FOOTBRIDGE_DELAY_S,
        EdgeKind::Stairs => {
            let steps = stair_steps(edge);
            let landing_m = (len - steps * STAIR_TREAD_M).max(0.0);
            stairs_time_s(steps, rise) + landing_m / flat_speed_mps()
        }
        EdgeKind::Elevator => {
            ELEVATOR_WAIT_S
                + ELEVATOR_DOOR_S
                + rise.abs() / ELEVATOR_SPEED_MPS
                + len / flat_speed_mps()
        }
    }
}

/// Time and cost for walking the edge in a direction under a profile; `None` when the profile
/// may not use it.
pub fn traverse(edge: &Edge, forward: bool, profile: Profile) -> Option<Traversal> {
    if !profile.allows(edge) {
        return None;
    }
    let time_s = edge_time_s(edge, forward);
    let cost_s = match profile {
        Profile::Standard | Profile::StepFree => time_s,
        Profile::Easy => {
            let rise = if forward {
                edge.rise_m()
            } else {
                -edge.rise_m()
            };
            let mut c = time_s;
            if edge.kind != EdgeKind::Elevator {
                let steep = edge.kind == EdgeKind::Stairs
                    || edge.length_m <= 0.0
                    || rise.abs() / edge.length_m > EASY_STEEP_SLOPE;
                if rise > 0.0 {
                    c += EASY_CLIMB_PENALTY_S_PER_M * rise;
                    if steep {
                        c += EASY_STEEP_CLIMB_PENALTY_S_PER_M * rise;
                    }
                } else if steep {
                    c += EASY_STEEP_DESCENT_PENALTY_S_PER_M * -rise;
                }
            }
            if edge.kind == EdgeKind::Stairs {
                c += EASY_STEP_PENALTY_S * stair_steps(edge);
            }
            c
        }
    };
    Some(Traversal { time_s, cost_s })
}

/// Per-edge traversals for one profile, both directions, computed once per snapshot.
#[derive(Clone, Debug)]
pub struct CostTable {
    /// The profile the table is for.
    pub profile: Profile,
    /// `[forward, backward]` per edge index.
    per_edge: Vec<[Option<Traversal>; 2]>,
}

impl CostTable {
    /// Computes every edge's traversals for `profile`.
    pub fn new(graph: &Graph, profile: Profile) -> Self {
        let per_edge = graph
            .edges()
            .iter()
            .map(|e| [traverse(e, true, profile), traverse(e, false, profile)])
            .collect();
        CostTable { profile, per_edge }
    }

    /// The traversal of edge `edge` in a direction.
    #[inline]
    pub fn get(&self, edge: usize, forward: bool) -> Option<Traversal> {
        self.per_edge[edge][usize::from(!forward)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::{edge, node};
    use crate::graph::Graph;

    fn one_edge(kind: EdgeKind, len_m: f64, rise_m: f64, steps: u32) -> Edge {
        let a = node("a", 0.0, 0.0, 100.0);
        let b = node("b", len_m, 0.0, 100.0 + rise_m);
        let mut e = edge("e", &a, &b, kind);
        e.steps = steps;
        Graph::build(vec![a, b], vec![e]).unwrap().edges()[0].clone()
    }

    #[test]
    fn tobler_shape() {
        let flat = walking_speed_mps(0.0);
        assert!((flat - 0.8 * 6.0 * (-0.175f64).exp() / 3.6).abs() < 1e-12);
        assert!(walking_speed_mps(-0.05) > flat, "gentle descent is fastest");
        assert!(
            walking_speed_mps(0.1) < walking_speed_mps(-0.1),
            "uphill slower than downhill"
        );
        for i in 0..20 {
            let s = 0.05 * f64::from(i);
            assert!(walking_speed_mps(s + 0.05) <= walking_speed_mps(s));
        }
    }

    #[test]
    fn uphill_is_slower_than_flat_and_downhill() {
        let flat = one_edge(EdgeKind::Walkway, 100.0, 0.0, 0);
        let up = one_edge(EdgeKind::Walkway, 100.0, 10.0, 0);
        let t_flat = edge_time_s(&flat, true);
        assert!((t_flat - 100.0 / flat_speed_mps()).abs() < 0.05);
        assert!(edge_time_s(&up, true) > t_flat);
        assert!(edge_time_s(&up, false) < edge_time_s(&up, true));
        // Steeper is slower.
        let steeper = one_edge(EdgeKind::Walkway, 100.0, 20.0, 0);
        assert!(edge_time_s(&steeper, true) > edge_time_s(&up, true));
    }

    #[test]
    fn stairs_cost_by_step_count_and_direction() {
        let s60 = one_edge(EdgeKind::Stairs, 15.0, 10.0, 60);
        let s120 = one_edge(EdgeKind::Stairs, 15.0, 10.0, 120);
        let up60 = edge_time_s(&s60, true);
        assert!((up60 - 60.0 * STAIR_UP_S_PER_STEP).abs() < 1e-9);
        assert!(edge_time_s(&s120, true) > up60);
        assert!((edge_time_s(&s60, false) - 60.0 * STAIR_DOWN_S_PER_STEP).abs() < 1e-9);
        // Unknown count: estimated from the height.
        let est = one_edge(EdgeKind::Stairs, 10.0, 8.0, 0);
        assert_eq!(stair_steps(&est), 50.0);
    }

    #[test]
    fn elevator_crossing_footbridge_delays() {
        let lift = one_edge(EdgeKind::Elevator, 1.0, 24.0, 0);
        let t = edge_time_s(&lift, true);
        assert!(t > ELEVATOR_WAIT_S + 24.0 && t < ELEVATOR_WAIT_S + ELEVATOR_DOOR_S + 26.0);
        assert!(
            (edge_time_s(&lift, false) - t).abs() < 1e-9,
            "lifts are symmetric"
        );
        let walk = one_edge(EdgeKind::Walkway, 20.0, 0.0, 0);
        let cross = one_edge(EdgeKind::Crossing, 20.0, 0.0, 0);
        let bridge = one_edge(EdgeKind::Footbridge, 20.0, 0.0, 0);
        let w = edge_time_s(&walk, true);
        assert!((edge_time_s(&cross, true) - w - CROSSING_DELAY_S).abs() < 1e-9);
        assert!((edge_time_s(&bridge, true) - w - FOOTBRIDGE_DELAY_S).abs() < 1e-9);
        let road = one_edge(EdgeKind::Road, 20.0, 0.0, 0);
        assert!(edge_time_s(&road, true) > w);
    }

    #[test]
    fn profiles_gate_and_penalise() {
        let stairs = one_edge(EdgeKind::Stairs, 15.0, 10.0, 60);
        assert!(traverse(&stairs, true, Profile::Standard).is_some());
        assert!(traverse(&stairs, true, Profile::StepFree).is_none());
        let easy = traverse(&stairs, true, Profile::Easy).unwrap();
        assert!(easy.cost_s > easy.time_s);
        let mut closed = one_edge(EdgeKind::Walkway, 10.0, 0.0, 0);
        closed.closed = true;
        for p in Profile::ALL {
            assert!(traverse(&closed, true, p).is_none());
        }
        let lift = one_edge(EdgeKind::Elevator, 1.0, 20.0, 0);
        let t = traverse(&lift, true, Profile::Easy).unwrap();
        assert_eq!(t.cost_s, t.time_s, "lifts carry no climbing penalty");
        assert!(traverse(&lift, true, Profile::StepFree).is_some());
        for p in Profile::ALL {
            assert_eq!(Profile::parse(p.as_str()), Some(p));
            assert_eq!(Profile::ALL[p.index()], p);
        }
    }

    #[test]
    fn calibration_against_the_reference_walk() {
        // 1.64 km with 133 m of height at a uniform grade: ≈23 min down, ≈32 min up.
        let e = one_edge(EdgeKind::Walkway, 1640.0, -133.0, 0);
        let down_min = edge_time_s(&e, true) / 60.0;
        let up_min = edge_time_s(&e, false) / 60.0;
        assert!((21.0..25.0).contains(&down_min), "{down_min}");
        assert!((30.0..34.0).contains(&up_min), "{up_min}");
    }
}
