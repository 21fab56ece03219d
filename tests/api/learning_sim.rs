//! A simulation that shows whether the feedback loop learns: the real server runs in-process and
//! simulated visitors use it only through its HTTP API — they ask for plans, follow them, rate
//! the stops against truths planted on the embedded Eling seed, post plan feedback with skips —
//! while an operator publishes a snapshot with the fresh aggregates every block of visitors.
//! Every plan is compared with the plans of two planners asked the same request directly: one
//! fed the truths with ample evidence (what the loop should converge to) and one without any
//! feedback (the seed alone).
//!
//! Shared by `examples/learning.rs` (the figures of `docs/learning.md`) and the `learning`
//! integration test; it uses nothing of the test helpers.

use chrono::{Datelike, Duration, NaiveDate, Timelike, Utc, Weekday};
use heritage_guide::auth::Role;
use heritage_guide::config::{Limits, Settings};
use heritage_guide::domain::SiteData;
use heritage_guide::feedback::aggregates::{site_stats, SiteAggregates, SLOTS};
use heritage_guide::model::{build_snapshot, Snapshot};
use heritage_guide::seed::{self, SeedFiles};
use heritage_guide::services::accounts;
use heritage_guide::startup::Application;
use heritage_guide::state::AppState;
use planner::model::{PlaceStats, PlanRequest, Signal};
use planner::rng::SplitMix64;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

pub const SITE: &str = "eling-no2-factory";

/// The API's bound on the share of the best plan's value an exploratory stop may cost.
pub const EXPLORATION_COST_BOUND: f64 = 0.05;

// ---------------------------------------------------------------------------------------------
// The planted truths.

/// Places the seed rates highly (popularity 0.65–0.83; Kansheng Tower is a highlight) that
/// visitors truly score about 2.
pub const OVER_RATED: [(&str, f64); 3] = [
    ("huajiang-building", 2.0),
    ("tnt-roof-deck-spot", 2.2),
    ("kansheng-tower", 2.0),
];
/// Places the seed rates low (popularity 0.3) that visitors truly score 4.7–5.
pub const UNDER_RATED: [(&str, f64); 3] = [
    ("gao-residence", 4.7),
    ("tiger-terrace", 5.0),
    ("king-of-trees", 4.8),
];
/// A place truly packed (crowding 5) at weekend hours [`PACKED_HOURS`] and quiet (1) otherwise.
pub const CROWDED: &str = "liziba-viewing-platform";
/// Local hours `[start, end)` on Saturdays and Sundays when [`CROWDED`] is packed.
pub const PACKED_HOURS: [u32; 2] = [13, 17];
/// A spot visitors fail to find with probability [`MISS_SHARE`]; those who find it rate its
/// findability 1 or 2.
pub const HARD_TO_FIND: &str = "tnt-graffiti-spot";
pub const MISS_SHARE: f64 = 0.4;
/// Share of the visitors at [`CROWDED`] in its packed hours who skip it as `crowded`.
pub const CROWDED_SKIP_SHARE: f64 = 0.25;
/// Spread of one visitor's overall score around the truth (stars, before rounding).
pub const SCORE_NOISE_SD: f64 = 0.7;
/// Share of the visited places a visitor rates.
pub const RATE_SHARE: f64 = 0.7;
/// Points a stop loses in the true utility when visited at a truly packed hour.
pub const PACKED_PENALTY: f64 = 1.5;
/// Evidence of every signal in the truth-fed planner's stats.
pub const TRUTH_EVIDENCE: f64 = 100.0;

/// Where simulated visitors start.
pub const STARTS: [&str; 4] = [
    "factory-main-square",
    "huajiang-building",
    "liziba-station",
    "eling-park-main-gate",
];
/// Interest sets a visitor picks from.
pub const INTERESTS: [&[&str]; 5] = [
    &[],
    &["photography"],
    &["architecture", "history"],
    &["film", "fans"],
    &["views"],
];
/// Local start times: mornings and afternoons, minutes after midnight.
pub const START_MIN: [u32; 8] = [540, 570, 600, 630, 780, 810, 840, 870];

/// The planted truths and the seed they are planted on.
pub struct World {
    pub data: SiteData,
    /// True mean overall score of every place: planted, or what the seed expects
    /// (`3 + 1.5 × popularity`).
    pub score: HashMap<String, f64>,
}

impl World {
    /// The truths on the embedded seed.
    pub fn embedded() -> World {
        let data = seed::parse(&SeedFiles::embedded()).expect("the embedded seed parses");
        let mut score: HashMap<String, f64> = data
            .places
            .iter()
            .map(|p| (p.id.clone(), (3.0 + 1.5 * p.popularity).min(5.0)))
            .collect();
        for (id, s) in OVER_RATED.iter().chain(UNDER_RATED.iter()) {
            assert!(score.contains_key(*id), "{id} is a place of the seed");
            score.insert(id.to_string(), *s);
        }
        for id in [CROWDED, HARD_TO_FIND] {
            assert!(score.contains_key(id), "{id} is a place of the seed");
        }
        World { data, score }
    }

    pub fn true_score(&self, place: &str) -> f64 {
        self.score.get(place).copied().unwrap_or(3.0)
    }

    /// Whether `place` is truly packed on `day` at local `hour`.
    pub fn packed(place: &str, day: Weekday, hour: u32) -> bool {
        place == CROWDED
            && matches!(day, Weekday::Sat | Weekday::Sun)
            && (PACKED_HOURS[0]..PACKED_HOURS[1]).contains(&hour)
    }

    /// The true crowding (1 … 5) of [`CROWDED`] at an hour of the week.
    fn crowding_at_slot(slot: usize) -> f64 {
        let day = Weekday::try_from((slot / 24) as u8).expect("slot < 168");
        if Self::packed(CROWDED, day, (slot % 24) as u32) {
            5.0
        } else {
            1.0
        }
    }

    /// The planner's input once the loop has learned everything: every place's truth with
    /// [`TRUTH_EVIDENCE`] answers, crowding of [`CROWDED`] at every hour of the week and the low
    /// findability of [`HARD_TO_FIND`].
    pub fn truth_stats(&self) -> HashMap<String, PlaceStats> {
        let mut stats = site_stats(&self.data, &SiteAggregates::default());
        for (id, s) in stats.iter_mut() {
            s.count = TRUTH_EVIDENCE as u32;
            s.overall = Signal {
                n: TRUTH_EVIDENCE,
                mean: self.true_score(id),
                sd: SCORE_NOISE_SD,
            };
        }
        let c = stats.get_mut(CROWDED).expect("crowded place");
        c.crowding_by_hour = (0..SLOTS)
            .map(|slot| Some(Signal::of(TRUTH_EVIDENCE, Self::crowding_at_slot(slot))))
            .collect();
        let mean = (0..SLOTS).map(Self::crowding_at_slot).sum::<f64>() / SLOTS as f64;
        c.crowding = Signal::of(TRUTH_EVIDENCE, mean);
        let h = stats.get_mut(HARD_TO_FIND).expect("hard-to-find place");
        h.findability = Signal {
            n: TRUTH_EVIDENCE,
            mean: 1.5,
            sd: 0.5,
        };
        stats
    }

    /// The planner fed the truths.
    pub fn truth_fed(&self) -> Arc<Snapshot> {
        build_snapshot(self.data.clone(), 1, self.truth_stats()).expect("the seed builds")
    }

    /// The planner without feedback: the seed's priors alone.
    pub fn no_feedback(&self) -> Arc<Snapshot> {
        let stats = site_stats(&self.data, &SiteAggregates::default());
        build_snapshot(self.data.clone(), 1, stats).expect("the seed builds")
    }

    /// A Saturday and a Wednesday of one week in the past (ratings' `visited_at` may be up to a
    /// year old): 21 and 18 November 2026, moved by whole 52-week steps into the last year, and
    /// a week earlier while either is a public holiday.
    pub fn days(&self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        let step = Duration::days(364);
        let mut sat = NaiveDate::from_ymd_opt(2026, 11, 21).expect("date");
        while sat + Duration::days(1) > today {
            sat -= step;
        }
        while sat + step + Duration::days(1) <= today {
            sat += step;
        }
        let holidays: HashSet<String> = self.data.site.public_holidays.iter().cloned().collect();
        let is_holiday = |d: NaiveDate| holidays.contains(&d.format("%Y-%m-%d").to_string());
        while is_holiday(sat) || is_holiday(sat - Duration::days(3)) {
            sat -= Duration::days(7);
        }
        (sat, sat - Duration::days(3))
    }
}

// ---------------------------------------------------------------------------------------------
// Visitors.

/// What one simulated visitor asks for.
#[derive(Clone, Debug)]
pub struct Visitor {
    pub start: &'static str,
    pub weekend: bool,
    pub start_min: u32,
    pub budget_min: u32,
    pub interests: &'static [&'static str],
}

impl Visitor {
    pub fn draw(rng: &mut SplitMix64) -> Visitor {
        Visitor {
            start: STARTS[rng.below(STARTS.len())],
            weekend: rng.below(2) == 1,
            start_min: START_MIN[rng.below(START_MIN.len())],
            budget_min: 120 + 30 * rng.below(7) as u32,
            interests: INTERESTS[rng.below(INTERESTS.len())],
        }
    }

    /// The plan request.
    pub fn request(&self, days: (NaiveDate, NaiveDate)) -> Value {
        let day = if self.weekend { days.0 } else { days.1 };
        json!({
            "start": self.start,
            "start_time": format!("{}T{:02}:{:02}:00+08:00", day, self.start_min / 60,
                                  self.start_min % 60),
            "budget_min": self.budget_min,
            "interests": self.interests,
            "lang": "en",
        })
    }
}

fn normal(rng: &mut SplitMix64) -> f64 {
    let u1 = 1.0 - rng.unit();
    let u2 = rng.unit();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn stars(x: f64) -> i64 {
    (x.round() as i64).clamp(1, 5)
}

// ---------------------------------------------------------------------------------------------
// Reading plans.

/// A place a plan visits: a stop, or a place visited at a stop's spot.
#[derive(Clone, Debug)]
pub struct Visit {
    pub place: String,
    /// Whether it is a stop of its own (only stops can be skipped).
    pub stop: bool,
    /// Arrival, RFC 3339 as the plan gives it.
    pub arrive: String,
    pub day: Weekday,
    pub hour: u32,
}

/// The places a plan visits, in order.
pub fn visits(plan: &Value) -> Vec<Visit> {
    let mut out = Vec::new();
    for s in plan["stops"].as_array().into_iter().flatten() {
        let arrive = s["arrive"].as_str().unwrap_or_default().to_string();
        let Ok(t) = chrono::DateTime::parse_from_rfc3339(&arrive) else {
            continue;
        };
        let mut push = |place: &str, stop: bool| {
            out.push(Visit {
                place: place.to_string(),
                stop,
                arrive: arrive.clone(),
                day: t.weekday(),
                hour: t.hour(),
            })
        };
        push(s["place_id"].as_str().unwrap_or_default(), true);
        for a in s["also_here"].as_array().into_iter().flatten() {
            if a["visited"] == true {
                push(a["place_id"].as_str().unwrap_or_default(), false);
            }
        }
    }
    out
}

/// The true utility of a plan: Σ over the places it visits of (true score − 3), less
/// [`PACKED_PENALTY`] for each visit at a truly packed hour.
pub fn true_utility(world: &World, plan: &Value) -> f64 {
    visits(plan)
        .iter()
        .map(|v| {
            let packed = if World::packed(&v.place, v.day, v.hour) {
                PACKED_PENALTY
            } else {
                0.0
            };
            world.true_score(&v.place) - 3.0 - packed
        })
        .sum()
}

fn holds(plan: &Value, place: &str) -> bool {
    visits(plan).iter().any(|v| v.place == place)
}

/// Visits to [`CROWDED`] on weekend days: (at packed hours, all).
fn crowded_visits(plan: &Value) -> (usize, usize) {
    let vs: Vec<Visit> = visits(plan)
        .into_iter()
        .filter(|v| v.place == CROWDED && matches!(v.day, Weekday::Sat | Weekday::Sun))
        .collect();
    let packed = vs
        .iter()
        .filter(|v| World::packed(&v.place, v.day, v.hour))
        .count();
    (packed, vs.len())
}

fn warns_hard_to_find(plan: &Value) -> bool {
    plan["warnings"].as_array().into_iter().flatten().any(|w| {
        w["code"] == "hard_to_find"
            && w["stops"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|s| s == HARD_TO_FIND)
    })
}

// ---------------------------------------------------------------------------------------------
// Figures.

/// The three planners compared.
pub const SERVED: usize = 0;
pub const TRUTH: usize = 1;
pub const PRIOR: usize = 2;

/// Figures of one block of visitors, per planner where it applies (`[served, truth-fed,
/// no-feedback]`).
#[derive(Clone, Debug, Default)]
pub struct Block {
    pub index: usize,
    pub plans: usize,
    /// Snapshot version that served the block.
    pub snapshot: i64,
    /// Σ of the plans' true utility.
    pub utility: [f64; 3],
    /// Plans holding each under-rated place (in [`UNDER_RATED`] order).
    pub under: Vec<[usize; 3]>,
    /// Plans holding each over-rated place (in [`OVER_RATED`] order).
    pub over: Vec<[usize; 3]>,
    /// Weekend visits to [`CROWDED`]: at packed hours, all.
    pub crowded: [(usize, usize); 3],
    /// Served plans with an exploratory stop, and their cost shares.
    pub exploring: usize,
    pub costs: Vec<f64>,
    /// Places tried by exploratory stops, with how often.
    pub explored: BTreeMap<String, usize>,
    /// Plans holding [`HARD_TO_FIND`], and those of them warning it is hard to find.
    pub hard: [(usize, usize); 3],
    /// Ratings and plan feedback posted, skips among them.
    pub ratings: usize,
    pub feedback: usize,
    pub skips: usize,
}

impl Block {
    /// The served plans' true utility as a share of the truth-fed planner's.
    pub fn utility_share(&self, planner: usize) -> f64 {
        self.utility[planner] / self.utility[TRUTH]
    }

    pub fn share(n: usize, of: usize) -> f64 {
        n as f64 / of.max(1) as f64
    }

    /// Plans holding any under-rated place, per planner.
    pub fn under_total(&self, planner: usize) -> usize {
        self.under.iter().map(|u| u[planner]).sum()
    }

    pub fn cost_mean(&self) -> f64 {
        self.costs.iter().sum::<f64>() / self.costs.len().max(1) as f64
    }

    pub fn cost_max(&self) -> f64 {
        self.costs.iter().copied().fold(0.0, f64::max)
    }
}

/// What a run gives.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub visitors: usize,
    pub seed: u64,
    pub blocks: Vec<Block>,
    /// Requests that did not get the answer they should have, described.
    pub failures: Vec<String>,
    /// The Saturday and Wednesday visited.
    pub days: (String, String),
    /// Landmark hints in directions to [`HARD_TO_FIND`] at the end.
    pub hints_at_end: usize,
    /// The planted places' overall score at the end as the ratings API gives it: evidence (in
    /// verified answers) and the score the planner uses (`None` below the minimum evidence).
    pub final_scores: Vec<(String, f64, Option<f64>)>,
    pub seconds: f64,
}

/// How a run is made.
#[derive(Clone, Debug)]
pub struct Config {
    pub visitors: usize,
    /// Visitors per block; a snapshot is published after each.
    pub block: usize,
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            visitors: 500,
            block: 50,
            seed: 2026,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The server.

/// The real server, in-process.
pub struct Server {
    pub address: String,
    pub client: reqwest::Client,
    pub state: Arc<AppState>,
    /// A folder of the run's own (data folder, SQLite file), removed by [`Server::remove_files`].
    pub dir: PathBuf,
}

impl Server {
    /// Starts the server on a free port with exploration on and snapshots published only on
    /// request; `database_url` `None` means a SQLite file in a fresh temporary folder.
    pub async fn start(database_url: Option<String>) -> Result<Server, String> {
        let dir = std::env::temp_dir().join(format!(
            "heritage-guide-learning-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let database_url = database_url
            .unwrap_or_else(|| format!("sqlite://{}", dir.join("learning.db").display()));
        let settings = Settings {
            bind: "127.0.0.1:0".into(),
            database_url,
            db_pool_size: 4,
            workers: Some(2),
            data_dir: dir.clone(),
            limits: Limits {
                per_ip_per_min: 0,
                per_token_per_min: 0,
                login_per_username: 0,
                login_per_ip: 0,
                plans_per_token_per_hour: 0,
                plans_per_ip_per_hour: 0,
                visitor_tokens_per_ip_per_hour: 0,
            },
            snapshot_interval_min: 0.0,
            exploration: true,
            // Every simulated visitor comes from an address of their own (the server limits
            // visitor tokens per address and hour).
            trust_proxy: true,
            ..Settings::default()
        };
        let app = Application::build(settings).await?;
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state.clone();
        tokio::spawn(app.server());
        let client = reqwest::Client::builder()
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Server {
            address,
            client,
            state,
            dir,
        })
    }

    /// Removes the run's temporary folder.
    pub fn remove_files(&self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// A JSON request; the status and the body (`Null` when not JSON).
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(u16, Value), String> {
        self.call_from(method, path, token, body, None).await
    }

    /// [`Server::call`] from a client address of its own (`X-Forwarded-For`, trusted by the
    /// run's server).
    async fn call_from(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        from: Option<&str>,
    ) -> Result<(u16, Value), String> {
        let mut b = self
            .client
            .request(method.clone(), format!("{}{path}", self.address));
        if let Some(ip) = from {
            b = b.header("X-Forwarded-For", ip);
        }
        if let Some(t) = token {
            b = b.bearer_auth(t);
        }
        if let Some(v) = body {
            b = b.json(v);
        }
        let r = b
            .send()
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let status = r.status().as_u16();
        let v = r.json().await.unwrap_or(Value::Null);
        Ok((status, v))
    }

    /// A POST that must answer one of `ok`; its body.
    async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
        ok: &[u16],
    ) -> Result<Value, String> {
        let (status, v) = self
            .call(reqwest::Method::POST, path, token, Some(body))
            .await?;
        if ok.contains(&status) {
            Ok(v)
        } else {
            Err(format!("POST {path} answered {status}: {v}"))
        }
    }

    /// An operator account of the run's own (as `heritage-guide user add` makes one).
    async fn add_operator(&self) -> Result<(String, String), String> {
        let name = format!(
            "learning-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let password = uuid::Uuid::new_v4().simple().to_string();
        let st = self.state.clone();
        let (n, p) = (name.clone(), password.clone());
        tokio::task::spawn_blocking(move || {
            let mut c = st.pool.get().map_err(|e| e.to_string())?;
            accounts::add_user(&mut c, &n, Role::Operator, &p)
                .map(|_| ())
                .map_err(|e| format!("{e:?}"))
        })
        .await
        .map_err(|e| e.to_string())??;
        Ok((name, password))
    }

    /// Signs in; the access token.
    async fn sign_in(&self, who: &(String, String)) -> Result<String, String> {
        let v = self
            .post(
                "/v1/auth/login",
                None,
                &json!({"username": who.0, "password": who.1}),
                &[200],
            )
            .await?;
        v["access_token"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("login gave no access token: {v}"))
    }

    /// Publishes a snapshot with the current aggregates; its version.
    async fn publish(&self, token: &str) -> Result<i64, String> {
        let v = self
            .post(
                &format!("/v1/sites/{SITE}/snapshots"),
                Some(token),
                &json!({}),
                &[201],
            )
            .await?;
        v["version"]
            .as_i64()
            .ok_or_else(|| format!("publication gave no version: {v}"))
    }
}

// ---------------------------------------------------------------------------------------------
// The run.

/// Runs `cfg.visitors` visitors against the server and measures every block.
pub async fn run(server: &Server, world: &World, cfg: &Config) -> Report {
    let t0 = std::time::Instant::now();
    let days = world.days(Utc::now().date_naive());
    let mut report = Report {
        visitors: cfg.visitors,
        seed: cfg.seed,
        days: (days.0.to_string(), days.1.to_string()),
        ..Report::default()
    };
    // The visitors and their requests are drawn first, so they are the same on every run.
    let mut rng = SplitMix64::new(cfg.seed);
    let people: Vec<Visitor> = (0..cfg.visitors).map(|_| Visitor::draw(&mut rng)).collect();
    let requests: Vec<Value> = people.iter().map(|p| p.request(days)).collect();
    // The reference planners answer the same requests directly.
    let reference = {
        let (truth, prior) = (world.truth_fed(), world.no_feedback());
        let reqs = requests.clone();
        tokio::task::spawn_blocking(move || {
            reqs.iter()
                .map(|r| {
                    let req: PlanRequest = serde_json::from_value(r.clone())
                        .map_err(|e| format!("request {r}: {e}"))?;
                    let one = |s: &Snapshot| {
                        s.planning
                            .plan(&req)
                            .map(|p| serde_json::to_value(p).expect("plans serialise"))
                            .map_err(|e| format!("direct plan for {r}: {e:?}"))
                    };
                    Ok([one(&truth)?, one(&prior)?])
                })
                .collect::<Vec<Result<[Value; 2], String>>>()
        })
        .await
        .expect("reference planners")
    };
    let operator = match server.add_operator().await {
        Ok(o) => o,
        Err(e) => {
            report.failures.push(format!("operator account: {e}"));
            return report;
        }
    };
    let mut snapshot = server.state.snapshot(SITE).map(|s| s.version).unwrap_or(0);
    let mut block = Block::default();
    for i in 0..people.len() {
        if i % cfg.block == 0 {
            block = Block {
                index: i / cfg.block + 1,
                snapshot,
                under: vec![[0; 3]; UNDER_RATED.len()],
                over: vec![[0; 3]; OVER_RATED.len()],
                ..Block::default()
            };
        }
        // Each visitor draws their own noise, so a visitor's answers do not depend on the plans
        // earlier visitors got.
        let mut vr = SplitMix64::new(cfg.seed ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        match visit(server, world, i, &requests[i], &mut vr).await {
            Ok(v) => {
                let refs = match &reference[i] {
                    Ok(r) => r,
                    Err(e) => {
                        report.failures.push(e.clone());
                        continue;
                    }
                };
                let plans = [&v.plan, &refs[0], &refs[1]];
                block.plans += 1;
                for (k, p) in plans.iter().enumerate() {
                    block.utility[k] += true_utility(world, p);
                    for (j, (id, _)) in UNDER_RATED.iter().enumerate() {
                        block.under[j][k] += usize::from(holds(p, id));
                    }
                    for (j, (id, _)) in OVER_RATED.iter().enumerate() {
                        block.over[j][k] += usize::from(holds(p, id));
                    }
                    if holds(p, HARD_TO_FIND) {
                        block.hard[k].0 += 1;
                        block.hard[k].1 += usize::from(warns_hard_to_find(p));
                    }
                    let (a, b) = crowded_visits(p);
                    block.crowded[k].0 += a;
                    block.crowded[k].1 += b;
                }
                if let Some(e) = v.plan.get("exploration").filter(|e| e.is_object()) {
                    block.exploring += 1;
                    block
                        .costs
                        .push(e["cost_share"].as_f64().unwrap_or(f64::NAN));
                    let place = e["place_id"].as_str().unwrap_or_default().to_string();
                    *block.explored.entry(place).or_default() += 1;
                }
                block.ratings += v.ratings;
                block.feedback += 1;
                block.skips += v.skips;
            }
            Err(e) => report.failures.push(format!("visitor {i}: {e}")),
        }
        if (i + 1) % cfg.block == 0 || i + 1 == people.len() {
            report.blocks.push(std::mem::take(&mut block));
            let published = match server.sign_in(&operator).await {
                Ok(t) => server.publish(&t).await,
                Err(e) => Err(e),
            };
            match published {
                Ok(v) => snapshot = v,
                Err(e) => report.failures.push(format!("publication: {e}")),
            }
        }
    }
    match server
        .post(
            &format!("/v1/sites/{SITE}/directions"),
            None,
            &json!({"from": "factory-main-square", "to": HARD_TO_FIND, "lang": "en"}),
            &[200],
        )
        .await
    {
        Ok(leg) => {
            report.hints_at_end = leg["instructions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|i| i["en"].as_str().is_some_and(|t| t.contains("easy to miss")))
                .count()
        }
        Err(e) => report.failures.push(format!("directions: {e}")),
    }
    let planted = OVER_RATED
        .iter()
        .chain(UNDER_RATED.iter())
        .map(|(id, _)| *id)
        .chain([CROWDED, HARD_TO_FIND]);
    for id in planted {
        let path = format!("/v1/sites/{SITE}/places/{id}/ratings?limit=1");
        match server.call(reqwest::Method::GET, &path, None, None).await {
            Ok((200, page)) => {
                let sum = &page["summary"];
                report.final_scores.push((
                    id.to_string(),
                    sum["stats"]["overall"]["n"].as_f64().unwrap_or(0.0),
                    sum["score"].as_f64(),
                ))
            }
            Ok((status, v)) => report
                .failures
                .push(format!("GET {path} answered {status}: {v}")),
            Err(e) => report.failures.push(e),
        }
    }
    report.seconds = t0.elapsed().as_secs_f64();
    report
}

/// What one visitor did.
struct Visited {
    plan: Value,
    ratings: usize,
    skips: usize,
}

/// Visitor number `n`: a visitor token from an address of their own, a plan, the visit with its ratings, and the plan feedback.
async fn visit(
    server: &Server,
    world: &World,
    n: usize,
    request: &Value,
    rng: &mut SplitMix64,
) -> Result<Visited, String> {
    let ip = format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255);
    let (status, v) = server
        .call_from(
            reqwest::Method::POST,
            "/v1/auth/visitor",
            None,
            Some(&json!({"site": SITE})),
            Some(&ip),
        )
        .await?;
    if status != 201 {
        return Err(format!("POST /v1/auth/visitor answered {status}: {v}"));
    }
    let token = v["access_token"]
        .as_str()
        .ok_or_else(|| format!("visitor token missing: {v}"))?
        .to_string();
    let plan = server
        .post(
            &format!("/v1/sites/{SITE}/plans"),
            Some(&token),
            request,
            &[201],
        )
        .await?;
    let plan_id = plan["id"].as_str().unwrap_or_default().to_string();
    let mut skipped: Vec<Value> = Vec::new();
    let mut seen: Vec<f64> = Vec::new();
    let mut packed_seen = 0usize;
    let mut ratings = 0;
    let mut rated: HashSet<String> = HashSet::new();
    for v in visits(&plan) {
        let packed = World::packed(&v.place, v.day, v.hour);
        if v.stop && v.place == HARD_TO_FIND && rng.unit() < MISS_SHARE {
            skipped.push(json!({"place_id": v.place, "reason": "could_not_find"}));
            continue;
        }
        if v.stop && packed && rng.unit() < CROWDED_SKIP_SHARE {
            skipped.push(json!({"place_id": v.place, "reason": "crowded"}));
            continue;
        }
        let truth = world.true_score(&v.place);
        seen.push(truth);
        packed_seen += usize::from(packed);
        if rng.unit() >= RATE_SHARE || !rated.insert(v.place.clone()) {
            continue;
        }
        let mut body = json!({
            "overall": stars(truth + SCORE_NOISE_SD * normal(rng)),
            "visited_at": v.arrive,
        });
        if v.place == CROWDED {
            let level = if packed {
                5 - i64::from(rng.unit() < 0.2)
            } else {
                1 + i64::from(rng.unit() < 0.3)
            };
            body["crowding"] = json!(level);
        }
        if v.place == HARD_TO_FIND {
            body["findability"] = json!(1 + i64::from(rng.unit() < 0.5));
        }
        server
            .post(
                &format!("/v1/sites/{SITE}/places/{}/ratings", v.place),
                Some(&token),
                &body,
                &[201],
            )
            .await?;
        ratings += 1;
    }
    let mean = if seen.is_empty() {
        2.0
    } else {
        seen.iter().sum::<f64>() / seen.len() as f64
    };
    let overall = stars(
        mean - 0.5 * packed_seen as f64 - 0.5 * skipped.len() as f64 + SCORE_NOISE_SD * normal(rng),
    );
    let followed = if skipped.is_empty() { "all" } else { "partly" };
    let skips = skipped.len();
    server
        .post(
            &format!("/v1/plans/{plan_id}/feedback"),
            Some(&token),
            &json!({"followed": followed, "overall": overall, "skipped": skipped}),
            &[201],
        )
        .await?;
    Ok(Visited {
        plan,
        ratings,
        skips,
    })
}

// ---------------------------------------------------------------------------------------------
// Output and checks.

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.0} %", 100.0 * x)
    } else {
        "–".into()
    }
}

impl Report {
    /// The planted truths, in Markdown.
    pub fn truths_markdown(world: &World) -> String {
        let pop = |id: &str| {
            world
                .data
                .places
                .iter()
                .find(|p| p.id == id)
                .map_or(0.0, |p| p.popularity)
        };
        let mut s =
            String::from("| place | seed popularity | prior mean | truth |\n|---|---|---|---|\n");
        for (id, t) in OVER_RATED {
            let _ = writeln!(
                s,
                "| `{id}` (over-rated) | {:.2} | {:.2} | overall {t:.1} |",
                pop(id),
                3.0 + 1.5 * pop(id)
            );
        }
        for (id, t) in UNDER_RATED {
            let _ = writeln!(
                s,
                "| `{id}` (under-rated) | {:.2} | {:.2} | overall {t:.1} |",
                pop(id),
                3.0 + 1.5 * pop(id)
            );
        }
        let _ = writeln!(
            s,
            "| `{CROWDED}` (crowded) | {:.2} | {:.2} | crowding 5 on Sat/Sun {:02}–{:02} h, 1 otherwise |",
            pop(CROWDED),
            3.0 + 1.5 * pop(CROWDED),
            PACKED_HOURS[0],
            PACKED_HOURS[1]
        );
        let _ = writeln!(
            s,
            "| `{HARD_TO_FIND}` (hard to find) | {:.2} | {:.2} | {:.0} % of visitors cannot find it; findability 1–2 |",
            pop(HARD_TO_FIND),
            3.0 + 1.5 * pop(HARD_TO_FIND),
            100.0 * MISS_SHARE
        );
        s
    }

    /// A Markdown table with a row per block.
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let under: Vec<String> = UNDER_RATED
            .iter()
            .map(|(id, _)| format!("`{id}`"))
            .collect();
        let over: Vec<String> = OVER_RATED.iter().map(|(id, _)| format!("`{id}`")).collect();
        let _ = writeln!(
            s,
            "| block | snapshot | utility served / truth-fed | no-feedback / truth-fed | under-rated in plans: served (truth-fed, no-feedback) — {} | over-rated in plans: served (truth-fed, no-feedback) — {} | weekend `{CROWDED}` visits at packed hours: served / truth-fed / no-feedback | exploring plans | cost mean / max | `{HARD_TO_FIND}` plans warning `hard_to_find`: served (truth-fed) | ratings, skips |",
            under.join(", "),
            over.join(", ")
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|---|");
        for b in &self.blocks {
            let n = b.plans;
            let under: Vec<String> = b
                .under
                .iter()
                .map(|u| {
                    format!(
                        "{} ({}, {})",
                        pct(Block::share(u[SERVED], n)),
                        pct(Block::share(u[TRUTH], n)),
                        pct(Block::share(u[PRIOR], n))
                    )
                })
                .collect();
            let over: Vec<String> = b
                .over
                .iter()
                .map(|u| {
                    format!(
                        "{} ({}, {})",
                        pct(Block::share(u[SERVED], n)),
                        pct(Block::share(u[TRUTH], n)),
                        pct(Block::share(u[PRIOR], n))
                    )
                })
                .collect();
            let crowd: Vec<String> = b
                .crowded
                .iter()
                .map(|(a, all)| format!("{a}/{all}"))
                .collect();
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {:.3} / {:.3} | {}/{} ({}/{}) | {}, {} |",
                b.index,
                b.snapshot,
                pct(b.utility_share(SERVED)),
                pct(b.utility_share(PRIOR)),
                under.join("; "),
                over.join("; "),
                crowd.join(" / "),
                pct(Block::share(b.exploring, n)),
                b.cost_mean(),
                b.cost_max(),
                b.hard[SERVED].1,
                b.hard[SERVED].0,
                b.hard[TRUTH].1,
                b.hard[TRUTH].0,
                b.ratings,
                b.skips,
            );
        }
        s
    }

    /// The aim's figures: the last block's utility share and under-rated share as a share of
    /// the truth-fed planner's.
    pub fn summary(&self) -> String {
        let (Some(first), Some(last)) = (self.blocks.first(), self.blocks.last()) else {
            return "no blocks\n".into();
        };
        let mut s = String::new();
        let _ = writeln!(
            s,
            "- visitors {}, seed {}, days {} (Sat) and {} (Wed), {:.0} s",
            self.visitors, self.seed, self.days.0, self.days.1, self.seconds
        );
        let half = self.blocks.len() / 2;
        let (early, late) = self.blocks.split_at(half);
        let pooled = |blocks: &[Block], k: usize| {
            let u = |k: usize| blocks.iter().map(|b| b.utility[k]).sum::<f64>();
            pct(u(k) / u(TRUTH))
        };
        let _ = writeln!(
            s,
            "- utility share pooled over blocks 1–{half} → {}–{}: served {} → {}; no-feedback {} → {}",
            half + 1,
            self.blocks.len(),
            pooled(early, SERVED),
            pooled(late, SERVED),
            pooled(early, PRIOR),
            pooled(late, PRIOR)
        );
        let _ = writeln!(
            s,
            "- utility share: first block {}, last block {} (no-feedback planner: {})",
            pct(first.utility_share(SERVED)),
            pct(last.utility_share(SERVED)),
            pct(last.utility_share(PRIOR))
        );
        let _ = writeln!(
            s,
            "- under-rated places held in the last block's plans: {} times, by the truth-fed planner {} times (ratio {})",
            last.under_total(SERVED),
            last.under_total(TRUTH),
            pct(self.under_ratio())
        );

        let crowd = |blocks: &[Block], k: usize| {
            let (a, n) = blocks
                .iter()
                .fold((0, 0), |(a, n), b| (a + b.crowded[k].0, n + b.crowded[k].1));
            format!("{a}/{n} ({})", pct(Block::share(a, n)))
        };
        let _ = writeln!(
            s,
            "- weekend visits to `{CROWDED}` at its packed hours, blocks 1–{half} → {}–{}: served {} → {}; truth-fed {} → {}; no-feedback {} → {}",
            half + 1,
            self.blocks.len(),
            crowd(early, SERVED),
            crowd(late, SERVED),
            crowd(early, TRUTH),
            crowd(late, TRUTH),
            crowd(early, PRIOR),
            crowd(late, PRIOR)
        );
        let all_costs: Vec<f64> = self.blocks.iter().flat_map(|b| b.costs.clone()).collect();
        let exploring: usize = self.blocks.iter().map(|b| b.exploring).sum();
        let plans: usize = self.blocks.iter().map(|b| b.plans).sum();
        let _ = writeln!(
            s,
            "- exploring plans: {exploring} of {plans}; cost share max {:.3}",
            all_costs.iter().copied().fold(0.0, f64::max)
        );
        let _ = writeln!(
            s,
            "- `{HARD_TO_FIND}`: last block {}/{} plans warn `hard_to_find`; directions carry {} landmark hint(s)",
            last.hard[SERVED].1, last.hard[SERVED].0, self.hints_at_end
        );
        let mut explored: BTreeMap<&str, usize> = BTreeMap::new();
        for b in &self.blocks {
            for (p, n) in &b.explored {
                *explored.entry(p.as_str()).or_default() += n;
            }
        }
        let mut explored: Vec<_> = explored.into_iter().collect();
        explored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let under_tried: usize = explored
            .iter()
            .filter(|(p, _)| UNDER_RATED.iter().any(|(u, _)| u == p))
            .map(|(_, n)| n)
            .sum();
        let tried: Vec<String> = explored
            .iter()
            .take(8)
            .map(|(p, n)| format!("`{p}` {n}"))
            .collect();
        let _ = writeln!(
            s,
            "- places tried by exploration ({} in all; the under-rated ones {under_tried} times): {}",
            explored.len(),
            tried.join(", ")
        );
        let scores: Vec<String> = self
            .final_scores
            .iter()
            .map(|(p, n, sc)| match sc {
                Some(x) => format!("`{p}` {x:.2} (evidence {n:.0})"),
                None => format!("`{p}` unknown (evidence {n:.0})"),
            })
            .collect();
        let _ = writeln!(s, "- scores at the end: {}", scores.join(", "));
        let _ = writeln!(s, "- failed requests: {}", self.failures.len());
        s
    }

    /// Plans holding an under-rated place in the last block, as a share of the truth-fed
    /// planner's (NaN when the truth-fed planner holds none).
    pub fn under_ratio(&self) -> f64 {
        self.blocks.last().map_or(f64::NAN, |b| {
            b.under_total(SERVED) as f64 / b.under_total(TRUTH) as f64
        })
    }

    /// The invariants any run keeps: every request answered as it should, every block measured,
    /// and no exploratory stop costing more than the bound.
    pub fn invariant_failures(&self) -> Vec<String> {
        let mut out: Vec<String> = self.failures.iter().take(5).cloned().collect();
        if self.failures.len() > 5 {
            out.push(format!("… {} failed requests in all", self.failures.len()));
        }
        let plans: usize = self.blocks.iter().map(|b| b.plans).sum();
        if plans != self.visitors {
            out.push(format!("{plans} of {} visitors measured", self.visitors));
        }
        for b in &self.blocks {
            if !(b.utility.iter().all(|u| u.is_finite()) && b.utility[TRUTH] > 0.0) {
                out.push(format!(
                    "block {}: utility not measured: {:?}",
                    b.index, b.utility
                ));
            }
            if let Some(c) = b
                .costs
                .iter()
                .find(|c| !(**c >= 0.0 && **c <= EXPLORATION_COST_BOUND))
            {
                out.push(format!(
                    "block {}: an exploratory stop cost {c} of the best plan's value (bound {EXPLORATION_COST_BOUND})",
                    b.index
                ));
            }
        }
        out
    }

    /// The learning targets a full run must reach: the utility share rises from the first block
    /// to the last, and under-rated places appear in the last block's plans at least half as
    /// often as in the truth-fed planner's.
    pub fn learning_failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        let (Some(first), Some(last)) = (self.blocks.first(), self.blocks.last()) else {
            return vec!["no blocks".into()];
        };
        if last.utility_share(SERVED) <= first.utility_share(SERVED) {
            out.push(format!(
                "the utility share did not rise: first block {}, last block {}",
                pct(first.utility_share(SERVED)),
                pct(last.utility_share(SERVED))
            ));
        }
        let ratio = self.under_ratio();
        if ratio.is_nan() || ratio < 0.5 {
            out.push(format!(
                "under-rated places are in {} plans of the last block, the truth-fed planner's {} (below half)",
                last.under_total(SERVED),
                last.under_total(TRUTH)
            ));
        }
        out
    }
}
