//! Visit plans: validating a request, scoring places, building the orienteering problem,
//! solving it and turning the schedule into stops, legs, explanations and warnings.
//!
//! Utility is counted in points: a place of popularity 1.0 with no rule, interest or rating is
//! worth 1 point. See `docs/planner.md` for every term.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{
    DateTime, Datelike, Duration as ChronoDuration, FixedOffset, NaiveDate, SecondsFormat,
    Timelike, Weekday,
};

use crate::cost::Profile;
use crate::directions::{
    accesses, build_leg, hard_to_find, parse_lang, parse_profile, path_pieces, profile_words,
    resolve, route_between, seeds, Access, Piece, Resolved, Route,
};
use crate::model::{
    Citation, Endpoint, Finding, Leg, Plan, PlanError, PlanRequest, PlanningModel, Rule, Stop,
    Totals, Warning,
};
use crate::paths::Routes;
use crate::solar::{sunrise_local_min, sunset_local_min};
use crate::solver::{solve_exact, solve_heuristic, Cand, HeuristicLimits, Problem, Schedule};
use crate::types::Lang;

/// Points per requested interest that a place matches (by tag or kind).
pub const INTEREST_MATCH_POINTS: f64 = 1.0;
/// Ratings count only from this many ratings on (score, value for money, crowding, findability).
pub const MIN_RATINGS: u32 = 5;
/// Points per star of the rated score away from the neutral 3 (so 5 stars: +0.5, 1 star: −0.5).
pub const RATING_POINTS_PER_STAR: f64 = 0.25;
/// How a value-for-money rating below 3 amplifies the fee penalty: the factor is
/// `1 + 2.5 × (3 − rating)²`, so a middling 2.5 barely moves it (×1.6), a poor 2 makes it ×3.5
/// and a damning 1 ×11, which outweighs what even a popular paid place is worth: visitors who
/// paid are saying the visit was not worth its fee, so plans of any length leave it out and offer
/// a free alternative. Clamped to [`VFM_FACTOR_MIN`]..[`VFM_FACTOR_MAX`].
pub const VFM_AMPLIFY_PER_STAR_SQ: f64 = 2.5;
/// How much each star above 3 dampens the fee penalty: `1 − 0.375 × (rating − 3)`.
pub const VFM_DAMPEN_PER_STAR: f64 = 0.375;
/// Lowest fee-penalty factor (very good value).
pub const VFM_FACTOR_MIN: f64 = 0.25;
/// Highest fee-penalty factor (very poor value).
pub const VFM_FACTOR_MAX: f64 = 11.0;

/// The fee-penalty factor for a rated value for money (1..5; 3 is neutral).
pub fn vfm_factor(rating: f64) -> f64 {
    let f = if rating < 3.0 {
        1.0 + VFM_AMPLIFY_PER_STAR_SQ * (3.0 - rating).powi(2)
    } else {
        1.0 - VFM_DAMPEN_PER_STAR * (rating - 3.0)
    };
    f.clamp(VFM_FACTOR_MIN, VFM_FACTOR_MAX)
}
/// Crowding reports weigh `count / (count + this)` against the rule's peak hours.
pub const CROWD_PRIOR_COUNT: f64 = 10.0;
/// Penalty in points at a reported crowding of 4/5 when no crowding rule gives one.
pub const DEFAULT_CROWD_PENALTY: f64 = 0.3;
/// A stop whose crowding penalty at its visit time reaches this many points gets a warning.
pub const CROWD_WARN_POINTS: f64 = 0.1;
/// Points lost per second of plan duration: a tie-breaker that prefers shorter plans
/// (0.036 points per hour).
pub const TIME_WEIGHT_PER_S: f64 = 1e-5;
/// Place kinds that are not destinations in themselves: planned only when a must-visit or when
/// a requested interest names the kind.
pub const NON_DESTINATION_KINDS: [&str; 3] = ["transit", "gate", "restroom"];
/// Hour slots of utility per candidate (the start date and the next day).
const HOURS: usize = 48;

fn lang_text(lang: Lang, en: String, zh: String) -> String {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

fn cite(f: &Finding, lang: Lang, reason_en: String, reason_zh: String) -> Citation {
    let text = match lang {
        Lang::En => format!("{reason_en}. {}", f.text.en),
        Lang::Zh => format!("{reason_zh}。{}", f.text.zh),
    };
    Citation {
        finding_id: f.id.clone(),
        text,
    }
}

fn hhmm(min: f64) -> String {
    let m = min.rem_euclid(1440.0).round() as u32 % 1440;
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn matches(kinds: &[String], tags: &[String], kind: &str, place_tags: &[String]) -> bool {
    kinds.iter().any(|k| k == kind) || tags.iter().any(|t| place_tags.contains(t))
}

/// The request after validation.
struct Ctx<'a> {
    model: &'a PlanningModel,
    req: &'a PlanRequest,
    profile: Profile,
    lang: Lang,
    interests: Vec<usize>,
    areas: Option<HashSet<&'a str>>,
    must: Vec<usize>,
    avoid: HashSet<usize>,
    start: Resolved,
    end: Option<Resolved>,
    start_local: DateTime<FixedOffset>,
    /// Start in minutes after local midnight of the start date.
    t0_min: f64,
    weekday0: Weekday,
    /// `(sunrise, sunset)` in minutes after the start date's midnight, for the start date and the
    /// next (`None` in polar day or night).
    daylight: [Option<(f64, f64)>; 2],
}

/// Place-by-place scoring inputs.
struct Scored {
    place: usize,
    /// Utility before crowding.
    base: f64,
    /// Penalty for crowding per hour slot.
    crowd: Vec<f64>,
    interest_hits: Vec<usize>,
    vfm_factor: f64,
    fee_penalty: f64,
    daylight: bool,
}

fn validate<'a>(model: &'a PlanningModel, req: &'a PlanRequest) -> Result<Ctx<'a>, PlanError> {
    let profile = parse_profile(req.profile.as_deref())?;
    let lang = parse_lang(req.lang.as_deref())?;
    if !(1..=1440).contains(&req.budget_min) {
        return Err(PlanError::invalid(
            "budget_min",
            format!("budget of {} min is not in 1..=1440", req.budget_min),
        ));
    }
    let start_time = DateTime::parse_from_rfc3339(&req.start_time).map_err(|e| {
        PlanError::invalid(
            "start_time",
            format!(
                "'{}' is not an RFC 3339 time with an offset ({e})",
                req.start_time
            ),
        )
    })?;
    let offset = FixedOffset::east_opt(model.site.utc_offset_min * 60)
        .ok_or_else(|| PlanError::invalid("start_time", "the site's UTC offset is invalid"))?;
    let start_local = start_time.with_timezone(&offset);
    let start_local = start_local.with_nanosecond(0).unwrap_or(start_local);
    let mut interests = Vec::new();
    for (i, id) in req.interests.iter().enumerate() {
        let idx = model
            .interests
            .iter()
            .position(|x| &x.id == id)
            .ok_or_else(|| {
                let known: Vec<&str> = model.interests.iter().map(|x| x.id.as_str()).collect();
                PlanError::new(
                    400,
                    "unknown_interest",
                    Some("interests".into()),
                    format!(
                        "interests[{i}]: unknown interest '{id}' (known: {})",
                        known.join(", ")
                    ),
                )
            })?;
        if !interests.contains(&idx) {
            interests.push(idx);
        }
    }
    if let Some(cap) = req.max_fee_cny {
        if !cap.is_finite() || cap < 0.0 {
            return Err(PlanError::invalid(
                "max_fee_cny",
                format!("{cap} is not a number ≥ 0"),
            ));
        }
    }
    let areas = match &req.areas {
        None => None,
        Some(list) => {
            let mut set = HashSet::new();
            for (i, a) in list.iter().enumerate() {
                if !model.area_ids.iter().any(|x| x == a) {
                    return Err(PlanError::new(
                        400,
                        "unknown_area",
                        Some("areas".into()),
                        format!(
                            "areas[{i}]: unknown area '{a}' (known: {})",
                            model.area_ids.join(", ")
                        ),
                    ));
                }
                set.insert(a.as_str());
            }
            Some(set)
        }
    };
    let place_of = |field: String, id: &str| -> Result<usize, PlanError> {
        model.place_ids.get(id).copied().ok_or_else(|| {
            PlanError::new(
                404,
                "unknown_place",
                Some(field),
                format!("no place '{id}' in this site"),
            )
        })
    };
    let mut avoid = HashSet::new();
    for (i, id) in req.avoid.iter().enumerate() {
        avoid.insert(place_of(format!("avoid[{i}]"), id)?);
    }
    let mut must = Vec::new();
    for (i, id) in req.must.iter().enumerate() {
        let field = format!("must[{i}]");
        let p = place_of(field.clone(), id)?;
        if avoid.contains(&p) {
            return Err(PlanError::new(
                400,
                "conflict",
                Some(field),
                format!("'{id}' is both a must-visit and to be avoided"),
            ));
        }
        let spec = &model.places[p].spec;
        let infeasible = |msg: String| PlanError::new(422, "infeasible", Some(field.clone()), msg);
        if spec.closed {
            return Err(infeasible(format!("'{id}' is closed")));
        }
        if req.avoid_paid && spec.fee_cny > 0.0 {
            return Err(infeasible(format!(
                "'{id}' charges ¥{} but only free places were asked for",
                spec.fee_cny
            )));
        }
        if let Some(cap) = req.max_fee_cny {
            if spec.fee_cny > cap {
                return Err(infeasible(format!(
                    "'{id}' charges ¥{}, above the fee cap of ¥{cap}",
                    spec.fee_cny
                )));
            }
        }
        if let Some(a) = &areas {
            if !a.contains(spec.area.as_str()) {
                return Err(infeasible(format!(
                    "'{id}' is in area '{}', outside the requested areas",
                    spec.area
                )));
            }
        }
        if !must.contains(&p) {
            must.push(p);
        }
    }
    if let Some(cap) = req.max_fee_cny {
        let total: f64 = must.iter().map(|&p| model.places[p].spec.fee_cny).sum();
        if total > cap + 1e-9 {
            return Err(PlanError::new(
                422,
                "infeasible",
                Some("must".into()),
                format!("the must-visits charge ¥{total} together, above the fee cap of ¥{cap}"),
            ));
        }
    }
    let start = resolve(model, &req.start, profile, "start")?;
    let end = match &req.end {
        Some(e) => Some(resolve(model, e, profile, "end")?),
        None => None,
    };
    let date0 = start_local.date_naive();
    let t0_min = f64::from(start_local.num_seconds_from_midnight()) / 60.0;
    let lat = model.site.center_lat;
    let lon = model.site.center_lon;
    let off = model.site.utc_offset_min;
    let day = |d: NaiveDate, k: f64| -> Option<(f64, f64)> {
        Some((
            sunrise_local_min(d, lat, lon, off)? + k * 1440.0,
            sunset_local_min(d, lat, lon, off)? + k * 1440.0,
        ))
    };
    let daylight = [day(date0, 0.0), date0.succ_opt().and_then(|d| day(d, 1.0))];
    Ok(Ctx {
        model,
        req,
        profile,
        lang,
        interests,
        areas,
        must,
        avoid,
        start,
        end,
        start_local,
        t0_min,
        weekday0: start_local.weekday(),
        daylight,
    })
}

/// How the plan's start or end reaches the graph.
enum Terminal {
    /// A place: its matrix index.
    Matrix(usize),
    /// A snapped point: a search from (start) or towards (end) it, with its accesses.
    Search(Box<Routes>, Vec<Access>),
}

fn terminal(ctx: &Ctx, r: &Resolved, outbound: bool) -> Terminal {
    let m = ctx.model;
    if let Some(p) = r.place {
        return Terminal::Matrix(m.places[p].matrix_idx);
    }
    let table = &m.costs[ctx.profile.index()];
    let acc = accesses(m, r, table, outbound);
    let routes = Routes::search(&m.graph, table, &m.costs[0], &seeds(&acc), !outbound);
    Terminal::Search(Box::new(routes), acc)
}

impl Terminal {
    /// Seconds between the terminal and a place (from the start, or to the end).
    fn time_s(&self, ctx: &Ctx, place: usize, outbound: bool) -> f64 {
        let m = ctx.model;
        let p = &m.places[place];
        match self {
            Terminal::Matrix(t) => {
                let mx = &m.matrices[ctx.profile.index()];
                if outbound {
                    mx.time_s(*t, p.matrix_idx)
                } else {
                    mx.time_s(p.matrix_idx, *t)
                }
            }
            Terminal::Search(r, _) => r.time_s(p.node_idx),
        }
    }

    /// The route from the start terminal to a place (`outbound`) or from a place to the end.
    fn route(&self, ctx: &Ctx, place: usize, outbound: bool) -> Option<Route> {
        let m = ctx.model;
        let p = &m.places[place];
        let mx = &m.matrices[ctx.profile.index()];
        match self {
            Terminal::Matrix(t) => {
                let (a, b) = if outbound {
                    (*t, p.matrix_idx)
                } else {
                    (p.matrix_idx, *t)
                };
                let path = mx.routes_from(a).path(&m.graph, mx.node(b))?;
                Some(Route {
                    pieces: path_pieces(&path).collect(),
                    time_s: mx.time_s(a, b),
                })
            }
            Terminal::Search(r, acc) => {
                let path = r.path(&m.graph, p.node_idx)?;
                let seed = r.seed_of(p.node_idx)?;
                let mut pieces: Vec<Piece> = Vec::new();
                if outbound {
                    pieces.extend(acc[seed].pieces.iter().copied());
                    pieces.extend(path_pieces(&path));
                } else {
                    pieces.extend(path_pieces(&path));
                    pieces.extend(acc[seed].pieces.iter().copied());
                }
                Some(Route {
                    pieces,
                    time_s: r.time_s(p.node_idx),
                })
            }
        }
    }
}

fn score_place(ctx: &Ctx, place: usize) -> Scored {
    let m = ctx.model;
    let spec = &m.places[place].spec;
    let stats = m.stats.get(&spec.id).filter(|s| s.count >= MIN_RATINGS);
    let mut pop_weight = 1.0;
    let mut fee_penalty = 0.0;
    let mut vfm_factor: f64 = 1.0;
    let mut daylight = false;
    let mut crowd_rules: Vec<(&Vec<[u32; 2]>, f64, f64)> = Vec::new();
    let mut max_any_crowd_penalty: f64 = 0.0;
    for f in &m.findings {
        match &f.rule {
            Rule::Popularity { tags, weight } if matches(&[], tags, &spec.kind, &spec.tags) => {
                pop_weight += weight;
            }
            Rule::ValueForMoney {
                kinds,
                fee_weight_per_cny,
            } if spec.fee_cny > 0.0 && (kinds.is_empty() || kinds.contains(&spec.kind)) => {
                if let Some(v) = stats.and_then(|s| s.value_for_money) {
                    vfm_factor = self::vfm_factor(v);
                }
                fee_penalty += spec.fee_cny * fee_weight_per_cny * vfm_factor;
            }
            Rule::Daylight { kinds, tags } if matches(kinds, tags, &spec.kind, &spec.tags) => {
                daylight = true;
            }
            Rule::Crowding {
                peak_hours,
                weekend_factor,
                penalty,
                kinds,
                tags,
            } => {
                max_any_crowd_penalty = max_any_crowd_penalty.max(*penalty);
                if (kinds.is_empty() && tags.is_empty())
                    || matches(kinds, tags, &spec.kind, &spec.tags)
                {
                    crowd_rules.push((peak_hours, *weekend_factor, *penalty));
                }
            }
            _ => {}
        }
    }
    let mut interest_hits = Vec::new();
    for &i in &ctx.interests {
        let it = &m.interests[i];
        if matches(&it.kinds, &it.tags, &spec.kind, &spec.tags) {
            interest_hits.push(i);
        }
    }
    let rating = stats
        .and_then(|s| s.score)
        .map_or(0.0, |sc| RATING_POINTS_PER_STAR * (sc - 3.0));
    let base =
        spec.popularity * pop_weight + INTEREST_MATCH_POINTS * interest_hits.len() as f64 + rating
            - fee_penalty;
    // Crowding per hour slot.
    let slots = stats.and_then(|s| s.crowding_by_hour.as_ref().map(|c| (s.count, c)));
    let rule_scale = crowd_rules
        .iter()
        .map(|r| r.2)
        .fold(f64::NEG_INFINITY, f64::max);
    let scale = if rule_scale.is_finite() {
        rule_scale
    } else if max_any_crowd_penalty > 0.0 {
        max_any_crowd_penalty
    } else {
        DEFAULT_CROWD_PENALTY
    };
    let wd0 = ctx.weekday0.num_days_from_monday() as usize;
    let crowd = (0..HOURS)
        .map(|h| {
            let wd = (wd0 + h / 24) % 7;
            let hour = (h % 24) as u32;
            let weekend = wd >= 5;
            let rule_pen = crowd_rules
                .iter()
                .filter(|(peaks, _, _)| peaks.iter().any(|pk| pk[0] <= hour && hour < pk[1]))
                .map(|&(_, wf, pen)| pen * if weekend { wf } else { 1.0 })
                .fold(0.0, f64::max);
            match slots {
                Some((count, c)) => {
                    let w = f64::from(count) / (f64::from(count) + CROWD_PRIOR_COUNT);
                    let level = ((c[wd * 24 + hour as usize] - 1.0) / 3.0).clamp(0.0, 4.0 / 3.0);
                    (1.0 - w) * rule_pen + w * scale * level
                }
                None => rule_pen,
            }
        })
        .collect();
    Scored {
        place,
        base,
        crowd,
        interest_hits,
        vfm_factor,
        fee_penalty,
        daylight,
    }
}

/// Whether a place may be planned at all under the request (before reachability).
fn admissible(ctx: &Ctx, place: usize) -> bool {
    let spec = &ctx.model.places[place].spec;
    if ctx.must.contains(&place) {
        return true;
    }
    if spec.closed || ctx.avoid.contains(&place) {
        return false;
    }
    if ctx.req.avoid_paid && spec.fee_cny > 0.0 {
        return false;
    }
    if ctx.req.max_fee_cny.is_some_and(|cap| spec.fee_cny > cap) {
        return false;
    }
    if ctx
        .areas
        .as_ref()
        .is_some_and(|a| !a.contains(spec.area.as_str()))
    {
        return false;
    }
    true
}

fn is_destination(ctx: &Ctx, place: usize) -> bool {
    let kind = ctx.model.places[place].spec.kind.as_str();
    !NON_DESTINATION_KINDS.contains(&kind)
        || ctx
            .interests
            .iter()
            .any(|&i| ctx.model.interests[i].kinds.iter().any(|k| k == kind))
}

/// Time windows in seconds after the start in which a whole visit to the place may lie.
fn windows_s(ctx: &Ctx, place: usize, daylight: bool) -> Vec<(f64, f64)> {
    let p = &ctx.model.places[place];
    let mut w: Vec<(f64, f64)> = p
        .hours
        .windows(ctx.weekday0, 2)
        .into_iter()
        .map(|(a, b)| (f64::from(a), f64::from(b)))
        .collect();
    if daylight {
        let mut cut = Vec::new();
        for &(a, b) in &w {
            for d in ctx.daylight.iter().flatten() {
                let (lo, hi) = (a.max(d.0), b.min(d.1));
                if lo < hi {
                    cut.push((lo, hi));
                }
            }
        }
        if ctx.daylight.iter().any(Option::is_some) {
            w = cut;
        }
    }
    w.into_iter()
        .map(|(a, b)| ((a - ctx.t0_min) * 60.0, (b - ctx.t0_min) * 60.0))
        .filter(|&(_, b)| b > 0.0)
        .collect()
}

pub(crate) fn plan(model: &PlanningModel, req: &PlanRequest) -> Result<Plan, PlanError> {
    let ctx = validate(model, req)?;
    let budget_s = f64::from(req.budget_min) * 60.0;
    let start_t = terminal(&ctx, &ctx.start, true);
    let end_t = ctx.end.as_ref().map(|e| terminal(&ctx, e, false));

    // Start straight to end.
    let start_to_end_s = match &ctx.end {
        None => 0.0,
        Some(end) => {
            let t = route_between(model, &ctx.start, end, ctx.profile)
                .map_or(f64::INFINITY, |r| r.time_s);
            if !t.is_finite() {
                return Err(PlanError::new(
                    422,
                    "unreachable",
                    Some("end".into()),
                    format!(
                        "there is no {} route from the start to the end",
                        profile_words(ctx.profile)
                    ),
                ));
            }
            if t > budget_s {
                return Err(PlanError::new(
                    422,
                    "infeasible",
                    Some("end".into()),
                    format!(
                        "the end is {:.0} min away, more than the budget of {} min",
                        (t / 60.0).ceil(),
                        req.budget_min
                    ),
                ));
            }
            t
        }
    };

    // Candidates.
    let mut scored: Vec<Scored> = Vec::new();
    let mut cands: Vec<Cand> = Vec::new();
    for place in 0..model.places.len() {
        if !admissible(&ctx, place) {
            continue;
        }
        let must = ctx.must.contains(&place);
        let sc = score_place(&ctx, place);
        if !must && (!is_destination(&ctx, place) || sc.base <= 0.0) {
            continue;
        }
        let from_start_s = start_t.time_s(&ctx, place, true);
        let to_end_s = end_t.as_ref().map_or(0.0, |t| t.time_s(&ctx, place, false));
        if !from_start_s.is_finite() || !to_end_s.is_finite() {
            if must {
                let i = ctx.must.iter().position(|&m| m == place).unwrap_or(0);
                return Err(PlanError::new(
                    422,
                    "unreachable",
                    Some(format!("must[{i}]")),
                    format!(
                        "'{}' cannot be reached {} from the start{}",
                        model.places[place].spec.id,
                        match ctx.profile {
                            Profile::Standard => "on foot",
                            Profile::StepFree => "step-free",
                            Profile::Easy => "on easy paths",
                        },
                        if ctx.end.is_some() {
                            " and the end"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            continue;
        }
        let spec = &model.places[place].spec;
        let windows = windows_s(&ctx, place, sc.daylight);
        let dwell_s = f64::from(spec.dwell_min) * 60.0;
        if !must && (windows.is_empty() || from_start_s + dwell_s + to_end_s > budget_s) {
            continue;
        }
        let util_by_hour = sc.crowd.iter().map(|c| sc.base - c).collect();
        cands.push(Cand {
            from_start_s,
            to_end_s,
            dwell_s,
            windows,
            util_by_hour,
            fee: spec.fee_cny,
            area: model.places[place].area_idx,
            cap_bits: 0,
            must,
        });
        scored.push(sc);
    }

    // Rules that shape the problem.
    let area_idx = |a: &str| model.area_ids.iter().position(|x| x == a);
    let mut precedence = Vec::new();
    let mut caps = Vec::new();
    let mut combine = Vec::new();
    for f in &model.findings {
        match &f.rule {
            Rule::AreaOrder { first, then } => {
                if let (Some(a), Some(b)) = (area_idx(first), area_idx(then)) {
                    precedence.push((a, b));
                }
            }
            Rule::CommercialSameness {
                kinds,
                max_per_plan,
            } if caps.len() < crate::solver::MAX_CAPS => {
                let k = caps.len();
                caps.push(*max_per_plan);
                for (c, s) in cands.iter_mut().zip(&scored) {
                    if kinds.contains(&model.places[s.place].spec.kind) && !c.must {
                        c.cap_bits |= 1 << k;
                    }
                }
            }
            Rule::CombineAreas { areas, bonus } => {
                let mask = if areas.is_empty() {
                    u64::MAX
                } else {
                    areas
                        .iter()
                        .filter_map(|a| area_idx(a))
                        .fold(0u64, |m, i| m | (1 << i))
                };
                combine.push((mask, *bonus));
            }
            _ => {}
        }
    }
    let n = cands.len();
    let mx = &model.matrices[ctx.profile.index()];
    let mut travel_s = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let (a, b) = (
                &model.places[scored[i].place],
                &model.places[scored[j].place],
            );
            travel_s[i * n + j] = mx.time_s(a.matrix_idx, b.matrix_idx);
        }
    }
    let problem = Problem {
        cands,
        travel_s,
        budget_s,
        start_to_end_s,
        fee_cap: req.max_fee_cny,
        precedence,
        caps,
        combine,
        time_weight_per_s: TIME_WEIGHT_PER_S,
        t0_s: ctx.t0_min * 60.0,
    };
    let opts = model.solver;
    let route = if n <= opts.exact_max_candidates {
        solve_exact(&problem)
    } else {
        solve_heuristic(
            &problem,
            HeuristicLimits {
                iterations: opts.heuristic_iterations,
                time_cap: Duration::from_millis(opts.heuristic_time_cap_ms),
                seed: opts.seed,
            },
        )
    };
    let Some(route) = route else {
        return Err(PlanError::new(
            422,
            "infeasible",
            Some("must".into()),
            format!(
                "the must-visits do not fit together in {} min with their opening hours{}",
                req.budget_min,
                if ctx.end.is_some() {
                    " and the way to the end"
                } else {
                    ""
                }
            ),
        ));
    };
    let schedule = problem
        .schedule(&route)
        .expect("solver routes are feasible");
    Ok(compose(
        &ctx,
        &problem,
        &scored,
        &schedule,
        &start_t,
        end_t.as_ref(),
    ))
}

fn fmt_time(ctx: &Ctx, offset_s: f64) -> String {
    let t = ctx.start_local + ChronoDuration::milliseconds((offset_s * 1000.0).round() as i64);
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

fn compose(
    ctx: &Ctx,
    problem: &Problem,
    scored: &[Scored],
    sch: &Schedule,
    start_t: &Terminal,
    end_t: Option<&Terminal>,
) -> Plan {
    let m = ctx.model;
    let lang = ctx.lang;
    let places: Vec<usize> = sch.route.iter().map(|&c| scored[c].place).collect();

    // Legs.
    let mut legs: Vec<Leg> = Vec::new();
    let mut hinted = false;
    let as_resolved = |p: usize| Resolved {
        endpoint: Endpoint::Place(m.places[p].spec.id.clone()),
        place: Some(p),
        snap: None,
        node: Some(m.places[p].node_idx),
    };
    let mut prev: Option<usize> = None;
    for &p in &places {
        let to = as_resolved(p);
        let (from, route) = match prev {
            None => (ctx.start.clone(), start_t.route(ctx, p, true)),
            Some(q) => {
                let from = as_resolved(q);
                let r = route_between(m, &from, &to, ctx.profile);
                (from, r)
            }
        };
        let route = route.unwrap_or_default();
        legs.push(build_leg(m, &from, &to, &route, ctx.profile));
        prev = Some(p);
    }
    if let (Some(end), Some(et)) = (&ctx.end, end_t) {
        let (from, route) = match prev {
            None => (
                ctx.start.clone(),
                route_between(m, &ctx.start, end, ctx.profile),
            ),
            Some(q) => (as_resolved(q), et.route(ctx, q, false)),
        };
        legs.push(build_leg(
            m,
            &from,
            end,
            &route.unwrap_or_default(),
            ctx.profile,
        ));
    }
    for leg in &legs {
        for e in &leg.edges {
            if let Some(i) = m.graph.edge_index(&e.id) {
                hinted |= m.graph.edges()[i].hint.is_some();
            }
        }
    }

    let sunset0 = ctx.daylight[0].map(|d| d.1);
    let mut warnings: Vec<Warning> = Vec::new();
    let mut explanations: Vec<Citation> = Vec::new();
    let in_plan: HashSet<usize> = places.iter().copied().collect();

    // Stops.
    let mut stops = Vec::with_capacity(places.len());
    for (k, &ci) in sch.route.iter().enumerate() {
        let sc = &scored[ci];
        let place = &m.places[sc.place];
        let spec = &place.spec;
        let mut why: Vec<Citation> = Vec::new();
        let mut summary: Vec<String> = Vec::new();
        if problem.cands[ci].must {
            summary.push(lang_text(
                lang,
                "you asked for it".into(),
                "你指定要去".into(),
            ));
        }
        let start_min = ctx.t0_min + sch.start_s[k] / 60.0;
        let hour_slot = (start_min / 60.0).floor().max(0.0) as usize;
        let crowd_now = sc.crowd[hour_slot.min(HOURS - 1)];
        for &i in &sc.interest_hits {
            let it = &m.interests[i];
            let en = format!("Matches your interest: {}", it.name.en);
            let zh = format!("符合你的兴趣：{}", it.name.zh);
            summary.push(lang_text(lang, en.clone(), zh.clone()));
            let shared: Vec<&String> = spec.tags.iter().filter(|t| it.tags.contains(t)).collect();
            let finding = m
                .findings
                .iter()
                .find(|f| matches!(&f.rule, Rule::Popularity { tags, .. } if tags.iter().any(|t| shared.contains(&t))))
                .or_else(|| m.findings.iter().find(|f| shared.contains(&&f.code)));
            if let Some(f) = finding {
                if !why.iter().any(|c| c.finding_id == f.id) {
                    why.push(cite(f, lang, en, zh));
                }
            }
        }
        for f in &m.findings {
            match &f.rule {
                Rule::Popularity { tags, .. }
                    if matches(&[], tags, &spec.kind, &spec.tags)
                        && !why.iter().any(|c| c.finding_id == f.id) =>
                {
                    let en = format!("Popular with visitors (popularity {:.2})", spec.popularity);
                    let zh = format!("深受游客喜爱（热度{:.2}）", spec.popularity);
                    why.push(cite(f, lang, en, zh));
                }
                Rule::Daylight { kinds, tags } if matches(kinds, tags, &spec.kind, &spec.tags) => {
                    let when = sunset0.map(hhmm).unwrap_or_else(|| "-".into());
                    why.push(cite(
                        f,
                        lang,
                        format!("Visited in daylight, before sunset at {when}"),
                        format!("安排在日落（{when}）前游览"),
                    ));
                }
                Rule::ValueForMoney { kinds, .. }
                    if spec.fee_cny > 0.0 && (kinds.is_empty() || kinds.contains(&spec.kind)) =>
                {
                    let rated = m
                        .stats
                        .get(&spec.id)
                        .filter(|s| s.count >= MIN_RATINGS)
                        .and_then(|s| s.value_for_money.map(|v| (v, s.count)));
                    let (en, zh) = match rated {
                        Some((v, c)) => (
                            format!(
                                "Fee of ¥{} weighed against it (value for money rated {v:.1}/5 by {c} visitors)",
                                spec.fee_cny
                            ),
                            format!("门票¥{}已计入取舍（{c}位游客评价性价比{v:.1}/5）", spec.fee_cny),
                        ),
                        None => (
                            format!("Fee of ¥{} weighed against it", spec.fee_cny),
                            format!("门票¥{}已计入取舍", spec.fee_cny),
                        ),
                    };
                    why.push(cite(f, lang, en, zh));
                }
                Rule::FreeAlternative { kinds }
                    if spec.fee_cny == 0.0 && kinds.contains(&spec.kind) =>
                {
                    // A paid place of the same kind left out of the plan.
                    let paid = m
                        .places
                        .iter()
                        .enumerate()
                        .filter(|(i, p)| {
                            p.spec.kind == spec.kind
                                && p.spec.fee_cny > 0.0
                                && !p.spec.closed
                                && !in_plan.contains(i)
                        })
                        .max_by(|a, b| a.1.spec.popularity.total_cmp(&b.1.spec.popularity));
                    if let Some((_, pp)) = paid {
                        let en = format!(
                            "Free {} chosen instead of {} (¥{})",
                            spec.kind.replace('_', " "),
                            pp.spec.name.en,
                            pp.spec.fee_cny
                        );
                        let zh = format!(
                            "选择免费的{}，而非{}（¥{}）",
                            spec.name.zh, pp.spec.name.zh, pp.spec.fee_cny
                        );
                        summary.push(lang_text(lang, en.clone(), zh.clone()));
                        why.push(cite(f, lang, en, zh));
                        // The value-for-money finding that weighed against the paid one.
                        if let Some(vf) = m.findings.iter().find(|x| {
                            matches!(&x.rule, Rule::ValueForMoney { kinds, .. } if kinds.is_empty() || kinds.contains(&pp.spec.kind))
                        }) {
                            if !why.iter().any(|c| c.finding_id == vf.id) {
                                let rated = m
                                    .stats
                                    .get(&pp.spec.id)
                                    .filter(|s| s.count >= MIN_RATINGS)
                                    .and_then(|s| s.value_for_money.map(|v| (v, s.count)));
                                let (en, zh) = match rated {
                                    Some((v, c)) => (
                                        format!(
                                            "{} charges ¥{} and {c} visitors rate its value {v:.1}/5",
                                            pp.spec.name.en, pp.spec.fee_cny
                                        ),
                                        format!(
                                            "{}收费¥{}，{c}位游客评价性价比{v:.1}/5",
                                            pp.spec.name.zh, pp.spec.fee_cny
                                        ),
                                    ),
                                    None => (
                                        format!("{} charges ¥{}", pp.spec.name.en, pp.spec.fee_cny),
                                        format!("{}收费¥{}", pp.spec.name.zh, pp.spec.fee_cny),
                                    ),
                                };
                                why.push(cite(vf, lang, en, zh));
                            }
                        }
                    }
                }
                Rule::Crowding {
                    kinds,
                    tags,
                    peak_hours,
                    ..
                } if (kinds.is_empty() && tags.is_empty())
                    || matches(kinds, tags, &spec.kind, &spec.tags) =>
                {
                    let hour = (start_min / 60.0).floor() as u32 % 24;
                    let peak = peak_hours.iter().any(|pk| pk[0] <= hour && hour < pk[1]);
                    if crowd_now <= 1e-9 || !peak {
                        why.push(cite(
                            f,
                            lang,
                            format!("Visited at {} to miss the usual crowds", hhmm(start_min)),
                            format!("{}到访，避开高峰人流", hhmm(start_min)),
                        ));
                    }
                }
                Rule::CommercialSameness {
                    kinds,
                    max_per_plan,
                } if kinds.contains(&spec.kind) => {
                    why.push(cite(
                        f,
                        lang,
                        format!("One of at most {max_per_plan} commercial stops of this sort in the plan"),
                        format!("本行程此类商业点最多{max_per_plan}个"),
                    ));
                }
                _ => {}
            }
        }
        if why.is_empty() {
            // No rule shaped the choice: cite the findings coded like the place's tags.
            for f in m.findings.iter().filter(|f| spec.tags.contains(&f.code)) {
                why.push(cite(
                    f,
                    lang,
                    format!(
                        "Part of what visitors come for ({})",
                        f.code.replace('_', " ")
                    ),
                    "游客慕名而来".into(),
                ));
            }
        }
        if let Some(s) = m.stats.get(&spec.id).filter(|s| s.count >= MIN_RATINGS) {
            if let Some(score) = s.score {
                summary.push(lang_text(
                    lang,
                    format!("rated {score:.1}/5 by {} visitors", s.count),
                    format!("{}位游客评分{score:.1}/5", s.count),
                ));
            }
        }
        if crowd_now >= CROWD_WARN_POINTS {
            warnings.push(Warning {
                code: "crowded".into(),
                message: lang_text(
                    lang,
                    format!(
                        "Expect crowds at {} around {}",
                        spec.name.en,
                        hhmm(start_min)
                    ),
                    format!("{}在{}前后人多", spec.name.zh, hhmm(start_min)),
                ),
            });
        }
        if hard_to_find(m, sc.place) {
            warnings.push(Warning {
                code: "hard_to_find".into(),
                message: lang_text(
                    lang,
                    format!(
                        "Visitors find {} hard to find: follow the landmark hints",
                        spec.name.en
                    ),
                    format!("游客反映{}不好找，请留意路标提示", spec.name.zh),
                ),
            });
        }
        if sc.fee_penalty > 0.0 && sc.vfm_factor > 1.0 {
            summary.push(lang_text(
                lang,
                format!("fee ¥{} counted as poor value", spec.fee_cny),
                format!("门票¥{}性价比偏低", spec.fee_cny),
            ));
        }
        if summary.is_empty() {
            summary.push(lang_text(
                lang,
                "worth a stop on the way".into(),
                "顺路值得一看".into(),
            ));
        }
        let sep = if lang == Lang::Zh { "；" } else { "; " };
        stops.push(Stop {
            place_id: spec.id.clone(),
            name: spec.name.clone(),
            kind: spec.kind.clone(),
            area: spec.area.clone(),
            arrive: fmt_time(ctx, sch.arrive_s[k]),
            depart: fmt_time(ctx, sch.depart_s[k]),
            wait_min: (sch.start_s[k] - sch.arrive_s[k]) / 60.0,
            fee_cny: spec.fee_cny,
            utility: sch.utility[k],
            why,
            summary: summary.join(sep),
        });
    }

    // Plan-level explanations.
    let areas_in_plan: Vec<&str> = {
        let mut v: Vec<&str> = Vec::new();
        for &p in &places {
            let a = m.places[p].spec.area.as_str();
            if !v.contains(&a) {
                v.push(a);
            }
        }
        v
    };
    for f in &m.findings {
        match &f.rule {
            Rule::AreaOrder { first, then }
                if areas_in_plan.contains(&first.as_str())
                    && areas_in_plan.contains(&then.as_str()) =>
            {
                explanations.push(cite(
                    f,
                    lang,
                    format!("Every {first} stop comes before the {then} stops"),
                    format!("先游览{first}，再去{then}"),
                ));
            }
            Rule::CombineAreas { areas, .. } => {
                let hit: Vec<&str> = areas_in_plan
                    .iter()
                    .copied()
                    .filter(|a| areas.is_empty() || areas.iter().any(|x| x == a))
                    .collect();
                if hit.len() >= 2 {
                    explanations.push(cite(
                        f,
                        lang,
                        format!("The plan combines {} areas: {}", hit.len(), hit.join(", ")),
                        format!("行程串联{}个片区：{}", hit.len(), hit.join("、")),
                    ));
                }
            }
            Rule::Daylight { kinds, tags }
                if places.iter().any(|&p| {
                    matches(kinds, tags, &m.places[p].spec.kind, &m.places[p].spec.tags)
                }) =>
            {
                let when = sunset0.map(hhmm).unwrap_or_else(|| "-".into());
                explanations.push(cite(
                    f,
                    lang,
                    format!("Outdoor spots are scheduled before sunset ({when})"),
                    format!("户外景点安排在日落（{when}）前"),
                ));
            }
            Rule::Wayfinding if hinted => {
                explanations.push(cite(
                    f,
                    lang,
                    "Directions carry landmark hints for hard-to-find ways".into(),
                    "路线说明附有难找路段的地标提示".into(),
                ));
            }
            Rule::Crowding { kinds, tags, .. }
                if places.iter().any(|&p| {
                    (kinds.is_empty() && tags.is_empty())
                        || matches(kinds, tags, &m.places[p].spec.kind, &m.places[p].spec.tags)
                }) =>
            {
                explanations.push(cite(
                    f,
                    lang,
                    "Visit times weigh the expected crowds".into(),
                    "到访时间已考虑人流高峰".into(),
                ));
            }
            Rule::FreeAlternative { kinds } => {
                // Paid places of these kinds left out with no free one of the kind in the plan:
                // offer a free one.
                for kind in kinds {
                    let free_in_plan = places.iter().any(|&p| {
                        &m.places[p].spec.kind == kind && m.places[p].spec.fee_cny == 0.0
                    });
                    let paid_left_out = m.places.iter().enumerate().any(|(i, p)| {
                        &p.spec.kind == kind
                            && p.spec.fee_cny > 0.0
                            && !p.spec.closed
                            && !in_plan.contains(&i)
                    });
                    if free_in_plan || !paid_left_out {
                        continue;
                    }
                    let offer = m
                        .places
                        .iter()
                        .enumerate()
                        .filter(|(i, p)| {
                            &p.spec.kind == kind
                                && p.spec.fee_cny == 0.0
                                && !p.spec.closed
                                && !ctx.avoid.contains(i)
                        })
                        .max_by(|a, b| a.1.spec.popularity.total_cmp(&b.1.spec.popularity));
                    if let Some((_, fp)) = offer {
                        let wants_kind = ctx
                            .interests
                            .iter()
                            .any(|&i| m.interests[i].kinds.contains(kind));
                        let popular_paid = m.places.iter().enumerate().any(|(i, p)| {
                            &p.spec.kind == kind
                                && p.spec.fee_cny > 0.0
                                && !in_plan.contains(&i)
                                && p.spec.popularity >= 0.5
                        });
                        if wants_kind || popular_paid {
                            warnings.push(Warning {
                                code: "free_alternative".into(),
                                message: lang_text(
                                    lang,
                                    format!(
                                        "{} is free and an alternative to the paid {}s. {}",
                                        fp.spec.name.en,
                                        kind.replace('_', " "),
                                        f.text.en
                                    ),
                                    format!(
                                        "{}免费，可替代收费的同类地点。{}",
                                        fp.spec.name.zh, f.text.zh
                                    ),
                                ),
                            });
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if stops.is_empty() {
        warnings.push(Warning {
            code: "no_stops".into(),
            message: lang_text(
                lang,
                "No place fits this budget, its opening hours and the filters".into(),
                "在此时间预算、开放时间和筛选条件下没有合适的地点".into(),
            ),
        });
    }

    let walk_s: f64 = legs.iter().map(|l| l.duration_s).sum();
    let length_m: f64 = legs.iter().map(|l| l.length_m).sum();
    let fee_cny: f64 = stops.iter().map(|s| s.fee_cny).sum();
    Plan {
        id: String::new(),
        site: m.site.id.clone(),
        snapshot_version: m.version,
        request: ctx.req.clone(),
        profile: ctx.profile,
        start_time: fmt_time(ctx, 0.0),
        end_time: fmt_time(ctx, sch.finish_s),
        sunset: sunset0.map(|s| fmt_time(ctx, (s - ctx.t0_min) * 60.0)),
        stops,
        legs,
        totals: Totals {
            duration_s: sch.finish_s,
            walk_s,
            length_m,
            fee_cny,
            score: sch.score,
        },
        explanations,
        warnings,
    }
}

#[cfg(test)]
mod vfm_tests {
    use super::*;

    #[test]
    fn value_for_money_ratings_scale_the_fee_penalty() {
        assert_eq!(vfm_factor(3.0), 1.0);
        assert!(vfm_factor(2.5) < 2.0);
        assert!((vfm_factor(2.0) - 3.5).abs() < 1e-12);
        assert_eq!(vfm_factor(1.0), VFM_FACTOR_MAX);
        assert_eq!(vfm_factor(5.0), VFM_FACTOR_MIN);
        // Monotone: worse value, heavier penalty.
        let mut prev = f64::INFINITY;
        for i in 0..=40 {
            let f = vfm_factor(1.0 + i as f64 * 0.1);
            assert!(f <= prev);
            prev = f;
        }
    }
}
