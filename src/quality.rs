//! Plan quality on a grid of visitor scenarios: the built-in Eling seed, a deterministic set of
//! plan requests (start points in each area, weekday and weekend, morning to December dusk,
//! budgets of 1 to 8 hours, interests, profiles, languages), the plans read back as JSON, and the
//! figures and checks of `docs/plan-quality.md`.
//!
//! Plans are read by field name from their JSON form and requests are written as JSON, so the
//! module works with any version of the plan API that keeps the names it reads: a missing field
//! counts as absent, and a request the planner's `PlanRequest` does not accept (a field it does
//! not know yet) is recorded as [`Outcome::Unsupported`].
//!
//! No HTTP, database or cache: the planning model is built in process from the embedded seed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Weekday};
use planner::geodesy::haversine_m;
use planner::hours::OpeningHours;
use planner::model::{DirectionsRequest, Endpoint, PlanRequest, PlanningModel};
use serde_json::{json, Value};

use crate::model::{build_snapshot, Snapshot};
use crate::seed::{self, SeedFiles};

/// The study's most photographed sights, which a plan of any length should try to include.
pub const HIGHLIGHTS: [&str; 5] = [
    "liziba-viewing-platform",
    "city-radio-rooftop",
    "kansheng-tower",
    "red-footbridge",
    "building-h-graffiti-hall",
];

/// Places that stand for a whole park or area; a plan should never list them as a stop.
pub const CONTAINERS: [&str; 3] = ["factory-park", "liziba-relics-park", "eling-park"];

/// The Liziba viewing platform, where visitors watch the monorail pass through the building.
pub const LIZIBA_PLATFORM: &str = "liziba-viewing-platform";

/// Lunch, local minutes after midnight: 11:30–13:30.
pub const LUNCH: (f64, f64) = (690.0, 810.0);
/// Dinner: 17:30–19:30.
pub const DINNER: (f64, f64) = (1050.0, 1170.0);

/// Minutes a stop must leave for it to count as a meal.
pub const MEAL_MIN: f64 = 30.0;

/// Two stops closer than this (metres) are the same spot for a visitor.
pub const SAME_SPOT_M: f64 = 25.0;

/// Closures the seed's hours may not express, from the places reference: the Stilwell Museum
/// closes in January and February, the T2 art centre on Mondays.
pub const KNOWN_CLOSURES: [Closure; 2] = [
    Closure {
        place: "stilwell-museum",
        months: &[1, 2],
        weekdays: &[],
    },
    Closure {
        place: "t2-art-center",
        months: &[],
        weekdays: &[Weekday::Mon],
    },
];

/// A place closed in some months or on some weekdays.
#[derive(Clone, Copy, Debug)]
pub struct Closure {
    /// Place id.
    pub place: &'static str,
    /// Months (1–12) it is closed.
    pub months: &'static [u32],
    /// Weekdays it is closed.
    pub weekdays: &'static [Weekday],
}

impl Closure {
    /// Whether the place is closed on `date`.
    pub fn closed_on(&self, date: NaiveDate) -> bool {
        self.months.contains(&date.month()) || self.weekdays.contains(&date.weekday())
    }
}

// ---------------------------------------------------------------------------------------------
// The site
// ---------------------------------------------------------------------------------------------

/// What the checks need to know about a place.
#[derive(Clone, Debug)]
pub struct PlaceInfo {
    /// Area id.
    pub area: String,
    /// Kind.
    pub kind: String,
    /// Open codes.
    pub tags: Vec<String>,
    /// `[lon, lat]` in degrees.
    pub position: [f64; 2],
    /// Graph node id.
    pub node: String,
    /// `[lon, lat]` of the graph node, where the place is reached on foot.
    pub node_position: [f64; 2],
    /// Typical visit in minutes.
    pub dwell_min: u32,
    /// Opening hours, when the planner's parser reads them.
    pub hours: Option<OpeningHours>,
    /// Marked closed in the seed.
    pub closed: bool,
    /// A park or area as a whole (the container list, or the seed's `container` flag if it has
    /// one).
    pub container: bool,
}

impl PlaceInfo {
    /// Somewhere to eat: a restaurant, or a café that serves meals.
    pub fn is_meal(&self) -> bool {
        self.kind == "restaurant" || self.tags.iter().any(|t| t == "restaurants")
    }
}

/// The site the grid runs on: the snapshot built from the embedded seed and place facts.
pub struct Site {
    /// The snapshot, with its planning model.
    pub snapshot: Arc<Snapshot>,
    /// Places by id.
    pub places: HashMap<String, PlaceInfo>,
    /// Crowding peak hours `[start, end)` from the findings.
    pub peak_hours: Vec<[u32; 2]>,
    /// Every id a visitor should never read in a text: places, areas, findings, open codes and
    /// interests.
    pub ids: HashSet<String>,
}

impl Site {
    /// The Eling site from the seed built into the binary.
    pub fn embedded() -> Site {
        let data = seed::parse(&SeedFiles::embedded()).expect("the embedded seed parses");
        let snapshot = build_snapshot(data, 1, HashMap::new()).expect("the embedded seed builds");
        Site::from_snapshot(snapshot)
    }

    /// Place facts, peak hours and ids from a snapshot.
    pub fn from_snapshot(snapshot: Arc<Snapshot>) -> Site {
        let data = &snapshot.data;
        let node_at: HashMap<&str, [f64; 2]> = data
            .nodes
            .iter()
            .map(|n| (n.id.as_str(), [n.lon, n.lat]))
            .collect();
        let mut places = HashMap::new();
        let mut ids = HashSet::new();
        for p in &data.places {
            let flag = serde_json::to_value(p)
                .ok()
                .and_then(|v| v.get("container").and_then(Value::as_bool))
                .unwrap_or(false);
            places.insert(
                p.id.clone(),
                PlaceInfo {
                    area: p.area.clone(),
                    kind: p.kind.clone(),
                    tags: p.tags.clone(),
                    position: [p.lon, p.lat],
                    node: p.node.clone(),
                    node_position: node_at
                        .get(p.node.as_str())
                        .copied()
                        .unwrap_or([p.lon, p.lat]),
                    dwell_min: p.dwell_min,
                    hours: OpeningHours::parse(&p.hours).ok(),
                    closed: p.closed,
                    container: flag || CONTAINERS.contains(&p.id.as_str()),
                },
            );
            ids.insert(p.id.clone());
            ids.extend(p.tags.iter().cloned());
        }
        let mut peak_hours = Vec::new();
        for f in &data.findings {
            ids.insert(f.id.clone());
            ids.insert(f.code.clone());
            if f.rule.get("type").and_then(Value::as_str) == Some("crowding") {
                if let Some(hours) = f.rule.get("peak_hours").and_then(Value::as_array) {
                    for h in hours {
                        if let (Some(a), Some(b)) = (
                            h.get(0).and_then(Value::as_u64),
                            h.get(1).and_then(Value::as_u64),
                        ) {
                            peak_hours.push([a as u32, b as u32]);
                        }
                    }
                }
            }
        }
        ids.extend(data.areas.iter().map(|a| a.id.clone()));
        ids.extend(data.codebook.codes.iter().map(|c| c.id.clone()));
        ids.extend(data.codebook.interests.iter().map(|i| i.id.clone()));
        Site {
            snapshot,
            places,
            peak_hours,
            ids,
        }
    }

    /// The planning model.
    pub fn model(&self) -> &PlanningModel {
        &self.snapshot.planning
    }

    /// Whether a visit starting at local minute `min` falls in a crowding peak hour.
    pub fn at_peak(&self, min: f64) -> bool {
        let hour = ((min / 60.0).floor() as i64).rem_euclid(24) as u32;
        self.peak_hours.iter().any(|p| p[0] <= hour && hour < p[1])
    }

    /// Walking minutes from a start to a place under a profile (`None` when unreachable).
    pub fn walk_min(&self, start: &StartPoint, place: &str, profile: &str) -> Option<f64> {
        if start.place == Some(place) {
            return Some(0.0);
        }
        let req = DirectionsRequest {
            from: start.endpoint(),
            to: Endpoint::Place(place.to_string()),
            profile: Some(profile.to_string()),
            lang: None,
        };
        self.model()
            .directions(&req)
            .ok()
            .map(|leg| leg.duration_s / 60.0)
    }

    /// Whether `text` names a raw id. In Chinese text any ASCII id counts; in English only ids
    /// that no English sentence would contain (with `-` or `_`).
    pub fn raw_id_in(&self, text: &str, lang: &str) -> Option<String> {
        text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .map(|w| w.trim_matches('-'))
            .filter(|w| !w.is_empty())
            .find(|w| self.ids.contains(*w) && (lang == "zh" || w.contains('-') || w.contains('_')))
            .map(str::to_string)
    }
}

/// Doubled punctuation such as `。。`, `..`, `，，` or `；。`.
pub fn doubled_punctuation(text: &str) -> Option<String> {
    const P: &[char] = &[
        '。', '，', '；', '、', '：', '！', '？', '.', ',', ';', ':', '!', '?', '…',
    ];
    let chars: Vec<char> = text.chars().collect();
    chars
        .windows(2)
        .find(|w| P.contains(&w[0]) && P.contains(&w[1]))
        .map(|w| w.iter().collect())
}

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

/// Where a scenario starts.
#[derive(Clone, Copy, Debug)]
pub struct StartPoint {
    /// Short label.
    pub label: &'static str,
    /// Area the start lies in.
    pub area: &'static str,
    /// A place id, or `None` for a GPS point.
    pub place: Option<&'static str>,
    /// `[lat, lon]` of a GPS point.
    pub point: [f64; 2],
}

impl StartPoint {
    /// The request's `start`.
    pub fn endpoint(&self) -> Endpoint {
        match self.place {
            Some(p) => Endpoint::Place(p.to_string()),
            None => Endpoint::Point {
                lat: self.point[0],
                lon: self.point[1],
            },
        }
    }

    fn json(&self) -> Value {
        match self.place {
            Some(p) => json!(p),
            None => json!({"lat": self.point[0], "lon": self.point[1]}),
        }
    }
}

const fn place(label: &'static str, area: &'static str, id: &'static str) -> StartPoint {
    StartPoint {
        label,
        area,
        place: Some(id),
        point: [0.0, 0.0],
    }
}

const fn gps(label: &'static str, area: &'static str, lat: f64, lon: f64) -> StartPoint {
    StartPoint {
        label,
        area,
        place: None,
        point: [lat, lon],
    }
}

/// The grid's start points: two places and a GPS fix in the factory, the station, the platform
/// and a GPS fix at Liziba, the gate and a GPS fix at Eling Park.
pub const STARTS: [StartPoint; 8] = [
    place("factory-main-square", "factory", "factory-main-square"),
    place("huajiang-building", "factory", "huajiang-building"),
    gps("gps@factory-gate", "factory", 29.5539, 106.5357),
    place("liziba-station", "liziba", "liziba-station"),
    place(
        "liziba-viewing-platform",
        "liziba",
        "liziba-viewing-platform",
    ),
    gps("gps@liziba-exit-1", "liziba", 29.5557, 106.5337),
    place("eling-park-main-gate", "eling-park", "eling-park-main-gate"),
    gps("gps@eling-park-gate", "eling-park", 29.5516, 106.5323),
];

/// A day of the grid.
#[derive(Clone, Copy, Debug)]
pub struct Day {
    /// Short label.
    pub label: &'static str,
    /// ISO date.
    pub date: &'static str,
}

impl Day {
    /// The date.
    pub fn naive(&self) -> NaiveDate {
        NaiveDate::parse_from_str(self.date, "%Y-%m-%d").expect("grid dates are valid")
    }
}

/// A May Monday and Saturday, a January Wednesday and a December Wednesday (sunset about 18:00).
pub const DAYS: [Day; 4] = [
    Day {
        label: "May Mon",
        date: "2026-05-11",
    },
    Day {
        label: "May Sat",
        date: "2026-05-16",
    },
    Day {
        label: "Jan Wed",
        date: "2026-01-14",
    },
    Day {
        label: "Dec Wed",
        date: "2026-12-16",
    },
];

/// Start times, local minutes after midnight: 08:00, 10:00, 13:00, 16:30, 17:30.
pub const TIMES_MIN: [u32; 5] = [480, 600, 780, 990, 1050];
/// Budgets in minutes.
pub const BUDGETS_MIN: [u32; 6] = [60, 120, 180, 240, 360, 480];
/// Interest sets: none, photography, film and fans, architecture and history, food.
pub const INTERESTS: [&[&str]; 5] = [
    &[],
    &["photography"],
    &["film", "fans"],
    &["architecture", "history"],
    &["food"],
];

/// Why a scenario is in the grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// The sampled product of starts, days, times, budgets, interests, profiles and languages.
    Grid,
    /// An area or avoid restriction.
    Restricted,
    /// `meals: false`.
    MealsOff,
    /// Half of a `pace` pair: the same request as `relaxed` and as `packed`.
    Pace,
}

/// One plan request of the grid.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Position in the grid.
    pub index: usize,
    /// Why it is in the grid.
    pub group: Group,
    /// Start.
    pub start: StartPoint,
    /// Day.
    pub day: Day,
    /// Local start, minutes after midnight.
    pub time_min: u32,
    /// Budget in minutes.
    pub budget_min: u32,
    /// Interest ids.
    pub interests: Vec<&'static str>,
    /// `standard` or `step_free`.
    pub profile: &'static str,
    /// `zh` or `en`.
    pub lang: &'static str,
    /// `pace`, when set.
    pub pace: Option<&'static str>,
    /// `meals`, when set.
    pub meals: Option<bool>,
    /// `areas`, when set.
    pub areas: Option<Vec<&'static str>>,
    /// `avoid`.
    pub avoid: Vec<&'static str>,
}

impl Scenario {
    /// The request body.
    pub fn request(&self) -> Value {
        let mut r = json!({
            "start": self.start.json(),
            "start_time": format!(
                "{}T{:02}:{:02}:00+08:00",
                self.day.date,
                self.time_min / 60,
                self.time_min % 60
            ),
            "budget_min": self.budget_min,
            "interests": self.interests,
            "profile": self.profile,
            "lang": self.lang,
        });
        if let Some(p) = self.pace {
            r["pace"] = json!(p);
        }
        if let Some(m) = self.meals {
            r["meals"] = json!(m);
        }
        if let Some(a) = &self.areas {
            r["areas"] = json!(a);
        }
        if !self.avoid.is_empty() {
            r["avoid"] = json!(self.avoid);
        }
        r
    }

    /// Whether the request uses a field of the new plan API (`pace`, `meals`).
    pub fn uses_new_fields(&self) -> bool {
        self.pace.is_some() || self.meals.is_some()
    }

    /// Whether the area and avoid lists leave the whole site open.
    pub fn unrestricted(&self) -> bool {
        self.areas.is_none() && self.avoid.is_empty()
    }

    /// Whether the visitor may be sent to `place` in `area`.
    pub fn admits(&self, place: &str, area: &str) -> bool {
        !self.avoid.contains(&place) && self.areas.as_ref().is_none_or(|a| a.contains(&area))
    }

    /// Whether the plan's time span `[start, start + budget]` covers the window whole.
    pub fn spans(&self, window: (f64, f64)) -> bool {
        let start = f64::from(self.time_min);
        start <= window.0 && start + f64::from(self.budget_min) >= window.1
    }

    /// Whether the pace is normal (unset or `normal`).
    pub fn normal_pace(&self) -> bool {
        self.pace.is_none_or(|p| p == "normal")
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "#{} {} {} {:02}:{:02} {} min",
            self.index,
            self.start.label,
            self.day.label,
            self.time_min / 60,
            self.time_min % 60,
            self.budget_min
        )?;
        if !self.interests.is_empty() {
            write!(f, " [{}]", self.interests.join(","))?;
        }
        write!(f, " {} {}", self.profile, self.lang)?;
        if let Some(p) = self.pace {
            write!(f, " pace={p}")?;
        }
        if let Some(m) = self.meals {
            write!(f, " meals={m}")?;
        }
        if let Some(a) = &self.areas {
            write!(f, " areas={}", a.join(","))?;
        }
        if !self.avoid.is_empty() {
            write!(f, " avoid={}", self.avoid.join(","))?;
        }
        Ok(())
    }
}

/// SplitMix64: the grid's own deterministic sampler.
struct Sampler(u64);

impl Sampler {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z % n as u64) as usize
    }
}

/// The grid: every start × day × time with two budgets drawn without repetition, interests,
/// profile (standard 3 in 4) and language drawn for each; then restricted requests, `meals: false`
/// requests and `pace` pairs. Deterministic: the same list on every run.
pub fn grid() -> Vec<Scenario> {
    let mut out: Vec<Scenario> = Vec::new();
    grid_scenarios(&mut out);
    restricted_scenarios(&mut out);
    history_scenarios(&mut out);
    meals_off_scenarios(&mut out);
    pace_pairs(&mut out);
    out
}

/// A scenario of the grid with the defaults: no interests, standard profile, English.
fn scenario(start: StartPoint, day: Day, time_min: u32, budget_min: u32) -> Scenario {
    Scenario {
        index: 0,
        group: Group::Grid,
        start,
        day,
        time_min,
        budget_min,
        interests: Vec::new(),
        profile: "standard",
        lang: "en",
        pace: None,
        meals: None,
        areas: None,
        avoid: Vec::new(),
    }
}

/// Appends a scenario, numbering it.
fn push(out: &mut Vec<Scenario>, mut s: Scenario) {
    s.index = out.len();
    out.push(s);
}

/// Every start point, day and time with two drawn budgets, drawn interests, profile and language.
fn grid_scenarios(out: &mut Vec<Scenario>) {
    let mut rng = Sampler(0x9E11_2026);
    for start in STARTS {
        for day in DAYS {
            for time in TIMES_MIN {
                let first = rng.below(BUDGETS_MIN.len());
                let second = (first + 1 + rng.below(BUDGETS_MIN.len() - 1)) % BUDGETS_MIN.len();
                for b in [first, second] {
                    let mut s = scenario(start, day, time, BUDGETS_MIN[b]);
                    s.interests = INTERESTS[rng.below(INTERESTS.len())].to_vec();
                    s.profile = if rng.below(4) == 0 {
                        "step_free"
                    } else {
                        "standard"
                    };
                    s.lang = if rng.below(2) == 0 { "zh" } else { "en" };
                    push(out, s);
                }
            }
        }
    }
}

/// Plans kept to some areas, or avoiding some places.
fn restricted_scenarios(out: &mut Vec<Scenario>) {
    let (may_mon, may_sat, jan, dec) = (DAYS[0], DAYS[1], DAYS[2], DAYS[3]);
    type Limits = (Option<Vec<&'static str>>, Vec<&'static str>);
    let restricted: [(StartPoint, Day, u32, u32, Limits); 6] = [
        (
            STARTS[0],
            may_sat,
            600,
            240,
            (Some(vec!["factory"]), vec![]),
        ),
        (STARTS[3], may_mon, 600, 180, (Some(vec!["liziba"]), vec![])),
        (
            STARTS[6],
            jan,
            600,
            240,
            (Some(vec!["eling-park", "liziba"]), vec![]),
        ),
        (
            STARTS[0],
            may_mon,
            780,
            240,
            (None, vec!["red-footbridge", "city-radio-rooftop"]),
        ),
        (STARTS[4], dec, 600, 180, (None, vec![LIZIBA_PLATFORM])),
        (
            STARTS[2],
            may_sat,
            600,
            360,
            (Some(vec!["factory", "eling-park"]), vec![]),
        ),
    ];
    for (i, (start, day, time, budget, (areas, avoid))) in restricted.into_iter().enumerate() {
        let mut s = scenario(start, day, time, budget);
        s.group = Group::Restricted;
        s.areas = areas;
        s.avoid = avoid;
        s.lang = ["zh", "en"][i % 2];
        push(out, s);
    }
}

/// History at Liziba in January and in May (the Stilwell Museum closes in January and
/// February) and art in the factory on a Monday and a Saturday (the T2 art centre closes on
/// Mondays).
fn history_scenarios(out: &mut Vec<Scenario>) {
    let (may_mon, may_sat, jan) = (DAYS[0], DAYS[1], DAYS[2]);
    for (i, (start, day, areas)) in [
        (STARTS[3], jan, "liziba"),
        (STARTS[3], may_mon, "liziba"),
        (STARTS[0], may_mon, "factory"),
        (STARTS[0], may_sat, "factory"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut s = scenario(start, day, 600, 360);
        s.group = Group::Restricted;
        s.interests = vec!["history"];
        s.areas = Some(vec![areas]);
        s.lang = ["en", "zh"][i % 2];
        push(out, s);
    }
}

/// Long plans over lunch or dinner that ask for no meal.
fn meals_off_scenarios(out: &mut Vec<Scenario>) {
    let (may_mon, may_sat, jan, dec) = (DAYS[0], DAYS[1], DAYS[2], DAYS[3]);
    for (i, (start, day, time, budget)) in [
        (STARTS[0], may_sat, 600, 240),
        (STARTS[3], may_mon, 600, 360),
        (STARTS[6], jan, 990, 240),
        (STARTS[2], dec, 600, 480),
    ]
    .into_iter()
    .enumerate()
    {
        let mut s = scenario(start, day, time, budget);
        s.group = Group::MealsOff;
        s.meals = Some(false);
        s.lang = ["zh", "en"][i % 2];
        push(out, s);
    }
}

/// The same request as relaxed and as packed.
fn pace_pairs(out: &mut Vec<Scenario>) {
    let (may_mon, may_sat, jan, dec) = (DAYS[0], DAYS[1], DAYS[2], DAYS[3]);
    for (i, (start, day, time, budget, interests)) in [
        (STARTS[0], may_sat, 600, 180, INTERESTS[1]),
        (STARTS[1], may_mon, 780, 240, INTERESTS[0]),
        (STARTS[2], jan, 600, 360, INTERESTS[3]),
        (STARTS[3], may_mon, 600, 240, INTERESTS[2]),
        (STARTS[6], may_sat, 780, 180, INTERESTS[0]),
        (STARTS[0], dec, 600, 480, INTERESTS[4]),
        (STARTS[5], jan, 780, 180, INTERESTS[1]),
        (STARTS[7], may_mon, 600, 240, INTERESTS[3]),
    ]
    .into_iter()
    .enumerate()
    {
        for pace in ["relaxed", "packed"] {
            let mut s = scenario(start, day, time, budget);
            s.group = Group::Pace;
            s.interests = interests.to_vec();
            s.pace = Some(pace);
            s.lang = ["zh", "en"][i % 2];
            push(out, s);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Running the grid
// ---------------------------------------------------------------------------------------------

/// What became of a scenario.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// A plan, as JSON.
    Planned(Value),
    /// The planner refused the request.
    Rejected {
        /// HTTP status.
        status: u16,
        /// Error code.
        code: String,
        /// In words.
        message: String,
    },
    /// `PlanRequest` does not accept the request (a field this version does not know).
    Unsupported(String),
}

/// A scenario and its outcome.
#[derive(Clone, Debug)]
pub struct Run {
    /// The scenario.
    pub scenario: Scenario,
    /// Its outcome.
    pub outcome: Outcome,
}

impl Run {
    /// The plan's JSON, when there is one.
    pub fn plan_json(&self) -> Option<&Value> {
        match &self.outcome {
            Outcome::Planned(v) => Some(v),
            _ => None,
        }
    }
}

/// Plans one scenario.
pub fn run_one(model: &PlanningModel, scenario: &Scenario) -> Outcome {
    let req: PlanRequest = match serde_json::from_value(scenario.request()) {
        Ok(r) => r,
        Err(e) => return Outcome::Unsupported(e.to_string()),
    };
    match model.plan(&req) {
        Ok(plan) => Outcome::Planned(serde_json::to_value(&plan).expect("a plan serialises")),
        Err(e) => Outcome::Rejected {
            status: e.status,
            code: e.code.to_string(),
            message: e.message,
        },
    }
}

/// Plans every scenario on up to `threads` threads; results keep the scenarios' order.
pub fn run_grid(model: &PlanningModel, scenarios: &[Scenario], threads: usize) -> Vec<Run> {
    let threads = threads.clamp(1, 16);
    let mut slots: Vec<Option<Outcome>> = vec![None; scenarios.len()];
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    scenarios
                        .iter()
                        .enumerate()
                        .skip(t)
                        .step_by(threads)
                        .map(|(i, s)| (i, run_one(model, s)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            for (i, o) in h.join().expect("a planning thread panicked") {
                slots[i] = Some(o);
            }
        }
    });
    scenarios
        .iter()
        .cloned()
        .zip(slots)
        .map(|(scenario, o)| Run {
            scenario,
            outcome: o.expect("every scenario ran"),
        })
        .collect()
}

/// Threads to plan on: the machine's parallelism, at most 4.
pub fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(4)
}

// ---------------------------------------------------------------------------------------------
// Reading plans
// ---------------------------------------------------------------------------------------------

/// A stop as the checks read it.
#[derive(Clone, Debug)]
pub struct StopView {
    /// Place id.
    pub place_id: String,
    /// Area id.
    pub area: String,
    /// Kind.
    pub kind: String,
    /// Arrival, local minutes after midnight of the start date.
    pub arrive_min: f64,
    /// Departure, same scale.
    pub depart_min: f64,
    /// Minutes waited for the opening.
    pub wait_min: f64,
    /// The `why` texts (a missing or empty text as "").
    pub why: Vec<String>,
    /// The summary.
    pub summary: String,
    /// Every place visited at this stop: its own, then the `also_here` entries marked visited.
    pub visited: Vec<String>,
}

impl StopView {
    /// Minutes of the visit itself: departure − arrival − wait.
    pub fn dwell_min(&self) -> f64 {
        self.depart_min - self.arrive_min - self.wait_min
    }

    /// When the visit itself starts.
    pub fn visit_start_min(&self) -> f64 {
        self.arrive_min + self.wait_min
    }
}

/// A warning as the checks read it; fields are `None` when absent or of the wrong type.
#[derive(Clone, Debug)]
pub struct WarningView {
    /// `code`.
    pub code: Option<String>,
    /// `severity`.
    pub severity: Option<String>,
    /// `message`.
    pub message: Option<String>,
    /// `stops`, when an array of strings.
    pub stops: Option<Vec<String>>,
}

/// A plan as the checks read it.
#[derive(Clone, Debug)]
pub struct PlanView {
    /// Start, local minutes after midnight of the start date.
    pub start_min: f64,
    /// End, same scale.
    pub end_min: f64,
    /// Sunset, same scale.
    pub sunset_min: Option<f64>,
    /// Stops in order.
    pub stops: Vec<StopView>,
    /// Warnings.
    pub warnings: Vec<WarningView>,
    /// Plan-level explanation texts.
    pub explanations: Vec<String>,
}

fn minutes_since(date: NaiveDate, rfc3339: Option<&str>) -> Option<f64> {
    let t = DateTime::parse_from_rfc3339(rfc3339?).ok()?.naive_local();
    let midnight = date.and_hms_opt(0, 0, 0)?;
    Some((t - midnight).num_seconds() as f64 / 60.0)
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(o) => o
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    }
}

fn str_field(v: &Value, name: &str) -> String {
    v.get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

impl PlanView {
    /// Reads a plan's JSON; `date` is the scenario's start date.
    pub fn read(plan: &Value, date: NaiveDate) -> PlanView {
        let at = |name: &str, v: &Value| minutes_since(date, v.get(name).and_then(Value::as_str));
        let empty = Vec::new();
        let stops = plan
            .get("stops")
            .and_then(Value::as_array)
            .unwrap_or(&empty)
            .iter()
            .map(|s| StopView {
                place_id: str_field(s, "place_id"),
                area: str_field(s, "area"),
                kind: str_field(s, "kind"),
                arrive_min: at("arrive", s).unwrap_or(f64::NAN),
                depart_min: at("depart", s).unwrap_or(f64::NAN),
                wait_min: s.get("wait_min").and_then(Value::as_f64).unwrap_or(0.0),
                why: s
                    .get("why")
                    .and_then(Value::as_array)
                    .map(|w| w.iter().map(text_of).collect())
                    .unwrap_or_default(),
                summary: str_field(s, "summary"),
                visited: std::iter::once(str_field(s, "place_id"))
                    .chain(
                        s.get("also_here")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .filter(|a| a.get("visited").and_then(Value::as_bool) == Some(true))
                            .map(|a| str_field(a, "place_id")),
                    )
                    .collect(),
            })
            .collect();
        let warnings = plan
            .get("warnings")
            .and_then(Value::as_array)
            .unwrap_or(&empty)
            .iter()
            .map(|w| WarningView {
                code: w.get("code").and_then(Value::as_str).map(str::to_string),
                severity: w
                    .get("severity")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                message: w.get("message").and_then(Value::as_str).map(str::to_string),
                stops: w.get("stops").and_then(Value::as_array).and_then(|a| {
                    a.iter()
                        .map(|x| x.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>()
                }),
            })
            .collect();
        let explanations = plan
            .get("explanations")
            .and_then(Value::as_array)
            .map(|e| e.iter().map(text_of).collect())
            .unwrap_or_default();
        PlanView {
            start_min: at("start_time", plan).unwrap_or(f64::NAN),
            end_min: at("end_time", plan).unwrap_or(f64::NAN),
            sunset_min: at("sunset", plan),
            stops,
            warnings,
            explanations,
        }
    }

    /// Hours from start to end.
    pub fn hours(&self) -> f64 {
        (self.end_min - self.start_min) / 60.0
    }

    /// Stops per hour of plan (0 for an empty or instant plan).
    pub fn stops_per_hour(&self) -> f64 {
        let h = self.hours();
        if self.stops.is_empty() || h <= 0.0 {
            0.0
        } else {
            self.stops.len() as f64 / h
        }
    }

    /// Median visit minutes of the plan's stops.
    pub fn median_dwell_min(&self) -> Option<f64> {
        median(self.stops.iter().map(StopView::dwell_min).collect())
    }

    /// Warnings with this code.
    pub fn count_code(&self, code: &str) -> usize {
        self.warnings
            .iter()
            .filter(|w| w.code.as_deref() == Some(code))
            .count()
    }

    /// Whether the plan visits `place` (as a stop, or visited at another stop's spot).
    pub fn visits(&self, place: &str) -> bool {
        self.stops
            .iter()
            .any(|s| s.visited.iter().any(|v| v == place))
    }

    /// Whether the plan runs past sunset.
    pub fn past_sunset(&self) -> bool {
        self.sunset_min.is_some_and(|s| self.end_min > s)
    }

    /// Every text a visitor reads in the plan: `why`s, summaries, warnings, explanations.
    pub fn texts(&self) -> Vec<&str> {
        let mut t: Vec<&str> = Vec::new();
        for s in &self.stops {
            t.extend(s.why.iter().map(String::as_str));
            t.push(&s.summary);
        }
        t.extend(self.warnings.iter().filter_map(|w| w.message.as_deref()));
        t.extend(self.explanations.iter().map(String::as_str));
        t
    }

    /// A stop at a meal place (its own, or one visited at its spot) with room for a meal of
    /// [`MEAL_MIN`] minutes starting inside the window.
    pub fn meal_in(&self, site: &Site, window: (f64, f64)) -> bool {
        self.stops.iter().any(|s| {
            let at_meal_place = s
                .visited
                .iter()
                .any(|v| site.places.get(v).is_some_and(PlaceInfo::is_meal));
            let earliest = s.visit_start_min().max(window.0);
            at_meal_place && earliest < window.1 && earliest + MEAL_MIN <= s.depart_min + 1e-6
        })
    }

    /// Pairs of consecutive stops at one spot: the same graph node, or nodes within
    /// [`SAME_SPOT_M`] (a place is where it is reached on foot: its node; the places' own
    /// coordinates are estimates that may put a rooftop above the street beside it).
    pub fn same_spot_pairs(&self, site: &Site) -> Vec<(String, String)> {
        self.stops
            .windows(2)
            .filter_map(|w| {
                let a = site.places.get(&w[0].place_id)?;
                let b = site.places.get(&w[1].place_id)?;
                (a.node == b.node || haversine_m(a.node_position, b.node_position) <= SAME_SPOT_M)
                    .then(|| (w[0].place_id.clone(), w[1].place_id.clone()))
            })
            .collect()
    }

    /// Stops (as `(earlier, later)` place ids) at a spot the plan had already visited and
    /// left: the visitor walks back to where they stood before.
    pub fn returns_to_spot(&self, site: &Site) -> Vec<(String, String)> {
        let same = |a: &StopView, b: &StopView| {
            let (Some(pa), Some(pb)) = (site.places.get(&a.place_id), site.places.get(&b.place_id))
            else {
                return false;
            };
            pa.node == pb.node || haversine_m(pa.node_position, pb.node_position) <= SAME_SPOT_M
        };
        let mut out = Vec::new();
        for k in 2..self.stops.len() {
            if same(&self.stops[k - 1], &self.stops[k]) {
                continue;
            }
            if let Some(j) = (0..k - 1).find(|&j| same(&self.stops[j], &self.stops[k])) {
                out.push((
                    self.stops[j].place_id.clone(),
                    self.stops[k].place_id.clone(),
                ));
            }
        }
        out
    }

    /// Whether one `why` text appears on every stop (plans of three or more stops).
    pub fn same_why_everywhere(&self) -> Option<String> {
        if self.stops.len() < 3 {
            return None;
        }
        self.stops[0]
            .why
            .iter()
            .filter(|t| !t.trim().is_empty())
            .find(|t| self.stops[1..].iter().all(|s| s.why.contains(t)))
            .cloned()
    }

    /// Whether some `why` text appears on two or more stops.
    pub fn repeated_why(&self) -> Option<String> {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for s in &self.stops {
            let mine: HashSet<&str> = s
                .why
                .iter()
                .map(String::as_str)
                .filter(|t| !t.trim().is_empty())
                .collect();
            for t in mine {
                *seen.entry(t).or_default() += 1;
            }
        }
        let mut rep: Vec<&str> = seen
            .into_iter()
            .filter(|&(_, n)| n >= 2)
            .map(|(t, _)| t)
            .collect();
        rep.sort_unstable();
        rep.first().map(|t| t.to_string())
    }
}

/// The median, `None` for no values.
pub fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// When a highlight could be visited in full: the earliest visit that starts on arrival (or at
/// the opening), ends before sunset and is open throughout. `None` when unreachable, closed,
/// or not possible before `deadline_min`.
pub fn highlight_visit_end(
    site: &Site,
    scenario: &Scenario,
    sunset_min: Option<f64>,
    highlight: &str,
    deadline_min: f64,
) -> Option<f64> {
    let info = site.places.get(highlight)?;
    if info.closed {
        return None;
    }
    let walk = site.walk_min(&scenario.start, highlight, scenario.profile)?;
    let weekday = scenario.day.naive().weekday();
    let dwell = f64::from(info.dwell_min);
    let mut t = f64::from(scenario.time_min) + walk;
    let hours = info.hours.as_ref()?;
    // Wait for the opening, minute by minute, within the day.
    while t < deadline_min && !hours.is_open_at(weekday, t.ceil() as u32 % 1440) {
        t = t.floor() + 1.0;
    }
    let end = t + dwell;
    let open_through = (t.ceil() as u32..(end.ceil() as u32).max(t.ceil() as u32 + 1))
        .step_by(5)
        .all(|m| hours.is_open_at(weekday, m % 1440));
    let daylight = sunset_min.is_none_or(|s| end <= s);
    (open_through && daylight && end <= deadline_min).then_some(end)
}

// ---------------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------------

/// `num` out of `den`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ratio {
    /// Counted.
    pub num: usize,
    /// Out of.
    pub den: usize,
}

impl Ratio {
    fn add(&mut self, hit: bool) {
        self.den += 1;
        self.num += usize::from(hit);
    }

    /// `num / den`, 0 for an empty denominator.
    pub fn share(&self) -> f64 {
        if self.den == 0 {
            0.0
        } else {
            self.num as f64 / self.den as f64
        }
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 0 {
            write!(f, "– (0)")
        } else {
            write!(
                f,
                "{:.1} % ({}/{})",
                100.0 * self.share(),
                self.num,
                self.den
            )
        }
    }
}

/// The grid's figures (see `docs/plan-quality.md` for the definitions).
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    /// Scenarios counted (those without `pace`/`meals`).
    pub scenarios: usize,
    /// Of those, planned.
    pub plans: usize,
    /// Refused by the planner.
    pub rejected: usize,
    /// Scenarios with `pace`/`meals` that `PlanRequest` does not accept.
    pub unsupported: usize,
    /// Plans without stops.
    pub empty_plans: usize,
    /// Stops.
    pub stops: usize,
    /// Stops per hour of plan (all stops over all plan hours).
    pub stops_per_hour: f64,
    /// Median minutes of a stop's visit.
    pub median_dwell_min: f64,
    /// Factory-start plans with a budget ≥ 180 min that reach Liziba.
    pub factory_reaches_liziba: Ratio,
    /// Plans with a highlight reachable in budget that contain at least one.
    pub highlight_included: Ratio,
    /// Plans ≥ 240 min spanning lunch or dinner with a meal stop in every such window.
    pub meal_coverage: Ratio,
    /// Warnings per plan.
    pub warnings_per_plan: f64,
    /// `crowded` warnings per plan.
    pub crowded_per_plan: f64,
    /// Stops whose `why` is empty.
    pub empty_why_stops: Ratio,
    /// Plans where one `why` text repeats on two or more stops.
    pub repeated_why_plans: Ratio,
    /// Texts with a raw id.
    pub raw_id_texts: Ratio,
    /// Texts with doubled punctuation.
    pub doubled_punct_texts: Ratio,
    /// Container stops.
    pub container_stops: Ratio,
    /// Consecutive stop pairs at one spot.
    pub same_spot_pairs: Ratio,
    /// Plans of three or more stops that come back to a spot (within [`SAME_SPOT_M`]) they left.
    pub returning_plans: Ratio,
    /// Liziba-start plans whose first stop is not in Liziba.
    pub liziba_start_leaves_first: Ratio,
    /// Plans running past sunset without a `dark_soon` warning.
    pub dark_without_warning: Ratio,
    /// Stops at a closed place (known closures or `closed`).
    pub closed_visits: Ratio,
}

/// Whether a stop on `date` is at a place known to be closed then.
pub fn closed_visit(site: &Site, place: &str, date: NaiveDate) -> bool {
    site.places.get(place).is_some_and(|p| p.closed)
        || KNOWN_CLOSURES
            .iter()
            .any(|c| c.place == place && c.closed_on(date))
}

/// Computes the figures over the runs that use no new request field.
pub fn metrics(site: &Site, runs: &[Run]) -> Metrics {
    let mut m = Metrics::default();
    let mut dwells = Vec::new();
    let (mut plan_hours, mut warnings, mut crowded) = (0.0, 0usize, 0usize);
    for run in runs {
        let s = &run.scenario;
        if s.uses_new_fields() {
            if matches!(run.outcome, Outcome::Unsupported(_)) {
                m.unsupported += 1;
            }
            continue;
        }
        m.scenarios += 1;
        let plan = match &run.outcome {
            Outcome::Planned(v) => PlanView::read(v, s.day.naive()),
            Outcome::Rejected { .. } => {
                m.rejected += 1;
                continue;
            }
            Outcome::Unsupported(_) => {
                m.unsupported += 1;
                continue;
            }
        };
        m.plans += 1;
        if plan.stops.is_empty() {
            m.empty_plans += 1;
        } else {
            plan_hours += plan.hours().max(0.0);
        }
        m.stops += plan.stops.len();
        dwells.extend(plan.stops.iter().map(StopView::dwell_min));
        warnings += plan.warnings.len();
        crowded += plan.count_code("crowded");

        judge_plan(&mut m, site, s, &plan);
    }
    let per_plan = |n: usize| {
        if m.plans == 0 {
            0.0
        } else {
            n as f64 / m.plans as f64
        }
    };
    m.warnings_per_plan = per_plan(warnings);
    m.crowded_per_plan = per_plan(crowded);
    m.stops_per_hour = if plan_hours > 0.0 {
        m.stops as f64 / plan_hours
    } else {
        0.0
    };
    m.median_dwell_min = median(dwells).unwrap_or(0.0);
    m
}

/// Adds one plan to the ratios of the figures: highlights, meals, reasons, containers, closed
/// visits, same-spot pairs, returns, leaving Liziba and darkness.
fn judge_plan(m: &mut Metrics, site: &Site, s: &Scenario, plan: &PlanView) {
    if s.start.area == "factory" && s.budget_min >= 180 {
        m.factory_reaches_liziba
            .add(plan.stops.iter().any(|st| st.area == "liziba"));
    }
    let deadline = f64::from(s.time_min + s.budget_min);
    let reachable: Vec<&str> = HIGHLIGHTS
        .iter()
        .copied()
        .filter(|h| {
            site.places.get(*h).is_some_and(|p| s.admits(h, &p.area))
                && highlight_visit_end(site, s, plan.sunset_min, h, deadline).is_some()
        })
        .collect();
    if !reachable.is_empty() {
        m.highlight_included
            .add(HIGHLIGHTS.iter().any(|h| plan.visits(h)));
    }
    if s.budget_min >= 240 {
        let windows: Vec<(f64, f64)> = [LUNCH, DINNER]
            .into_iter()
            .filter(|w| s.spans(*w))
            .collect();
        if !windows.is_empty() {
            m.meal_coverage
                .add(windows.iter().all(|w| plan.meal_in(site, *w)));
        }
    }
    for st in &plan.stops {
        m.empty_why_stops
            .add(st.why.iter().all(|t| t.trim().is_empty()));
        m.container_stops
            .add(site.places.get(&st.place_id).is_some_and(|p| p.container));
        m.closed_visits
            .add(closed_visit(site, &st.place_id, s.day.naive()));
    }
    if plan.stops.len() >= 2 {
        m.repeated_why_plans.add(plan.repeated_why().is_some());
    }
    for t in plan.texts() {
        m.raw_id_texts.add(site.raw_id_in(t, s.lang).is_some());
        m.doubled_punct_texts.add(doubled_punctuation(t).is_some());
    }
    if plan.stops.len() >= 2 {
        let pairs = plan.same_spot_pairs(site).len();
        m.same_spot_pairs.num += pairs;
        m.same_spot_pairs.den += plan.stops.len() - 1;
    }
    if plan.stops.len() >= 3 {
        m.returning_plans
            .add(!plan.returns_to_spot(site).is_empty());
    }
    if s.start.area == "liziba" && !plan.stops.is_empty() {
        m.liziba_start_leaves_first
            .add(plan.stops[0].area != "liziba");
    }
    if plan.past_sunset() {
        m.dark_without_warning
            .add(plan.count_code("dark_soon") == 0);
    }
}

impl Metrics {
    /// The figures as `(name, value)` rows.
    pub fn rows(&self) -> Vec<(&'static str, String)> {
        vec![
            ("scenarios (without pace/meals)", self.scenarios.to_string()),
            ("plans", self.plans.to_string()),
            ("refused by the planner", self.rejected.to_string()),
            (
                "requests with pace/meals not accepted",
                self.unsupported.to_string(),
            ),
            ("plans without stops", self.empty_plans.to_string()),
            ("stops", self.stops.to_string()),
            (
                "stops per hour of plan",
                format!("{:.2}", self.stops_per_hour),
            ),
            (
                "median dwell per stop (min)",
                format!("{:.1}", self.median_dwell_min),
            ),
            (
                "factory start, budget ≥ 180 min: reaches Liziba",
                self.factory_reaches_liziba.to_string(),
            ),
            (
                "highlight reachable in budget: plan has ≥ 1 highlight",
                self.highlight_included.to_string(),
            ),
            (
                "≥ 240 min over lunch/dinner: meal stop in each window",
                self.meal_coverage.to_string(),
            ),
            (
                "warnings per plan",
                format!("{:.2}", self.warnings_per_plan),
            ),
            (
                "crowded warnings per plan",
                format!("{:.2}", self.crowded_per_plan),
            ),
            ("stops with empty why", self.empty_why_stops.to_string()),
            (
                "plans repeating a why text on ≥ 2 stops",
                self.repeated_why_plans.to_string(),
            ),
            ("texts with a raw id", self.raw_id_texts.to_string()),
            (
                "texts with doubled punctuation",
                self.doubled_punct_texts.to_string(),
            ),
            ("container stops", self.container_stops.to_string()),
            (
                "consecutive stops at one spot",
                self.same_spot_pairs.to_string(),
            ),
            (
                "plans coming back to a spot they left (≥ 3 stops)",
                self.returning_plans.to_string(),
            ),
            (
                "Liziba start: first stop outside Liziba",
                self.liziba_start_leaves_first.to_string(),
            ),
            (
                "past sunset without dark_soon",
                self.dark_without_warning.to_string(),
            ),
            ("stops at a closed place", self.closed_visits.to_string()),
        ]
    }

    /// A Markdown table of the figures.
    pub fn markdown(&self) -> String {
        let mut s = String::from("| metric | value |\n|---|---|\n");
        for (k, v) in self.rows() {
            s.push_str(&format!("| {k} | {v} |\n"));
        }
        s
    }
}

/// Outcomes counted by kind, e.g. `planned`, `rejected 422 infeasible`, `unsupported`.
pub fn outcome_counts(runs: &[Run]) -> BTreeMap<String, usize> {
    let mut c = BTreeMap::new();
    for r in runs {
        let k = match &r.outcome {
            Outcome::Planned(_) => "planned".to_string(),
            Outcome::Rejected { status, code, .. } => format!("rejected {status} {code}"),
            Outcome::Unsupported(_) => "unsupported".to_string(),
        };
        *c.entry(k).or_default() += 1;
    }
    c
}
