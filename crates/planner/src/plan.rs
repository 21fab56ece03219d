//! Visit plans: validating a request, scoring places, building the orienteering problem,
//! solving it and turning the schedule into stops, legs, explanations and warnings.
//!
//! Utility is counted in points: a place of popularity 1.0 with no rule, interest or rating is
//! worth 1 point. See `docs/planner.md` for every term.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{
    DateTime, Datelike, Duration as ChronoDuration, FixedOffset, NaiveDate, SecondsFormat,
    Timelike, Weekday,
};

use crate::cost::Profile;
use crate::directions::{
    accesses, build_leg, hard_to_find, parse_lang, parse_profile, path_pieces, profile_words,
    profile_words_zh, resolve, route_between, seeds, Access, Piece, Resolved, Route,
};
use crate::hours::{weekday_name, MIN_PER_DAY};
use crate::model::PlanningModel;
use crate::paths::Routes;
use crate::request::{Endpoint, Pace, PlanError, PlanRequest};
use crate::response::{
    AlsoHere, Citation, Exploration, Leg, Plan, Severity, Stop, Totals, Warning,
};
use crate::rng::SplitMix64;
use crate::site::{Finding, PlaceSpec, PlaceStats, Rule};
use crate::solar::{sunrise_local_min, sunset_local_min};
use crate::solver::{
    must_route, solve_exact_with, solve_heuristic, Cand, HeuristicLimits, Problem, Schedule,
    MAX_GROUPS,
};
use crate::types::Bilingual;
use crate::types::Lang;

/// Years a plan may start in (site time): the range the sun, holiday and opening-hours
/// rules are meant for; a start outside it is refused rather than planned into nonsense.
pub const START_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Points per requested interest that a place matches (by tag or kind).
pub const INTEREST_MATCH_POINTS: f64 = 1.0;
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
/// Visitors' crowding reports at an hour of the week weigh `n / (n + this)` (n: their evidence
/// at that hour) against the seed's crowding rule for that hour; an hour nobody reported keeps
/// the rule alone.
pub const CROWD_PRIOR_COUNT: f64 = 2.0;
/// Reported crowding (1..5) at or below which an hour costs nothing ("a few people").
pub const CROWD_FREE_LEVEL: f64 = 2.0;
/// Share of a stop's value that a reported crowding of 5 (packed) costs; it falls linearly to
/// nothing at [`CROWD_FREE_LEVEL`], so a reported 4 costs two thirds of it (60 %). That
/// outweighs popularity: with a few reports at a busy hour a popular stop, highlights included,
/// is worth less then than at a quieter hour, and a plan with room visits it at the quieter hour.
pub const CROWD_SHARE_PACKED: f64 = 0.9;
/// Places less popular than this are not expected to be crowded at the rules' peak hours.
pub const CROWD_MIN_POPULARITY: f64 = 0.5;
/// Crowding costs at most this share of a stop's value.
pub const CROWD_SHARE_MAX: f64 = 0.9;
/// Mean reported crowding (1..5) at which an hour counts as busy by the visitors' own account:
/// a stop then is not made to lead the route at that hour, and a plan visiting it then warns.
pub const REPORTED_BUSY_LEVEL: f64 = 4.0;
/// A stop visited at a peak hour whose crowding costs at least this share of its value is
/// named in the plan's `crowded` warning.
pub const CROWD_WARN_SHARE: f64 = 0.35;
/// Exploration: places with less evidence on their overall score than this (in verified
/// answers) may be tried.
pub const EXPLORE_MAX_EVIDENCE: f64 = 2.0 * crate::site::MIN_EVIDENCE as f64;
/// Exploration: the draw from a place's score posterior must reach this (of 5) for the place
/// to be tried: its optimistic value must be that of a well-liked stop.
pub const EXPLORE_SCORE_BAR: f64 = 4.0;
/// Exploration: the plan with the exploratory stop keeps at least 95 % of the best plan's
/// expected value (objective under the posterior means).
pub const EXPLORE_MAX_COST: f64 = 0.05;
/// Exploration: how many of the highest draws are tried (one solve each).
pub const EXPLORE_TRIES: usize = 2;
/// A highlight that visitors rate below this (a known score, 1..5) is no longer planned as one.
pub const HIGHLIGHT_MIN_SCORE: f64 = 3.0;
/// Points a highlight is worth on top of its other utility: more than any ordinary stop, so a
/// plan holds every highlight it can reach.
pub const HIGHLIGHT_POINTS: f64 = 3.0;
/// Points a place tagged [`NIGHT_VIEW_TAG`] gains in hours after sunset.
pub const NIGHT_VIEW_POINTS: f64 = 1.0;
/// Tag of places worth visiting after dark (exempt from the daylight rules).
pub const NIGHT_VIEW_TAG: &str = "night_view";
/// Tag of cafés that serve meals.
pub const MEAL_TAG: &str = "restaurants";
/// Points interest matches count when only a tag (not the kind) matches.
pub const INTEREST_TAG_POINTS: f64 = 0.5;
/// Variety: the factor on a stop's value for each earlier stop of the same kind.
pub const VARIETY_DECAY: f64 = 0.6;
/// The factor for each earlier stop sharing an experience code (a tag some interest names).
pub const VARIETY_DECAY_TAG: f64 = 0.75;
/// The gentler factor for kinds and codes the visitor asked for (by interest).
pub const VARIETY_DECAY_WANTED: f64 = 0.85;
/// Points for the plan's meal (once per meal window): more than a highlight, so a long plan
/// spanning a meal time holds one when a meal place is open and reachable.
pub const MEAL_POINTS: f64 = 6.0;
/// Plans shorter than this (minutes) plan no meal.
pub const MEAL_MIN_BUDGET_MIN: u32 = 240;
/// A meal lasts at least this many minutes.
pub const MEAL_MIN_DWELL_MIN: u32 = 40;
/// Meal windows in minutes after midnight: lunch 11:30–13:30, dinner 17:30–19:30.
pub const MEAL_WINDOWS_MIN: [(f64, f64); 2] = [(690.0, 810.0), (1050.0, 1170.0)];
/// A meal starts at least this many minutes before its window closes.
pub const MEAL_LAST_START_BEFORE_END_MIN: f64 = 30.0;
/// A plan must overlap a meal window by this many minutes to plan a meal in it.
pub const MEAL_MIN_OVERLAP_MIN: f64 = 60.0;
/// Queues on ordinary weekdays are this share of the weekend queue.
pub const QUEUE_WEEKDAY_FACTOR: f64 = 0.5;
/// No visit is shorter than this (minutes), whatever the pace.
pub const MIN_DWELL_MIN: f64 = 5.0;
/// Points each stop beyond the pace's stops-per-hour target costs.
pub const EXCESS_STOP_POINTS: f64 = 1.5;
/// Points lost per minute of walking: a visitor would rather look than walk, so a plan does
/// not climb half an hour for what it could see next door (the climb itself is in the time).
pub const WALK_POINTS_PER_MIN: f64 = 0.08;
/// Popularity rules beyond the strongest that a place matches count this share of their weight
/// (a place popular for several reasons is not several times as popular).
pub const EXTRA_POPULARITY_SHARE: f64 = 0.25;
/// Daylight is mentioned for a stop only when it ends this close (minutes) to sunset.
pub const DAYLIGHT_NEAR_MIN: f64 = 90.0;

/// What a pace means.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PaceParams {
    /// Factor on the seed's visit lengths.
    pub dwell_factor: f64,
    /// Stops per hour of budget the plan aims at (beyond it each stop costs
    /// [`EXCESS_STOP_POINTS`]).
    pub stops_per_hour: f64,
    /// Points every stop costs (finding it, getting oriented): favours fewer, fuller stops.
    pub stop_cost: f64,
}

/// The parameters of a pace.
pub fn pace_params(pace: Pace) -> PaceParams {
    match pace {
        Pace::Relaxed => PaceParams {
            dwell_factor: 1.4,
            stops_per_hour: 1.5,
            stop_cost: 0.6,
        },
        Pace::Normal => PaceParams {
            dwell_factor: 1.0,
            stops_per_hour: 2.5,
            stop_cost: 0.35,
        },
        Pace::Packed => PaceParams {
            dwell_factor: 0.75,
            stops_per_hour: 4.0,
            stop_cost: 0.1,
        },
    }
}
/// Points lost per second of plan duration: a tie-breaker that prefers shorter plans
/// (0.036 points per hour).
pub const TIME_WEIGHT_PER_S: f64 = 1e-5;
/// Place kinds that are not destinations in themselves: planned only when a must-visit or when
/// a requested interest names the kind.
pub const NON_DESTINATION_KINDS: [&str; 3] = ["transit", "gate", "restroom"];
/// Hour slots of utility per candidate (the start date and the next day).
const HOURS: usize = 48;

fn cite(f: &Finding, lang: Lang, reason_en: String, reason_zh: String) -> Citation {
    let text = match lang {
        Lang::En => join_reason(lang, &reason_en, &f.text.en),
        Lang::Zh => join_reason(lang, &reason_zh, &f.text.zh),
    };
    Citation {
        finding_id: Some(f.id.clone()),
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
    pace: Pace,
    /// Whether the plan should hold a meal (asked for, long enough, spanning a meal time).
    wants_meal: bool,
    /// Meal windows `(first start, last start)` in minutes after the start date's midnight
    /// that the plan's span covers enough of.
    meal_windows: Vec<(f64, f64)>,
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
    /// Utility before crowding and the time of day (highlight included, fees deducted).
    base: f64,
    /// Share of the value lost to crowding per hour slot.
    crowd: Vec<f64>,
    /// Whether each hour slot is a peak hour for the place.
    peak: Vec<bool>,
    /// Hour slots in which enough visitors report the place crowded (mean crowding of
    /// [`REPORTED_BUSY_LEVEL`] or more on that weekday and hour).
    reported_busy: Vec<bool>,
    /// Utility per hour slot: crowding, night views.
    util_by_hour: Vec<f64>,
    /// A highlight's own worth per hour slot (crowding applied, no variety decay).
    fixed_by_hour: Vec<f64>,
    interest_hits: Vec<usize>,
    vfm_factor: f64,
    fee_penalty: f64,
    /// Must be visited in daylight.
    daylight: bool,
    /// Worth it after dark.
    night_view: bool,
    /// Can serve the plan's meal.
    meal: bool,
}

/// The request checked and read against the model: the context planning works in.
fn validate<'a>(model: &'a PlanningModel, req: &'a PlanRequest) -> Result<Ctx<'a>, PlanError> {
    let profile = parse_profile(req.profile.as_deref())?;
    let lang = parse_lang(req.lang.as_deref())?;
    let pace = parse_pace(req)?;
    if !(1..=1440).contains(&req.budget_min) {
        return Err(PlanError::invalid(
            "budget_min",
            format!("budget of {} min is not in 1..=1440", req.budget_min),
        )
        .zh(format!("预算 {} 分钟不在 1..=1440 之内", req.budget_min)));
    }
    let start_local = parse_start_local(model, req)?;
    let interests = parse_interests(model, req)?;
    if let Some(cap) = req.max_fee_cny {
        if !cap.is_finite() || cap < 0.0 {
            return Err(
                PlanError::invalid("max_fee_cny", format!("{cap} is not a number ≥ 0"))
                    .zh(format!("{cap} 不是 ≥ 0 的数")),
            );
        }
    }
    let areas = parse_areas(model, req)?;
    let mut avoid = HashSet::new();
    for (i, id) in req.avoid.iter().enumerate() {
        avoid.insert(place_of(model, format!("avoid[{i}]"), id)?);
    }
    let must = parse_must(model, req, &avoid, areas.as_ref(), start_local)?;
    let start = resolve(model, &req.start, profile, "start")?;
    let end = match &req.end {
        Some(e) => Some(resolve(model, e, profile, "end")?),
        None => None,
    };
    let t0_min = f64::from(start_local.num_seconds_from_midnight()) / 60.0;
    let daylight = daylight_of(model, start_local.date_naive());
    let meal_windows = meal_windows(req, t0_min);
    Ok(Ctx {
        model,
        req,
        profile,
        lang,
        pace,
        wants_meal: !meal_windows.is_empty(),
        meal_windows,
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

/// The request's pace (`normal` when not given).
fn parse_pace(req: &PlanRequest) -> Result<Pace, PlanError> {
    Ok(match req.pace.as_deref() {
        None => Pace::Normal,
        Some(s) => Pace::parse(s).ok_or_else(|| {
            PlanError::invalid(
                "pace",
                format!("unknown pace '{s}' (expected relaxed, normal or packed)"),
            )
        })?,
    })
}

/// The start time in the site's time zone, to the whole second; an error for a time that is
/// not RFC 3339 with an offset or lies outside [`START_YEARS`].
fn parse_start_local(
    model: &PlanningModel,
    req: &PlanRequest,
) -> Result<DateTime<FixedOffset>, PlanError> {
    let start_time = DateTime::parse_from_rfc3339(&req.start_time).map_err(|e| {
        PlanError::invalid(
            "start_time",
            format!(
                "'{}' is not an RFC 3339 time with an offset ({e})",
                req.start_time
            ),
        )
        .zh(format!(
            "“{}”不是带时区偏移的 RFC 3339 时间（{e}）",
            req.start_time
        ))
    })?;
    let offset = FixedOffset::east_opt(model.site.utc_offset_min * 60).ok_or_else(|| {
        PlanError::invalid("start_time", "the site's UTC offset is invalid")
            .zh("站点的 UTC 偏移无效")
    })?;
    let start_local = start_time.with_timezone(&offset);
    let start_local = start_local.with_nanosecond(0).unwrap_or(start_local);
    if !START_YEARS.contains(&start_local.year()) {
        return Err(PlanError::invalid(
            "start_time",
            format!(
                "{} is outside the years {}–{} that plans cover",
                req.start_time,
                START_YEARS.start(),
                START_YEARS.end()
            ),
        )
        .zh(format!(
            "{}不在可规划的年份（{}–{}）之内",
            req.start_time,
            START_YEARS.start(),
            START_YEARS.end()
        )));
    }
    Ok(start_local)
}

/// The requested interests as indices into the model's interests, without repeats.
fn parse_interests(model: &PlanningModel, req: &PlanRequest) -> Result<Vec<usize>, PlanError> {
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
                .zh(format!(
                    "interests[{i}]：未知的兴趣“{id}”（可选：{}）",
                    known.join("、")
                ))
            })?;
        if !interests.contains(&idx) {
            interests.push(idx);
        }
    }
    Ok(interests)
}

/// The requested areas, each checked against the site's.
fn parse_areas<'a>(
    model: &PlanningModel,
    req: &'a PlanRequest,
) -> Result<Option<HashSet<&'a str>>, PlanError> {
    let Some(list) = &req.areas else {
        return Ok(None);
    };
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
            )
            .zh(format!(
                "areas[{i}]：未知的区域“{a}”（可选：{}）",
                model.area_ids.join("、")
            )));
        }
        set.insert(a.as_str());
    }
    Ok(Some(set))
}

/// The index of a place id named in request field `field`; a 404 `unknown_place` error when
/// the site has no such place.
fn place_of(model: &PlanningModel, field: String, id: &str) -> Result<usize, PlanError> {
    model.place_ids.get(id).copied().ok_or_else(|| {
        PlanError::new(
            404,
            "unknown_place",
            Some(field),
            format!("no place '{id}' in this site"),
        )
        .zh(format!("本站点没有地点“{id}”"))
    })
}

/// The must-visits, without repeats, each checked against the avoided places, the filters and
/// its opening hours, and together against the fee cap.
fn parse_must(
    model: &PlanningModel,
    req: &PlanRequest,
    avoid: &HashSet<usize>,
    areas: Option<&HashSet<&str>>,
    start_local: DateTime<FixedOffset>,
) -> Result<Vec<usize>, PlanError> {
    let mut must = Vec::new();
    for (i, id) in req.must.iter().enumerate() {
        let field = format!("must[{i}]");
        let p = place_of(model, field.clone(), id)?;
        if avoid.contains(&p) {
            return Err(PlanError::new(
                400,
                "conflict",
                Some(field),
                format!("'{id}' is both a must-visit and to be avoided"),
            )
            .zh(format!("“{id}”既是必去地点又是要避开的地点")));
        }
        check_must_place(model, req, p, id, &field, areas)?;
        if let Some(e) = closed_on_plan_days(model, p, start_local, req.budget_min, &field) {
            return Err(e);
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
            )
            .zh(format!("必去地点合计收费 ¥{total}，超过费用上限 ¥{cap}")));
        }
    }
    Ok(must)
}

/// Whether must-visit `p` (named `id` in field `field`) can be a stop under the request: not a
/// container, not closed, within the fee filters and the requested areas.
fn check_must_place(
    model: &PlanningModel,
    req: &PlanRequest,
    p: usize,
    id: &str,
    field: &str,
    areas: Option<&HashSet<&str>>,
) -> Result<(), PlanError> {
    let spec = &model.places[p].spec;
    if spec.container {
        return Err(PlanError::new(
            422,
            "not_a_stop",
            Some(field.to_string()),
            format!(
                "'{id}' is {} as a whole, not a stop: name a place inside it, or use `areas`",
                spec.name.en
            ),
        )
        .zh(format!(
            "“{id}”指{}整体，不是一个停留点：请指定其中的地点，或使用 areas",
            spec.name.zh
        )));
    }
    let infeasible = |msg: String, zh: String| {
        PlanError::new(422, "infeasible", Some(field.to_string()), msg).zh(zh)
    };
    if spec.closed {
        return Err(infeasible(
            format!("'{id}' is closed"),
            format!("“{id}”已关闭"),
        ));
    }
    if req.avoid_paid && spec.fee_cny > 0.0 {
        return Err(infeasible(
            format!(
                "'{id}' charges ¥{} but only free places were asked for",
                spec.fee_cny
            ),
            format!("“{id}”收费 ¥{}，但只要求免费地点", spec.fee_cny),
        ));
    }
    if let Some(cap) = req.max_fee_cny {
        if spec.fee_cny > cap {
            return Err(infeasible(
                format!(
                    "'{id}' charges ¥{}, above the fee cap of ¥{cap}",
                    spec.fee_cny
                ),
                format!("“{id}”收费 ¥{}，超过费用上限 ¥{cap}", spec.fee_cny),
            ));
        }
    }
    if let Some(a) = areas {
        if !a.contains(spec.area.as_str()) {
            return Err(infeasible(
                format!(
                    "'{id}' is in area '{}', outside the requested areas",
                    spec.area
                ),
                format!("“{id}”位于区域“{}”，不在所选区域内", spec.area),
            ));
        }
    }
    Ok(())
}

/// `(sunrise, sunset)` at the site in minutes after midnight of `date0`, for that date and the
/// next (`None` in polar day or night).
fn daylight_of(model: &PlanningModel, date0: NaiveDate) -> [Option<(f64, f64)>; 2] {
    let lat = model.site.center_lat;
    let lon = model.site.center_lon;
    let off = model.site.utc_offset_min;
    let day = |d: NaiveDate, k: f64| -> Option<(f64, f64)> {
        Some((
            sunrise_local_min(d, lat, lon, off)? + k * 1440.0,
            sunset_local_min(d, lat, lon, off)? + k * 1440.0,
        ))
    };
    [day(date0, 0.0), date0.succ_opt().and_then(|d| day(d, 1.0))]
}

/// Meal windows `(first start, last start)` in minutes after the start date's midnight that a
/// plan starting at `t0_min` covers enough of (none when meals are off or the budget short).
fn meal_windows(req: &PlanRequest, t0_min: f64) -> Vec<(f64, f64)> {
    let span = (t0_min, t0_min + f64::from(req.budget_min));
    let mut meal_windows = Vec::new();
    if req.meals != Some(false) && req.budget_min >= MEAL_MIN_BUDGET_MIN {
        for d in [0.0, 1440.0] {
            for (a, b) in MEAL_WINDOWS_MIN {
                let (a, b) = (a + d, b + d);
                if span.1.min(b) - span.0.max(a) >= MEAL_MIN_OVERLAP_MIN {
                    meal_windows.push((a.max(span.0), b - MEAL_LAST_START_BEFORE_END_MIN));
                }
            }
        }
    }
    meal_windows
}

/// A 422 `place_closed` error when a must-visit has no opening window on the plan's date, nor on
/// the next date when the budget runs past midnight; the message names the place, the dates with
/// their weekdays and the hours on each.
fn closed_on_plan_days(
    model: &PlanningModel,
    place: usize,
    start_local: DateTime<FixedOffset>,
    budget_min: u32,
    field: &str,
) -> Option<PlanError> {
    let p = &model.places[place];
    let hol = &model.holidays;
    let date0 = start_local.date_naive();
    let t0_min = start_local.num_seconds_from_midnight() / 60;
    let days = if t0_min + budget_min > MIN_PER_DAY {
        2
    } else {
        1
    };
    if !p.hours.windows_on(date0, days, hol).is_empty() {
        return None;
    }
    let dates: Vec<NaiveDate> = date0.iter_days().take(days as usize).collect();
    let en: Vec<String> = dates
        .iter()
        .map(|&d| {
            let wd = weekday_name(d.weekday(), Lang::En);
            format!("{wd} {d} ({})", p.hours.describe_day(d, hol, Lang::En))
        })
        .collect();
    let zh: Vec<String> = dates
        .iter()
        .map(|&d| {
            let wd = weekday_name(d.weekday(), Lang::Zh);
            format!("{d}（{wd}，{}）", p.hours.describe_day(d, hol, Lang::Zh))
        })
        .collect();
    let error = PlanError::new(
        422,
        "place_closed",
        Some(field.to_string()),
        format!(
            "{} ({}) is not open on {}; its opening hours are '{}'",
            p.spec.name.en,
            p.spec.id,
            en.join(" or "),
            p.spec.hours
        ),
    )
    .zh(format!(
        "{}（{}）在{}不开放；开放时间为“{}”",
        p.spec.name.zh,
        p.spec.id,
        zh.join("和"),
        p.spec.hours
    ));
    Some(error)
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

/// The crowding rules that match a place: `(peak hours, weekend factor, penalty)`.
fn crowd_rules_of<'m>(
    m: &'m PlanningModel,
    spec: &PlaceSpec,
) -> Vec<(&'m Vec<[u32; 2]>, f64, f64)> {
    let mut out = Vec::new();
    for f in &m.findings {
        if let Rule::Crowding {
            peak_hours,
            weekend_factor,
            penalty,
            kinds,
            tags,
        } = &f.rule
        {
            if (kinds.is_empty() && tags.is_empty()) || matches(kinds, tags, &spec.kind, &spec.tags)
            {
                out.push((peak_hours, *weekend_factor, *penalty));
            }
        }
    }
    out
}

/// Whether hour slot `h` (0 = the start date's 00h) is a weekend or public-holiday hour.
fn busy_day(ctx: &Ctx, h: usize) -> bool {
    let wd = (ctx.weekday0.num_days_from_monday() as usize + h / 24) % 7;
    wd >= 5
}

/// Whether hour slot `h` is dark (before sunrise or after sunset of its day).
fn dark_hour(ctx: &Ctx, h: usize) -> bool {
    let mid = h as f64 * 60.0 + 30.0;
    match ctx.daylight[(h / 24).min(1)] {
        Some((rise, set)) => mid < rise || mid >= set,
        None => false,
    }
}

/// Whether the place is a meal place (a restaurant, or a café that serves meals).
fn is_meal_place(spec: &PlaceSpec) -> bool {
    spec.kind == "restaurant" || (spec.kind == "cafe" && spec.tags.iter().any(|t| t == MEAL_TAG))
}

/// A place's scoring inputs: its base utility from the findings, interests and ratings, and
/// per hour slot its crowding and utility.
fn score_place(ctx: &Ctx, place: usize) -> Scored {
    let m = ctx.model;
    let spec = &m.places[place].spec;
    let stats = m.stats.get(&spec.id);
    let terms = finding_terms(m, spec, stats);
    let pop_weight = 1.0 + terms.pop_max + EXTRA_POPULARITY_SHARE * (terms.pop_sum - terms.pop_max);
    let night_view = spec.tags.iter().any(|t| t == NIGHT_VIEW_TAG);
    let (interest_hits, interest_points) = interest_points(ctx, spec);
    let rating = stats
        .and_then(PlaceStats::score)
        .map_or(0.0, |sc| RATING_POINTS_PER_STAR * (sc - 3.0));
    let highlight = if planned_as_highlight(m, place) {
        HIGHLIGHT_POINTS
    } else {
        0.0
    };
    let base = spec.popularity * pop_weight + interest_points + rating - terms.fee_penalty;
    let crowding = crowding_by_hour(ctx, spec, stats);
    let crowd = crowding.crowd;
    let fixed_by_hour = if highlight > 0.0 {
        (0..HOURS).map(|h| highlight * (1.0 - crowd[h])).collect()
    } else {
        Vec::new()
    };
    let util_by_hour = (0..HOURS)
        .map(|h| {
            let mut u = base;
            if night_view && dark_hour(ctx, h) {
                u += NIGHT_VIEW_POINTS;
            }
            if u > 0.0 {
                u * (1.0 - crowd[h])
            } else {
                u
            }
        })
        .collect();
    Scored {
        place,
        base: base + highlight,
        fixed_by_hour,
        crowd,
        peak: crowding.peak,
        reported_busy: crowding.reported_busy,
        util_by_hour,
        interest_hits,
        vfm_factor: terms.vfm_factor,
        fee_penalty: terms.fee_penalty,
        daylight: terms.daylight && !night_view,
        night_view,
        meal: ctx.wants_meal && is_meal_place(spec),
    }
}

/// What the findings say about a place: popularity weights, the fee penalty (scaled by the
/// value-for-money rating) and whether it needs daylight.
struct FindingTerms {
    pop_sum: f64,
    pop_max: f64,
    fee_penalty: f64,
    vfm_factor: f64,
    daylight: bool,
}

/// Reads the findings' rules for a place (`stats`: its ratings, when there are enough).
fn finding_terms(m: &PlanningModel, spec: &PlaceSpec, stats: Option<&PlaceStats>) -> FindingTerms {
    let (mut pop_sum, mut pop_max): (f64, f64) = (0.0, 0.0);
    let mut fee_penalty = 0.0;
    let mut vfm_factor: f64 = 1.0;
    let mut daylight = false;
    for f in &m.findings {
        match &f.rule {
            Rule::Popularity { tags, weight } if matches(&[], tags, &spec.kind, &spec.tags) => {
                pop_sum += weight;
                pop_max = pop_max.max(*weight);
            }
            Rule::ValueForMoney {
                kinds,
                fee_weight_per_cny,
            } if spec.fee_cny > 0.0 && (kinds.is_empty() || kinds.contains(&spec.kind)) => {
                if let Some(v) = stats.and_then(PlaceStats::value_for_money) {
                    vfm_factor = self::vfm_factor(v);
                }
                fee_penalty += spec.fee_cny * fee_weight_per_cny * vfm_factor;
            }
            Rule::Daylight { kinds, tags } if matches(kinds, tags, &spec.kind, &spec.tags) => {
                daylight = true;
            }
            _ => {}
        }
    }
    FindingTerms {
        pop_sum,
        pop_max,
        fee_penalty,
        vfm_factor,
        daylight,
    }
}

/// The requested interests a place answers (by kind, or by tag for fewer points) and the
/// points they add.
fn interest_points(ctx: &Ctx, spec: &PlaceSpec) -> (Vec<usize>, f64) {
    let m = ctx.model;
    let mut interest_hits = Vec::new();
    let mut interest_points = 0.0;
    for &i in &ctx.interests {
        let it = &m.interests[i];
        if it.kinds.contains(&spec.kind) {
            interest_hits.push(i);
            interest_points += INTEREST_MATCH_POINTS;
        } else if it.tags.iter().any(|t| spec.tags.contains(t)) {
            interest_hits.push(i);
            interest_points += INTEREST_TAG_POINTS;
        }
    }
    (interest_hits, interest_points)
}

/// A place's crowding per hour slot: the share of its value lost, whether the slot is a peak
/// hour, and whether visitors report it busy then.
struct Crowding {
    crowd: Vec<f64>,
    peak: Vec<bool>,
    reported_busy: Vec<bool>,
}

/// The share of a stop's value that a reported crowding `level` (1..5) costs.
pub fn reported_crowd_share(level: f64) -> f64 {
    CROWD_SHARE_PACKED * ((level - CROWD_FREE_LEVEL) / (5.0 - CROWD_FREE_LEVEL)).clamp(0.0, 1.0)
}

/// Crowding per hour slot from the crowding rules that match the place, blended at each hour
/// with the visitors' reports at that hour of the week by how much evidence they are.
fn crowding_by_hour(ctx: &Ctx, spec: &PlaceSpec, stats: Option<&PlaceStats>) -> Crowding {
    let crowd_rules = crowd_rules_of(ctx.model, spec);
    let wd0 = ctx.weekday0.num_days_from_monday() as usize;
    let mut peak = vec![false; HOURS];
    let mut reported_busy = vec![false; HOURS];
    let crowd: Vec<f64> = (0..HOURS)
        .map(|h| {
            let wd = (wd0 + h / 24) % 7;
            let hour = (h % 24) as u32;
            let weekend = busy_day(ctx, h);
            let rule_pen = crowd_rules
                .iter()
                .filter(|(peaks, _, _)| peaks.iter().any(|pk| pk[0] <= hour && hour < pk[1]))
                .map(|&(_, wf, pen)| pen * if weekend { wf } else { 1.0 })
                .fold(0.0, f64::max)
                * if spec.popularity >= CROWD_MIN_POPULARITY {
                    1.0
                } else {
                    0.0
                };
            peak[h] = rule_pen > 0.0;
            let reported = stats.and_then(|s| s.crowding_at(wd * 24 + hour as usize));
            let share = match reported {
                Some(r) => {
                    let w = r.n / (r.n + CROWD_PRIOR_COUNT);
                    reported_busy[h] = r.mean >= REPORTED_BUSY_LEVEL;
                    peak[h] = reported_busy[h] || (peak[h] && r.mean > CROWD_FREE_LEVEL);
                    (1.0 - w) * rule_pen + w * reported_crowd_share(r.mean)
                }
                None => rule_pen,
            };
            share.clamp(0.0, CROWD_SHARE_MAX)
        })
        .collect();
    Crowding {
        crowd,
        peak,
        reported_busy,
    }
}

/// Whether a place is planned as a highlight (its points, the hold that keeps it in plans, the
/// warning when it is left out): a highlight of the seed, unless visitors have rated it below
/// [`HIGHLIGHT_MIN_SCORE`] with enough evidence. Such a place is then weighed like any other,
/// by its rating among the rest.
fn planned_as_highlight(m: &PlanningModel, place: usize) -> bool {
    let spec = &m.places[place].spec;
    spec.highlight
        && m.stats
            .get(&spec.id)
            .and_then(PlaceStats::score)
            .is_none_or(|s| s >= HIGHLIGHT_MIN_SCORE)
}

/// Whether a place may be planned at all under the request (before reachability).
fn admissible(ctx: &Ctx, place: usize) -> bool {
    let spec = &ctx.model.places[place].spec;
    if ctx.must.contains(&place) {
        return true;
    }
    if spec.closed || spec.container || ctx.avoid.contains(&place) {
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

/// Opening windows in minutes after the start date's midnight (start date and the next).
fn open_windows_min(ctx: &Ctx, place: usize) -> Vec<(f64, f64)> {
    ctx.model.places[place]
        .hours
        .windows_on(ctx.start_local.date_naive(), 2, &ctx.model.holidays)
        .into_iter()
        .map(|(a, b)| (f64::from(a), f64::from(b)))
        .collect()
}

/// Time windows in seconds after the start in which a whole visit to the place may lie.
fn windows_s(ctx: &Ctx, place: usize, daylight: bool) -> Vec<(f64, f64)> {
    let mut w = open_windows_min(ctx, place);
    if daylight && ctx.daylight.iter().any(Option::is_some) {
        w = cut_windows(&w, ctx.daylight.iter().flatten().copied());
    }
    w.into_iter()
        .map(|(a, b)| ((a - ctx.t0_min) * 60.0, (b - ctx.t0_min) * 60.0))
        .filter(|&(_, b)| b > 0.0)
        .collect()
}

/// The parts of `windows` inside any of `cuts` (all `(from, to)` in the same unit).
fn cut_windows(
    windows: &[(f64, f64)],
    cuts: impl Iterator<Item = (f64, f64)> + Clone,
) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for &(a, b) in windows {
        for (c, d) in cuts.clone() {
            let (lo, hi) = (a.max(c), b.min(d));
            if lo < hi {
                out.push((lo, hi));
            }
        }
    }
    out.sort_by(|x, y| x.0.total_cmp(&y.0));
    out
}

/// Intervals in seconds after the start in which the place's peak-hour queue applies, and its
/// length in seconds on each day (full at weekends, [`QUEUE_WEEKDAY_FACTOR`] otherwise). A
/// place gets one queue length: that of the plan's first day.
fn queue_of(ctx: &Ctx, sc: &Scored) -> (f64, Vec<(f64, f64)>) {
    let spec = &ctx.model.places[sc.place].spec;
    if spec.queue_min == 0 {
        return (0.0, Vec::new());
    }
    let factor = if busy_day(ctx, 0) {
        1.0
    } else {
        QUEUE_WEEKDAY_FACTOR
    };
    let mut at = Vec::new();
    let mut h = 0;
    while h < HOURS {
        if sc.peak[h] {
            let a = h;
            while h < HOURS && sc.peak[h] {
                h += 1;
            }
            at.push((
                (a as f64 * 60.0 - ctx.t0_min) * 60.0,
                (h as f64 * 60.0 - ctx.t0_min) * 60.0,
            ));
        } else {
            h += 1;
        }
    }
    (f64::from(spec.queue_min) * 60.0 * factor, at)
}

/// Variety groups: each candidate's kind and its experience codes (the tags that some
/// interest names), keeping the groups that at least two candidates share, the most shared
/// first, at most [`MAX_GROUPS`]. Returns each candidate's group bits and each group's decay.
fn variety_groups(ctx: &Ctx, scored: &[Scored]) -> (Vec<u16>, Vec<f64>) {
    let m = ctx.model;
    let experience: HashSet<&str> = m
        .interests
        .iter()
        .flat_map(|i| i.tags.iter().map(String::as_str))
        .collect();
    let keys_of = |p: usize| -> Vec<String> {
        let spec = &m.places[p].spec;
        let mut k = vec![format!("kind:{}", spec.kind)];
        k.extend(
            spec.tags
                .iter()
                .filter(|t| experience.contains(t.as_str()))
                .map(|t| format!("tag:{t}")),
        );
        k
    };
    let mut count: HashMap<String, usize> = HashMap::new();
    for sc in scored {
        for k in keys_of(sc.place) {
            *count.entry(k).or_default() += 1;
        }
    }
    let mut keys: Vec<(String, usize)> = count.into_iter().filter(|(_, c)| *c >= 2).collect();
    keys.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    keys.truncate(MAX_GROUPS);
    let wanted = |key: &str| -> bool {
        ctx.interests.iter().any(|&i| {
            let it = &m.interests[i];
            match key.split_once(':') {
                Some(("kind", k)) => it.kinds.iter().any(|x| x == k),
                Some(("tag", t)) => it.tags.iter().any(|x| x == t),
                _ => false,
            }
        })
    };
    let decay = keys
        .iter()
        .map(|(k, _)| {
            if wanted(k) {
                VARIETY_DECAY_WANTED
            } else if k.starts_with("tag:") {
                VARIETY_DECAY_TAG
            } else {
                VARIETY_DECAY
            }
        })
        .collect();
    let bits = scored
        .iter()
        .map(|sc| {
            let mine = keys_of(sc.place);
            keys.iter()
                .enumerate()
                .filter(|(_, (k, _))| mine.contains(k))
                .fold(0u16, |b, (g, _)| b | (1 << g))
        })
        .collect();
    (bits, decay)
}

impl PlanningModel {
    /// A visit plan for the request.
    pub fn plan(&self, req: &PlanRequest) -> Result<Plan, PlanError> {
        plan(self, req, None)
    }

    /// A visit plan that may try one place few visitors have rated yet (see `docs/learning.md`):
    /// the same `seed` (the server derives it from the plan id) gives the same plan.
    pub fn plan_exploring(&self, req: &PlanRequest, seed: u64) -> Result<Plan, PlanError> {
        plan(self, req, Some(seed))
    }
}

/// Validates the request, builds the orienteering problem from its candidates and the
/// findings' rules, solves it and composes the plan.
pub(crate) fn plan(
    model: &PlanningModel,
    req: &PlanRequest,
    explore_seed: Option<u64>,
) -> Result<Plan, PlanError> {
    let ctx = validate(model, req)?;
    let budget_s = f64::from(req.budget_min) * 60.0;
    let start_t = terminal(&ctx, &ctx.start, true);
    let end_t = ctx.end.as_ref().map(|e| terminal(&ctx, e, false));
    let start_to_end_s = start_to_end_s(&ctx, budget_s)?;
    let pace = pace_params(ctx.pace);
    let Candidates {
        scored,
        mut cands,
        from_start_by_place,
    } = candidates(&ctx, &start_t, end_t.as_ref(), budget_s, &pace)?;
    let (groups, group_decay) = variety_groups(&ctx, &scored);
    for (c, g) in cands.iter_mut().zip(groups) {
        c.groups = g;
    }
    let rules = shaping_rules(&ctx, &mut cands, &scored, &from_start_by_place);
    let travel_s = travel_matrix(&ctx, &scored);
    let budget_h = f64::from(req.budget_min) / 60.0;
    // The start's area: that of the nearest place the visitor may visit. Its highlights are
    // worth seeing first.
    let start_area = (0..model.places.len())
        .filter(|&p| !model.places[p].spec.container && from_start_by_place[p].is_finite())
        .min_by(|&a, &b| from_start_by_place[a].total_cmp(&from_start_by_place[b]))
        .map(|p| model.places[p].area_idx);
    for (c, sc) in cands.iter_mut().zip(&scored) {
        let place = &model.places[sc.place];
        if planned_as_highlight(model, sc.place) && Some(place.area_idx) == start_area {
            c.early_points = START_HIGHLIGHT_POINTS;
        }
    }
    let mut problem = Problem {
        cands,
        travel_s,
        budget_s,
        start_to_end_s,
        fee_cap: req.max_fee_cny,
        precedence: rules.precedence,
        caps: rules.caps,
        combine: rules.combine,
        time_weight_per_s: TIME_WEIGHT_PER_S,
        t0_s: ctx.t0_min * 60.0,
        group_decay,
        stop_cost: pace.stop_cost,
        stop_soft_cap: (pace.stops_per_hour * budget_h).ceil().max(1.0) as u32,
        excess_stop_cost: EXCESS_STOP_POINTS,
        meal_windows: ctx
            .meal_windows
            .iter()
            .map(|&(a, b)| ((a - ctx.t0_min) * 60.0, (b - ctx.t0_min) * 60.0))
            .collect(),
        meal_bonus: MEAL_POINTS,
        early_horizon_s: START_HIGHLIGHT_HORIZON_MIN * 60.0,
        lead: None,
        walk_weight_per_s: WALK_POINTS_PER_MIN / 60.0,
    };
    let soft_musts = hold_highlights(model, &mut problem, &scored, start_area, ctx.t0_min);
    let base = explore_seed.map(|_| problem.clone());
    let Some(mut schedule) = solve_schedule(&ctx, &mut problem, &scored, &soft_musts) else {
        return Err(musts_do_not_fit(&ctx));
    };
    let mut explored = None;
    if let (Some(seed), Some(base)) = (explore_seed, base) {
        if let Some((p2, s2, e)) = explore(&ctx, base, &scored, &soft_musts, &schedule, seed) {
            problem = p2;
            schedule = s2;
            explored = Some(e);
        }
    }
    Ok(compose(
        &ctx,
        &problem,
        &scored,
        &schedule,
        &start_t,
        end_t.as_ref(),
        &rules.order_waived,
        explored.as_ref(),
    ))
}

/// Solves the problem and shapes the route (spots gathered, the lead first) into a schedule;
/// `None` when the must-visits do not fit.
fn solve_schedule(
    ctx: &Ctx,
    problem: &mut Problem,
    scored: &[Scored],
    soft_musts: &[usize],
) -> Option<Schedule> {
    let model = ctx.model;
    let route = solve_holding_highlights(model, problem, problem.cands.len(), soft_musts)?;
    let route = gather_spots(model, problem, scored, route);
    let route = lead_first(model, problem, scored, &ctx.must, route);
    Some(
        problem
            .schedule(&route)
            .expect("solver routes are feasible"),
    )
}

/// Exploration: a place with little evidence (below [`EXPLORE_MAX_EVIDENCE`] answers) is
/// tried in a plan when a draw from the posterior of its score (Thompson sampling, seeded by
/// the plan so the plan can be reproduced) reaches [`EXPLORE_SCORE_BAR`], and the plan holding
/// it keeps at least `1 −` [`EXPLORE_MAX_COST`] of the best plan's expected value (its
/// objective under the posterior means). At most one exploratory stop per plan; the highest
/// draws are tried first, [`EXPLORE_TRIES`] at most.
fn explore(
    ctx: &Ctx,
    base: Problem,
    scored: &[Scored],
    soft_musts: &[usize],
    best: &Schedule,
    seed: u64,
) -> Option<(Problem, Schedule, Explored)> {
    if best.score <= 0.0 {
        return None;
    }
    let m = ctx.model;
    let no_feedback = PlaceStats::default();
    let mut draws: Vec<(usize, f64, f64)> = Vec::new();
    for (i, sc) in scored.iter().enumerate() {
        let spec = &m.places[sc.place].spec;
        if best.route.contains(&i) || base.cands[i].must || spec.container {
            continue;
        }
        let stats = m.stats.get(&spec.id).unwrap_or(&no_feedback);
        if stats.overall.n >= EXPLORE_MAX_EVIDENCE {
            continue;
        }
        let (mean, sd) = stats.posterior();
        let mut rng = SplitMix64::new(seed ^ fnv1a(spec.id.as_bytes()));
        let u1 = 1.0 - rng.unit();
        let u2 = rng.unit();
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        let theta = mean + sd * z;
        if theta >= EXPLORE_SCORE_BAR {
            draws.push((i, theta, stats.overall.n));
        }
    }
    draws.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    for &(i, theta, evidence) in draws.iter().take(EXPLORE_TRIES) {
        let mut p = base.clone();
        p.cands[i].must = true;
        let Some(sch) = solve_schedule(ctx, &mut p, scored, soft_musts) else {
            continue;
        };
        let cost = 1.0 - sch.score / best.score;
        if sch.route.contains(&i) && cost <= EXPLORE_MAX_COST {
            let e = Explored {
                place: scored[i].place,
                draw: theta,
                evidence,
                cost_share: cost.max(0.0),
            };
            return Some((p, sch, e));
        }
    }
    None
}

/// FNV-1a of a byte string: a stable per-place salt for the exploration draws.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The exploratory stop of a plan.
struct Explored {
    place: usize,
    /// The draw from the posterior of its score.
    draw: f64,
    /// Its evidence so far (verified answers).
    evidence: f64,
    /// The share of the best plan's expected value the plan gave up for it.
    cost_share: f64,
}

/// Seconds from the start straight to the end (0 without an end); an error when the end cannot
/// be reached or not within the budget.
fn start_to_end_s(ctx: &Ctx, budget_s: f64) -> Result<f64, PlanError> {
    let Some(end) = &ctx.end else {
        return Ok(0.0);
    };
    let t =
        route_between(ctx.model, &ctx.start, end, ctx.profile).map_or(f64::INFINITY, |r| r.time_s);
    if !t.is_finite() {
        return Err(PlanError::new(
            422,
            "unreachable",
            Some("end".into()),
            format!(
                "there is no {} route from the start to the end",
                profile_words(ctx.profile)
            ),
        )
        .zh(format!(
            "从起点到终点没有{}路线",
            profile_words_zh(ctx.profile)
        )));
    }
    if t > budget_s {
        return Err(PlanError::new(
            422,
            "infeasible",
            Some("end".into()),
            format!(
                "the end is {:.0} min away, more than the budget of {} min",
                (t / 60.0).ceil(),
                ctx.req.budget_min
            ),
        )
        .zh(format!(
            "到终点需要 {:.0} 分钟，超过 {} 分钟的预算",
            (t / 60.0).ceil(),
            ctx.req.budget_min
        )));
    }
    Ok(t)
}

/// The places the plan may visit, scored, with their solver candidates, and the time from the
/// start to every admissible place.
struct Candidates {
    scored: Vec<Scored>,
    cands: Vec<Cand>,
    /// Seconds from the start per place (infinite for places not admissible or unreachable).
    from_start_by_place: Vec<f64>,
}

/// Scores every admissible place and keeps those worth a visit that fit the budget and their
/// opening hours (must-visits always); an error when a must-visit cannot be reached.
fn candidates(
    ctx: &Ctx,
    start_t: &Terminal,
    end_t: Option<&Terminal>,
    budget_s: f64,
    pace: &PaceParams,
) -> Result<Candidates, PlanError> {
    let model = ctx.model;
    let mut scored: Vec<Scored> = Vec::new();
    let mut cands: Vec<Cand> = Vec::new();
    let mut from_start_by_place: Vec<f64> = vec![f64::INFINITY; model.places.len()];
    #[allow(clippy::needless_range_loop)] // `place` indexes several per-place tables
    for place in 0..model.places.len() {
        if !admissible(ctx, place) {
            continue;
        }
        let must = ctx.must.contains(&place);
        let from_start_s = start_t.time_s(ctx, place, true);
        from_start_by_place[place] = from_start_s;
        let sc = score_place(ctx, place);
        if !must && (!is_destination(ctx, place) || sc.base <= 0.0) {
            continue;
        }
        let to_end_s = end_t.map_or(0.0, |t| t.time_s(ctx, place, false));
        if !from_start_s.is_finite() || !to_end_s.is_finite() {
            if must {
                return Err(must_unreachable(ctx, place));
            }
            continue;
        }
        let spec = &model.places[place].spec;
        let mut windows = windows_s(ctx, place, sc.daylight);
        let dwell_min = if sc.meal {
            model.dwell_min(place).max(f64::from(MEAL_MIN_DWELL_MIN))
        } else {
            (model.dwell_min(place) * pace.dwell_factor).max(MIN_DWELL_MIN)
        };
        let dwell_s = dwell_min * 60.0;
        if sc.meal {
            // A meal place is visited for a meal: its visit starts inside a meal window.
            windows = cut_windows(
                &windows,
                ctx.meal_windows
                    .iter()
                    .map(|&(a, b)| ((a - ctx.t0_min) * 60.0, (b - ctx.t0_min) * 60.0 + dwell_s)),
            );
        }
        if !must && (windows.is_empty() || from_start_s + dwell_s + to_end_s > budget_s) {
            continue;
        }
        let (queue_s, queue_at) = queue_of(ctx, &sc);
        cands.push(Cand {
            from_start_s,
            to_end_s,
            dwell_s,
            windows,
            util_by_hour: sc.util_by_hour.clone(),
            fixed_by_hour: sc.fixed_by_hour.clone(),
            fee: spec.fee_cny,
            area: model.places[place].area_idx,
            cap_bits: 0,
            must,
            groups: 0,
            meal: sc.meal,
            queue_s,
            queue_at,
            early_points: 0.0,
        });
        scored.push(sc);
    }
    Ok(Candidates {
        scored,
        cands,
        from_start_by_place,
    })
}

/// The 422 `unreachable` error for a must-visit the profile cannot reach from the start (and
/// the end).
fn must_unreachable(ctx: &Ctx, place: usize) -> PlanError {
    let model = ctx.model;
    let i = ctx.must.iter().position(|&m| m == place).unwrap_or(0);
    PlanError::new(
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
    )
    .zh(format!(
        "无法以{}方式从起点到达“{}”{}",
        profile_words_zh(ctx.profile),
        model.places[place].spec.id,
        if ctx.end.is_some() {
            "再前往终点"
        } else {
            ""
        }
    ))
}

/// The findings' rules that shape the problem: area orders (kept or waived), caps on places
/// of a kind and bonuses for combining areas.
struct ShapingRules<'m> {
    precedence: Vec<(usize, usize)>,
    /// Area-order findings waived because the visitor starts nearer the second area.
    order_waived: Vec<&'m Finding>,
    caps: Vec<u32>,
    combine: Vec<(u64, f64)>,
}

/// Reads the findings' rules into the problem's precedences, caps (marking the candidates they
/// bind) and area combinations.
fn shaping_rules<'m>(
    ctx: &Ctx<'m>,
    cands: &mut [Cand],
    scored: &[Scored],
    from_start_by_place: &[f64],
) -> ShapingRules<'m> {
    let model = ctx.model;
    let area_idx = |a: &str| model.area_ids.iter().position(|x| x == a);
    // The time from the start to the nearest admissible place of an area.
    let nearest_in_area = |a: usize| -> f64 {
        (0..model.places.len())
            .filter(|&p| model.places[p].area_idx == a && !model.places[p].spec.container)
            .map(|p| from_start_by_place[p])
            .fold(f64::INFINITY, f64::min)
    };
    let mut precedence = Vec::new();
    let mut order_waived = Vec::new();
    let mut caps = Vec::new();
    let mut combine = Vec::new();
    for f in &model.findings {
        match &f.rule {
            Rule::AreaOrder { first, then } => {
                if let (Some(a), Some(b)) = (area_idx(first), area_idx(then)) {
                    // The order suits visitors who start nearer the first area; one who starts
                    // in (or nearer) the second area sees it first.
                    if nearest_in_area(b) < nearest_in_area(a) {
                        order_waived.push(f);
                    } else {
                        precedence.push((a, b));
                    }
                }
            }
            Rule::CommercialSameness {
                kinds,
                max_per_plan,
            } if caps.len() < crate::solver::MAX_CAPS => {
                let k = caps.len();
                caps.push(*max_per_plan);
                for (c, s) in cands.iter_mut().zip(scored) {
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
    ShapingRules {
        precedence,
        order_waived,
        caps,
        combine,
    }
}

/// Walking seconds between every two candidates, row by row.
fn travel_matrix(ctx: &Ctx, scored: &[Scored]) -> Vec<f64> {
    let model = ctx.model;
    let n = scored.len();
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
    travel_s
}

/// Solves the problem (exactly for few candidates, else heuristically); should the search fail
/// with the held highlights (`soft_musts`), it plans again without holding them.
fn solve_holding_highlights(
    model: &PlanningModel,
    problem: &mut Problem,
    n: usize,
    soft_musts: &[usize],
) -> Option<Vec<usize>> {
    let opts = model.solver;
    let solve = |problem: &Problem| {
        if n <= opts.exact_max_candidates {
            solve_exact_with(
                problem,
                (opts.exact_label_cap > 0).then_some(opts.exact_label_cap),
            )
        } else {
            solve_heuristic(
                problem,
                HeuristicLimits {
                    iterations: opts.heuristic_iterations,
                    time_cap: Duration::from_millis(opts.heuristic_time_cap_ms),
                    seed: opts.seed,
                },
            )
        }
    };
    let mut route = solve(problem);
    if route.is_none() && !soft_musts.is_empty() {
        // Held highlights fit on their own; should the search still fail with them, plan
        // without holding them.
        for &i in soft_musts {
            problem.cands[i].must = false;
        }
        problem.lead = None;
        route = solve(problem);
    }
    route
}

/// The 422 `infeasible` error for must-visits that do not fit together.
fn musts_do_not_fit(ctx: &Ctx) -> PlanError {
    let req = ctx.req;
    PlanError::new(
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
    )
    .zh(format!(
        "必去地点无法在 {} 分钟内按开放时间{}全部安排",
        req.budget_min,
        if ctx.end.is_some() {
            "并留出去终点的时间"
        } else {
            ""
        }
    ))
}

/// Points a highlight of the start's area earns on top when seen at the start, falling
/// linearly to none [`START_HIGHLIGHT_HORIZON_MIN`] later: a visitor sees what is next to them
/// first (the Liziba platform for one who arrives by monorail).
pub const START_HIGHLIGHT_POINTS: f64 = 4.0;
/// Minutes over which [`START_HIGHLIGHT_POINTS`] fall to nothing.
pub const START_HIGHLIGHT_HORIZON_MIN: f64 = 60.0;
/// Highlights are held in a plan (as if asked for) while the held ones, with the visitor's
/// must-visits, take at most this share of the budget on their own.
pub const HIGHLIGHT_HOLD_SHARE: f64 = 0.9;

/// A highlight of the start's area at most this many minutes' walk from the start, open on
/// arrival (or within [`LEAD_MAX_WAIT_MIN`]), is the plan's first stop.
pub const LEAD_MAX_WALK_MIN: f64 = 5.0;
/// See [`LEAD_MAX_WALK_MIN`].
pub const LEAD_MAX_WAIT_MIN: f64 = 10.0;

/// Holds what a plan should contain (as if the visitor had asked for it), in this order: the
/// highlights of the start's area (most valued first), a meal place per meal window the plan
/// spans (most valued first), then the other highlights (most valued, then nearest first).
/// Each is held when a route through all held places and the visitor's must-visits still exists
/// and finishes within [`HIGHLIGHT_HOLD_SHARE`] of the budget. The nearest held highlight of
/// the start's area within [`LEAD_MAX_WALK_MIN`], open on arrival and not reported busy at that
/// hour ([`REPORTED_BUSY_LEVEL`]), becomes the route's first stop. Returns the
/// candidates held.
fn hold_highlights(
    model: &PlanningModel,
    problem: &mut Problem,
    scored: &[Scored],
    start_area: Option<usize>,
    t0_min: f64,
) -> Vec<usize> {
    let highlight = |i: usize| planned_as_highlight(model, scored[i].place);
    let home = |i: usize| Some(model.places[scored[i].place].area_idx) == start_area;
    let by_value = |list: &mut Vec<usize>, p: &Problem| {
        list.sort_by(|&a, &b| {
            scored[b]
                .base
                .total_cmp(&scored[a].base)
                .then(p.cands[a].from_start_s.total_cmp(&p.cands[b].from_start_s))
        })
    };
    let free: Vec<usize> = (0..problem.cands.len())
        .filter(|&i| !problem.cands[i].must)
        .collect();
    let mut home_hl: Vec<usize> = free
        .iter()
        .copied()
        .filter(|&i| highlight(i) && home(i))
        .collect();
    let mut meals: Vec<usize> = free
        .iter()
        .copied()
        .filter(|&i| problem.cands[i].meal)
        .collect();
    let mut other_hl: Vec<usize> = free
        .iter()
        .copied()
        .filter(|&i| highlight(i) && !home(i))
        .collect();
    by_value(&mut home_hl, problem);
    by_value(&mut meals, problem);
    by_value(&mut other_hl, problem);

    let limit = HIGHLIGHT_HOLD_SHARE * problem.budget_s;
    let fits = |p: &Problem| {
        must_route(p)
            .and_then(|r| p.schedule(&r))
            .is_some_and(|sch| sch.finish_s <= limit)
    };
    let mut held = Vec::new();
    let try_hold = |p: &mut Problem, i: usize, held: &mut Vec<usize>| {
        p.cands[i].must = true;
        if fits(p) {
            held.push(i);
            true
        } else {
            p.cands[i].must = false;
            false
        }
    };
    for &i in &home_hl {
        try_hold(problem, i, &mut held);
    }
    // The visitor's own musts and the home highlights fixed, the nearest home highlight that
    // is open on arrival leads.
    let lead = held
        .iter()
        .copied()
        .filter(|&i| {
            let c = &problem.cands[i];
            c.from_start_s <= LEAD_MAX_WALK_MIN * 60.0
                && problem.service_start(c, c.from_start_s).is_some_and(|s| {
                    let slot =
                        (((t0_min + s / 60.0) / 60.0).floor().max(0.0) as usize).min(HOURS - 1);
                    s - c.from_start_s <= LEAD_MAX_WAIT_MIN * 60.0 && !scored[i].reported_busy[slot]
                })
        })
        .min_by(|&a, &b| {
            problem.cands[a]
                .from_start_s
                .total_cmp(&problem.cands[b].from_start_s)
        });
    if let Some(l) = lead {
        problem.lead = Some(l);
        if !fits(problem) {
            problem.lead = None;
        }
    }
    let windows = problem.meal_windows.len();
    let mut meals_held = 0;
    for &i in &meals {
        if meals_held == windows {
            break;
        }
        if try_hold(problem, i, &mut held) {
            meals_held += 1;
        }
    }
    for &i in &other_hl {
        try_hold(problem, i, &mut held);
    }
    held
}

/// Points a route may lose (by [`Problem::evaluate_rank_decay`]) when a visit is moved next to
/// an earlier or later visit at the same spot.
const GATHER_TOLERANCE: f64 = 1.0;

/// The route with visits to one spot brought together: a stop at a spot the route had already
/// left is moved right after the earlier visit there, or the earlier visit is moved right before
/// it, whichever keeps the route feasible and loses at most [`GATHER_TOLERANCE`] points with the
/// variety decay taken by value. (Search by order places a low-valued place of a kind last, so
/// that its decay falls on nothing, even when that means walking back to where the visitor stood
/// an hour before.)
fn gather_spots(
    model: &PlanningModel,
    problem: &Problem,
    scored: &[Scored],
    mut route: Vec<usize>,
) -> Vec<usize> {
    let same = |a: usize, b: usize| model.same_spot(scored[a].place, scored[b].place);
    // Stops at a spot the route had left before; every accepted move lowers it, so the pass ends.
    let returns = |r: &[usize]| {
        (1..r.len())
            .filter(|&k| !same(r[k - 1], r[k]) && (0..k - 1).any(|j| same(r[j], r[k])))
            .count()
    };
    let mut k = 1;
    while k < route.len() {
        let x = route[k];
        if same(route[k - 1], x) {
            k += 1;
            continue;
        }
        let Some(j) = (0..k - 1).rev().find(|&j| same(route[j], x)) else {
            k += 1;
            continue;
        };
        let Some(old) = problem.evaluate_rank_decay(&route) else {
            return route;
        };
        let mut back = route.clone();
        let moved = back.remove(k);
        back.insert(j + 1, moved);
        let mut ahead = route.clone();
        let moved = ahead.remove(j);
        ahead.insert(k - 1, moved);
        let best = [back, ahead]
            .into_iter()
            .filter_map(|t| problem.evaluate_rank_decay(&t).map(|v| (v, t)))
            .filter(|(v, t)| *v >= old - GATHER_TOLERANCE && returns(t) < returns(&route))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        match best {
            Some((_, t)) => {
                route = t;
                // Look again from the start: a move may bring other visits together or apart.
                k = 1;
            }
            None => k += 1,
        }
    }
    route
}

/// Points a route may lose (timing shifts of a few seconds) when a spot's lead place is moved
/// to the front of its run.
const LEAD_FIRST_TOLERANCE: f64 = 0.25;

/// The route with each run of consecutive places at one spot led by its most telling place (a
/// must-visit first, then a highlight, then the higher base value), so that the stop is named after it and the rest
/// are listed as `also_here`. A run is reordered only when the route stays feasible and loses at
/// most [`LEAD_FIRST_TOLERANCE`] points.
fn lead_first(
    model: &PlanningModel,
    problem: &Problem,
    scored: &[Scored],
    asked: &[usize],
    mut route: Vec<usize>,
) -> Vec<usize> {
    // A place the visitor asked for leads its spot, then a highlight, then the higher base value.
    let rank = |c: usize| {
        let sc = &scored[c];
        (
            (
                asked.contains(&sc.place),
                model.places[sc.place].spec.highlight,
            ),
            sc.base,
        )
    };
    let mut k = 0;
    while k < route.len() {
        let mut end = k + 1;
        while end < route.len() && model.same_spot(scored[route[k]].place, scored[route[end]].place)
        {
            end += 1;
        }
        let best = (k..end)
            .max_by(|&a, &b| {
                let (x, y) = (rank(route[a]), rank(route[b]));
                x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)).then(b.cmp(&a))
            })
            .unwrap_or(k);
        if best != k {
            let mut t = route.clone();
            let lead = t.remove(best);
            t.insert(k, lead);
            if let (Some(old), Some(new)) = (
                problem.evaluate_rank_decay(&route),
                problem.evaluate_rank_decay(&t),
            ) {
                if new >= old - LEAD_FIRST_TOLERANCE {
                    route = t;
                }
            }
        }
        k = end;
    }
    route
}

/// Rounded to a tenth (minutes as a visitor reads them).
fn tenth(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn fmt_time(ctx: &Ctx, offset_s: f64) -> String {
    let t = ctx.start_local + ChronoDuration::milliseconds((offset_s * 1000.0).round() as i64);
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Texts in the request's language.
fn say(lang: Lang, en: impl Into<String>, zh: impl Into<String>) -> String {
    match lang {
        Lang::En => en.into(),
        Lang::Zh => zh.into(),
    }
}

/// A place's first sentence of description, in the request's language (at most ~140 chars).
fn first_sentence(text: &Bilingual, lang: Lang) -> Option<String> {
    let t = match lang {
        Lang::En => text.en.trim(),
        Lang::Zh => text.zh.trim(),
    };
    if t.is_empty() {
        return None;
    }
    let cut = match lang {
        Lang::Zh => t.find('。').map(|i| i + '。'.len_utf8()),
        Lang::En => {
            // A full stop followed by a space and a capital ends a sentence ("No.2" does not).
            let b = t.as_bytes();
            (0..b.len().saturating_sub(2))
                .find(|&i| b[i] == b'.' && b[i + 1] == b' ' && b[i + 2].is_ascii_uppercase())
                .map(|i| i + 1)
        }
    };
    let s = &t[..cut.unwrap_or(t.len())];
    if s.chars().count() <= FIRST_SENTENCE_MAX_CHARS {
        return Some(s.to_string());
    }
    // Too long: cut at the last clause break (else the last word break) that keeps it short.
    let head: String = s.chars().take(FIRST_SENTENCE_MAX_CHARS).collect();
    let at = ["; ", ", ", " — ", "；", "，", "："]
        .iter()
        .filter_map(|b| head.rfind(b))
        .max()
        .filter(|&i| i > head.len() / 2)
        .or_else(|| head.rfind(' ').filter(|&i| i > head.len() / 2))
        .unwrap_or(head.len());
    Some(format!("{}…", head[..at].trim_end()))
}

/// Characters of a description's first sentence shown in a stop's `why`; a longer sentence
/// ends at a clause break with an ellipsis.
const FIRST_SENTENCE_MAX_CHARS: usize = 200;

/// A sentence ending once: trailing punctuation of `reason` is dropped before the joiner.
fn join_reason(lang: Lang, reason: &str, rest: &str) -> String {
    let r = reason.trim_end_matches(['。', '.', '；', ';', '，', ',', ' ']);
    match lang {
        Lang::En => format!("{r}. {rest}"),
        Lang::Zh => format!("{r}。{rest}"),
    }
}

fn own(lang: Lang, en: String, zh: String) -> Citation {
    Citation {
        finding_id: None,
        text: end_sentence(lang, &say(lang, en, zh)),
    }
}

/// Ends a sentence with one full stop.
fn end_sentence(lang: Lang, s: &str) -> String {
    if s.ends_with('…') {
        return s.to_string();
    }
    let t = s.trim_end_matches(['。', '.', '；', ';', '，', ',', ' ']);
    match lang {
        Lang::En => format!("{t}."),
        Lang::Zh => format!("{t}。"),
    }
}

/// The kind of a place in words.
fn kind_words(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "photo_spot" => ("photo spot", "拍照点"),
        "film_location" => ("film location", "电影取景地"),
        "fan_spot" => ("fan spot", "粉丝打卡点"),
        "architecture" => ("old building", "老建筑"),
        "graffiti" => ("graffiti wall", "涂鸦墙"),
        "footbridge" => ("footbridge", "天桥"),
        "rooftop" => ("rooftop", "天台"),
        "viewpoint" => ("viewpoint", "观景点"),
        "cafe" => ("café", "咖啡馆"),
        "restaurant" => ("restaurant", "餐馆"),
        "shop" => ("shop", "小店"),
        "market" => ("market", "市集"),
        "museum" => ("museum", "展馆"),
        "transit" => ("station", "车站"),
        "park" => ("park", "公园"),
        _ => ("sight", "景点"),
    }
}

fn area_name(ctx: &Ctx, area: &str) -> (String, String) {
    let s = &ctx.model.site;
    match s.areas.iter().position(|a| a == area) {
        Some(i) if i < s.area_names.len() => {
            (s.area_names[i].en.clone(), s.area_names[i].zh.clone())
        }
        _ => (area.replace('-', " "), area.replace('-', " ")),
    }
}

fn list_words(lang: Lang, items: &[String]) -> String {
    match lang {
        Lang::En => items.join(", "),
        Lang::Zh => items.join("、"),
    }
}

fn warn(code: &str, severity: Severity, message: String, stops: Vec<String>) -> Warning {
    Warning {
        code: code.into(),
        severity,
        message,
        stops,
        places: Vec::new(),
    }
}

/// A warning about places outside the plan.
fn warn_about(code: &str, severity: Severity, message: String, places: Vec<String>) -> Warning {
    Warning {
        places,
        ..warn(code, severity, message, Vec::new())
    }
}

/// The plan's answer to the request: stops with their reasons, legs, explanations, warnings and
/// totals, written from the solved schedule.
#[allow(clippy::too_many_arguments)]
fn compose(
    ctx: &Ctx,
    problem: &Problem,
    scored: &[Scored],
    sch: &Schedule,
    start_t: &Terminal,
    end_t: Option<&Terminal>,
    order_waived: &[&Finding],
    explored: Option<&Explored>,
) -> Plan {
    let mut c = Composer::new(ctx, problem, scored, sch);
    c.explored = explored;
    let (routes, end_route) = c.walks(start_t, end_t);
    let (legs, carried) = c.legs(&routes, end_route);
    let hinted = c.hinted(&legs);
    let mut warnings: Vec<Warning> = Vec::new();
    let mut notes = StopNotes::default();
    let mut stops: Vec<Stop> = Vec::with_capacity(c.groups.len());
    for (g, &carried_s) in carried.iter().enumerate() {
        stops.push(c.stop(g, carried_s, &mut notes));
    }
    let explanations = c.explanations(order_waived, &stops, hinted, &mut warnings);
    c.stop_warnings(&notes, &mut warnings);
    c.dark_warning(&notes, &mut warnings);
    c.highlight_warnings(&stops, &mut warnings);
    c.meal_and_empty_warnings(&notes, &stops, &mut warnings);
    c.assemble(stops, legs, explanations, warnings)
}

/// What every part of composing a plan reads: the request, the solved schedule and the places
/// it visits, grouped into stops.
struct Composer<'c> {
    ctx: &'c Ctx<'c>,
    m: &'c PlanningModel,
    lang: Lang,
    problem: &'c Problem,
    scored: &'c [Scored],
    sch: &'c Schedule,
    /// The place at each schedule position.
    places: Vec<usize>,
    in_plan: HashSet<usize>,
    /// Schedule positions grouped into stops: consecutive places at the same spot.
    groups: Vec<Vec<usize>>,
    /// Sunset of the start date, in minutes after its midnight.
    sunset0: Option<f64>,
    /// The plan's end in minutes after the start date's midnight.
    plan_end_min: f64,
    /// Whether the plan's span has peak hours for crowd-prone places.
    span_has_peak: bool,
    /// The first and last hour slots of the plan's span.
    span_h0: usize,
    span_h1: usize,
    /// The exploratory stop, if any.
    explored: Option<&'c Explored>,
}

/// What the stops note for the plan's warnings (`(place id, label)` pairs), and the findings
/// they have cited.
#[derive(Default)]
struct StopNotes {
    crowded: Vec<(String, String)>,
    /// `(place id, name, minutes of queueing)`.
    queued: Vec<(String, String, f64)>,
    booked: Vec<(String, String)>,
    hard: Vec<(String, String)>,
    after_dark: Vec<(String, String)>,
    meal_stops: usize,
    /// Findings cited at an earlier stop: a later stop does not repeat their text.
    cited_before: HashSet<String>,
}

/// One stop being written: its schedule positions, its leading place and its start.
struct StopAt<'c> {
    grp: &'c [usize],
    k0: usize,
    k1: usize,
    sc: &'c Scored,
    spec: &'c PlaceSpec,
    start_min: f64,
    hour_slot: usize,
}

/// A stop's reasons (`why`) and summary phrases, in the order they are found.
#[derive(Default)]
struct Reasons {
    why: Vec<Citation>,
    summary: Vec<String>,
}

impl Reasons {
    /// Adds a reason unless its text, or the finding it cites, is given already.
    fn push(&mut self, c: Citation) {
        let dup = self
            .why
            .iter()
            .any(|x| x.text == c.text || (c.finding_id.is_some() && x.finding_id == c.finding_id));
        if !dup {
            self.why.push(c);
        }
    }

    /// Whether a reason cites the finding.
    fn cites(&self, f: &Finding) -> bool {
        self.why
            .iter()
            .any(|c| c.finding_id.as_deref() == Some(f.id.as_str()))
    }
}

/// The place ids of `(place id, label)` notes.
fn note_ids(v: &[(String, String)]) -> Vec<String> {
    v.iter().map(|x| x.0.clone()).collect::<Vec<_>>()
}

/// The labels of `(place id, label)` notes.
fn note_labels(v: &[(String, String)]) -> Vec<String> {
    v.iter().map(|x| x.1.clone()).collect::<Vec<_>>()
}

/// A route made of the walks inside a spot (`inner` positions) followed by `next`.
fn carried_into(routes: &[Route], inner: &[usize], next: &Route) -> Route {
    let mut r = Route::default();
    for &k in inner {
        r.pieces.extend(routes[k].pieces.iter().copied());
        r.time_s += routes[k].time_s;
    }
    r.pieces.extend(next.pieces.iter().copied());
    r.time_s += next.time_s;
    r
}

impl<'c> Composer<'c> {
    /// The schedule's places, grouped into stops, and the plan's span.
    fn new(
        ctx: &'c Ctx<'c>,
        problem: &'c Problem,
        scored: &'c [Scored],
        sch: &'c Schedule,
    ) -> Composer<'c> {
        let m = ctx.model;
        let places: Vec<usize> = sch.route.iter().map(|&c| scored[c].place).collect();
        let in_plan: HashSet<usize> = places.iter().copied().collect();
        // A place the visitor asked for is a stop of its own unless it leads its spot.
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (k, &p) in places.iter().enumerate() {
            match groups.last_mut() {
                Some(g) if m.same_spot(places[g[0]], p) && !ctx.must.contains(&p) => g.push(k),
                _ => groups.push(vec![k]),
            }
        }
        let sunset0 = ctx.daylight[0].map(|d| d.1);
        let plan_end_min = ctx.t0_min + sch.finish_s / 60.0;
        let span_has_peak = scored.iter().any(|sc| {
            let h0 = (ctx.t0_min / 60.0).floor() as usize;
            let h1 = ((plan_end_min / 60.0).floor() as usize).min(HOURS - 1);
            (h0..=h1).any(|h| sc.peak[h])
        });
        let (span_h0, span_h1) = (
            (ctx.t0_min / 60.0).floor().max(0.0) as usize,
            ((plan_end_min / 60.0).floor().max(0.0) as usize).min(HOURS - 1),
        );
        Composer {
            ctx,
            m,
            lang: ctx.lang,
            problem,
            scored,
            sch,
            places,
            in_plan,
            groups,
            sunset0,
            plan_end_min,
            span_has_peak,
            span_h0,
            span_h1,
            explored: None,
        }
    }

    /// Sunset of the day of `min` (minutes after the start date's midnight).
    fn sunset_of(&self, min: f64) -> Option<f64> {
        self.ctx.daylight[((min / 1440.0).floor().max(0.0) as usize).min(1)].map(|d| d.1)
    }

    /// A place as a route endpoint.
    fn resolved(&self, p: usize) -> Resolved {
        Resolved {
            endpoint: Endpoint::Place(self.m.places[p].spec.id.clone()),
            place: Some(p),
            snap: None,
            node: Some(self.m.places[p].node_idx),
        }
    }

    /// A place's name in the request's language.
    fn name(&self, s: &PlaceSpec) -> String {
        say(self.lang, s.name.en.clone(), s.name.zh.clone())
    }

    /// Routes between consecutive positions (route `k` leads to position `k`), and the route
    /// to the end when there is one.
    fn walks(&self, start_t: &Terminal, end_t: Option<&Terminal>) -> (Vec<Route>, Option<Route>) {
        let (ctx, m, places) = (self.ctx, self.m, &self.places);
        let mut routes: Vec<Route> = Vec::new();
        for (k, &p) in places.iter().enumerate() {
            let r = if k == 0 {
                start_t.route(ctx, p, true)
            } else {
                route_between(
                    m,
                    &self.resolved(places[k - 1]),
                    &self.resolved(p),
                    ctx.profile,
                )
            };
            routes.push(r.unwrap_or_default());
        }
        let end_route = match (&ctx.end, end_t) {
            (Some(end), Some(et)) => Some(match places.last() {
                None => route_between(m, &ctx.start, end, ctx.profile).unwrap_or_default(),
                Some(&q) => et.route(ctx, q, false).unwrap_or_default(),
            }),
            _ => None,
        };
        (routes, end_route)
    }

    /// Legs between stops, the walks inside a stop's spot carried into the leg that leaves it,
    /// and the seconds of such walks each stop hands on.
    fn legs(&self, routes: &[Route], end_route: Option<Route>) -> (Vec<Leg>, Vec<f64>) {
        let (ctx, m, places, groups) = (self.ctx, self.m, &self.places, &self.groups);
        let mut legs: Vec<Leg> = Vec::new();
        let mut carried: Vec<f64> = Vec::new();
        for (g, grp) in groups.iter().enumerate() {
            let k0 = grp[0];
            let mut route = if g == 0 {
                routes[0].clone()
            } else {
                carried_into(routes, &groups[g - 1][1..], &routes[k0])
            };
            if route.pieces.is_empty() {
                route.time_s = routes[k0].time_s;
            }
            let from = if g == 0 {
                ctx.start.clone()
            } else {
                self.resolved(places[groups[g - 1][0]])
            };
            legs.push(build_leg(
                m,
                &from,
                &self.resolved(places[k0]),
                &route,
                ctx.profile,
            ));
            carried.push(grp[1..].iter().map(|&k| routes[k].time_s).sum());
        }
        if let Some(er) = end_route {
            let end = ctx.end.as_ref().expect("end route only with an end");
            let (from, route) = match groups.last() {
                None => (ctx.start.clone(), er),
                Some(last) => (
                    self.resolved(places[last[0]]),
                    carried_into(routes, &last[1..], &er),
                ),
            };
            legs.push(build_leg(m, &from, end, &route, ctx.profile));
        }
        // A last stop without a leg after it keeps its inner walks in its visit.
        if ctx.end.is_none() {
            if let Some(c) = carried.last_mut() {
                *c = 0.0;
            }
        }
        (legs, carried)
    }

    /// Whether a leg walks an edge with a landmark hint.
    fn hinted(&self, legs: &[Leg]) -> bool {
        let m = self.m;
        legs.iter().any(|leg| {
            leg.edges.iter().any(|e| {
                m.graph
                    .edge_index(&e.id)
                    .is_some_and(|i| m.graph.edges()[i].hint.is_some())
            })
        })
    }

    /// Stop `g`: its reasons, summary, what else is at its spot and its times; what it notes
    /// for the plan's warnings goes to `notes`.
    fn stop(&self, g: usize, carried_s: f64, notes: &mut StopNotes) -> Stop {
        let (ctx, m, sch, lang) = (self.ctx, self.m, self.sch, self.lang);
        let grp = &self.groups[g];
        let k0 = grp[0];
        let k1 = *grp.last().expect("non-empty");
        let sc = &self.scored[sch.route[k0]];
        let spec = &m.places[sc.place].spec;
        let start_min = ctx.t0_min + sch.start_s[k0] / 60.0;
        let at = StopAt {
            grp,
            k0,
            k1,
            sc,
            spec,
            start_min,
            hour_slot: ((start_min / 60.0).floor().max(0.0) as usize).min(HOURS - 1),
        };
        let mut r = Reasons::default();
        if ctx.must.contains(&sc.place) {
            r.summary.push(say(lang, "you asked for it", "你指定要去"));
            r.push(own(
                lang,
                "You asked to visit it".into(),
                "你指定要去这里".into(),
            ));
        }
        // The exploratory place leads its stop or is visited with the place that does.
        let exploring = self
            .explored
            .is_some_and(|e| grp.iter().any(|&k| self.places[k] == e.place));
        if exploring {
            self.why_exploring(&mut r);
        }
        let area = area_name(ctx, &spec.area);
        self.why_highlight(&at, &area, &mut r);
        self.why_meal(&at, &mut r, notes);
        self.why_interests(&at, &mut r, &notes.cited_before);
        self.why_popularity(&at, &mut r, &notes.cited_before);
        let dark_now = dark_hour(ctx, at.hour_slot);
        if sc.night_view && dark_now {
            r.summary.push(say(lang, "a view after dark", "夜景"));
            r.push(own(
                lang,
                format!(
                    "After dark at {}: a view that is worth it at night",
                    hhmm(start_min)
                ),
                format!("{}天已黑，这里的夜景值得一看", hhmm(start_min)),
            ));
        }
        self.why_findings(&at, &mut r, &notes.cited_before);
        self.summary_fee_and_rating(&at, &mut r);
        let also_here = self.also_here(&at);
        self.why_same_stop_and_fallbacks(&at, &area, &mut r);
        let queue_s = self.note_stop(&at, dark_now, notes);
        notes
            .cited_before
            .extend(r.why.iter().filter_map(|c| c.finding_id.clone()));
        let sep = if lang == Lang::Zh { "；" } else { "; " };
        let depart_s = sch.depart_s[k1] - carried_s;
        Stop {
            place_id: spec.id.clone(),
            name: spec.name.clone(),
            kind: spec.kind.clone(),
            area: spec.area.clone(),
            arrive: fmt_time(ctx, sch.arrive_s[k0]),
            depart: fmt_time(ctx, depart_s),
            wait_min: tenth((sch.start_s[k0] - sch.arrive_s[k0]) / 60.0),
            dwell_min: tenth((depart_s - sch.start_s[k0]) / 60.0),
            queue_min: tenth(queue_s / 60.0),
            highlight: spec.highlight,
            meal: sch.meal[k0..=k1].iter().any(|&x| x),
            fee_cny: grp
                .iter()
                .map(|&k| m.places[self.places[k]].spec.fee_cny)
                .sum(),
            utility: grp.iter().map(|&k| sch.utility[k]).sum(),
            why: r.why,
            summary: r.summary.join(sep),
            also_here,
            exploration: exploring,
        }
    }

    /// The exploratory stop: few visitors have rated it yet.
    fn why_exploring(&self, r: &mut Reasons) {
        let lang = self.lang;
        let Some(e) = self.explored else {
            return;
        };
        let rated = e.evidence.round() as u32;
        r.summary.push(say(
            lang,
            "few visitors have rated it yet",
            "还没有几位游客评价过",
        ));
        let (en, zh) = if rated == 0 {
            (
                "Few visitors have rated it yet (none so far): the plan tries it so that \
                 later plans know whether it is worth a stop"
                    .to_string(),
                "还没有游客评价过这里：行程带你试试，好让之后的行程知道它值不值得一去".to_string(),
            )
        } else {
            (
                format!(
                    "Few visitors have rated it yet ({rated} so far): the plan tries it so \
                     that later plans know whether it is worth a stop"
                ),
                format!("评价过这里的游客还很少（{rated}位）：行程带你试试，好让之后的行程知道它值不值得一去"),
            )
        };
        r.push(own(lang, en, zh));
    }

    /// A highlight of its area (with the description's first sentence), or else the first
    /// sentence alone.
    fn why_highlight(&self, at: &StopAt, area: &(String, String), r: &mut Reasons) {
        let lang = self.lang;
        let (area_en, area_zh) = area;
        let desc = at
            .spec
            .description
            .as_ref()
            .and_then(|d| first_sentence(d, lang));
        if at.spec.highlight {
            r.summary.push(say(lang, "a highlight", "必看"));
            let lead = say(
                lang,
                format!("A highlight of {area_en}"),
                format!("{area_zh}的必看之处"),
            );
            let text = match &desc {
                Some(d) => match lang {
                    Lang::En => format!("{lead}: {d}"),
                    Lang::Zh => format!("{lead}：{d}"),
                },
                None => lead,
            };
            r.push(Citation {
                finding_id: None,
                text: end_sentence(lang, &text),
            });
        } else if let Some(d) = &desc {
            r.push(Citation {
                finding_id: None,
                text: end_sentence(lang, d),
            });
        }
    }

    /// Lunch or dinner when the stop holds the plan's meal.
    fn why_meal(&self, at: &StopAt, r: &mut Reasons, notes: &mut StopNotes) {
        let (ctx, sch, lang) = (self.ctx, self.sch, self.lang);
        let (k0, k1) = (at.k0, at.k1);
        if !sch.meal[k0..=k1].iter().any(|&x| x) {
            return;
        }
        notes.meal_stops += 1;
        let k = (k0..=k1).find(|&k| sch.meal[k]).unwrap_or(k0);
        let meal_min = ctx.t0_min + sch.start_s[k] / 60.0;
        let lunch = (meal_min.rem_euclid(1440.0)) < 15.0 * 60.0;
        let mp = &self.m.places[self.places[k]].spec;
        let mins = ((sch.depart_s[k] - sch.start_s[k]) / 60.0).round();
        r.summary.push(say(
            lang,
            if lunch { "lunch" } else { "dinner" },
            if lunch { "午饭" } else { "晚饭" },
        ));
        r.push(own(
            lang,
            format!(
                "{} here at {} (about {mins:.0} min): {} is open then",
                if lunch { "Lunch" } else { "Dinner" },
                hhmm(meal_min),
                mp.name.en
            ),
            format!(
                "{}在这里吃{}（约{mins:.0}分钟），{}此时营业",
                hhmm(meal_min),
                if lunch { "午饭" } else { "晚饭" },
                mp.name.zh
            ),
        ));
    }

    /// The visitor's interests the place answers, citing the finding behind each when there is
    /// one not cited before.
    fn why_interests(&self, at: &StopAt, r: &mut Reasons, cited_before: &HashSet<String>) {
        let (m, lang, spec) = (self.m, self.lang, at.spec);
        for &i in &at.sc.interest_hits {
            let it = &m.interests[i];
            r.summary.push(say(
                lang,
                format!("for your interest in {}", it.name.en.to_lowercase()),
                format!("符合你的兴趣：{}", it.name.zh),
            ));
            let shared: Vec<&String> = spec.tags.iter().filter(|t| it.tags.contains(t)).collect();
            let finding = m
                .findings
                .iter()
                .find(|f| matches!(&f.rule, Rule::Popularity { tags, .. } if tags.iter().any(|t| shared.contains(&t))))
                .or_else(|| m.findings.iter().find(|f| shared.contains(&&f.code)));
            let en = format!("For your interest in {}", it.name.en.to_lowercase());
            let zh = format!("符合你对{}的兴趣", it.name.zh);
            match finding {
                // Said at an earlier stop: the summary names the interest.
                Some(f) if cited_before.contains(&f.id) => {}
                Some(f) if !r.cites(f) => r.push(cite(f, lang, en, zh)),
                _ => r.push(own(lang, en, zh)),
            }
        }
    }

    /// The most specific popularity finding the place answers (the rarest of its tags), in its
    /// own words, unless cited before.
    fn why_popularity(&self, at: &StopAt, r: &mut Reasons, cited_before: &HashSet<String>) {
        let (m, lang, spec) = (self.m, self.lang, at.spec);
        let pop = m
            .findings
            .iter()
            .filter(|f| {
                matches!(&f.rule, Rule::Popularity { tags, .. } if matches(&[], tags, &spec.kind, &spec.tags))
            })
            .min_by_key(|f| {
                let tags: &[String] = match &f.rule {
                    Rule::Popularity { tags, .. } => tags,
                    _ => &[],
                };
                m.places
                    .iter()
                    .filter(|p| p.spec.tags.iter().any(|t| tags.contains(t)))
                    .count()
            });
        if let Some(f) = pop.filter(|f| !cited_before.contains(&f.id)) {
            if !r.cites(f) {
                // The finding says in its own words how often visitors mention it.
                let text = match lang {
                    Lang::En => &f.text.en,
                    Lang::Zh => &f.text.zh,
                };
                r.push(Citation {
                    finding_id: Some(f.id.clone()),
                    text: end_sentence(lang, text),
                });
            }
        }
    }

    /// The findings about daylight, fees, free alternatives and crowding that bear on the stop.
    fn why_findings(&self, at: &StopAt, r: &mut Reasons, cited_before: &HashSet<String>) {
        let (ctx, m, sch, lang) = (self.ctx, self.m, self.sch, self.lang);
        let (sc, spec, start_min) = (at.sc, at.spec, at.start_min);
        let depart_min = ctx.t0_min + sch.depart_s[at.k1] / 60.0;
        for f in &m.findings {
            match &f.rule {
                Rule::Daylight { kinds, tags }
                    if sc.daylight && matches(kinds, tags, &spec.kind, &spec.tags) =>
                {
                    // Only worth saying when sunset is near.
                    if let Some(set) = self.sunset_of(depart_min) {
                        if set - depart_min <= DAYLIGHT_NEAR_MIN {
                            r.push(cite(
                                f,
                                lang,
                                format!("Seen before sunset at {}", hhmm(set)),
                                format!("赶在{}日落前看", hhmm(set)),
                            ));
                        }
                    }
                }
                Rule::ValueForMoney { kinds, .. }
                    if spec.fee_cny > 0.0 && (kinds.is_empty() || kinds.contains(&spec.kind)) =>
                {
                    let (en, zh) = self.fee_words(spec);
                    r.push(cite(f, lang, en, zh));
                }
                Rule::FreeAlternative { kinds }
                    if spec.fee_cny == 0.0 && kinds.contains(&spec.kind) =>
                {
                    self.why_free_instead(f, at, r);
                }
                // The place is busy at some hour of the plan and the plan visits it at
                // another: its timing was a choice worth naming.
                Rule::Crowding { .. }
                    if self.span_has_peak
                        && !sc.peak[at.hour_slot]
                        && (self.span_h0..=self.span_h1).any(|h| sc.peak[h]) =>
                {
                    let (en, zh) = (
                        format!("Timed for {}, outside the busy hours", hhmm(start_min)),
                        format!("安排在{}，避开人多的时段", hhmm(start_min)),
                    );
                    let c = if cited_before.contains(&f.id) {
                        Citation {
                            finding_id: Some(f.id.clone()),
                            text: end_sentence(lang, &say(lang, en, zh)),
                        }
                    } else {
                        cite(f, lang, en, zh)
                    };
                    r.push(c);
                }
                _ => {}
            }
        }
    }

    /// A paid place's entry fee in words, with its value-for-money rating when enough
    /// visitors gave one.
    fn fee_words(&self, spec: &PlaceSpec) -> (String, String) {
        let rated = self
            .m
            .stats
            .get(&spec.id)
            .and_then(|s| s.value_for_money().map(|v| (v, s.count)));
        match rated {
            Some((v, c)) => (
                format!(
                    "Entry is ¥{}; {c} visitors rate its value for money {v:.1}/5",
                    spec.fee_cny
                ),
                format!("门票¥{}，{c}位游客评价性价比{v:.1}/5", spec.fee_cny),
            ),
            None => (
                format!("Entry is ¥{}, weighed against what it offers", spec.fee_cny),
                format!("门票¥{}，已与它的看点一并权衡", spec.fee_cny),
            ),
        }
    }

    /// A free place chosen over a paid one of its kind that could have been planned and was
    /// not, citing `f` and the value-for-money finding that weighed against the paid one.
    fn why_free_instead(&self, f: &Finding, at: &StopAt, r: &mut Reasons) {
        let (ctx, m, lang, spec) = (self.ctx, self.m, self.lang, at.spec);
        let paid = (0..m.places.len())
            .filter(|&i| {
                let p = &m.places[i].spec;
                p.kind == spec.kind
                    && p.fee_cny > 0.0
                    && !self.in_plan.contains(&i)
                    && admissible(ctx, i)
            })
            .max_by(|&a, &b| {
                m.places[a]
                    .spec
                    .popularity
                    .total_cmp(&m.places[b].spec.popularity)
            });
        let Some(pp) = paid.map(|i| &m.places[i].spec) else {
            return;
        };
        let (kw_en, kw_zh) = kind_words(&spec.kind);
        let en = format!("A free {kw_en} instead of {} (¥{})", pp.name.en, pp.fee_cny);
        let zh = format!("免费的{kw_zh}，代替收费的{}（¥{}）", pp.name.zh, pp.fee_cny);
        r.summary.push(say(lang, en.clone(), zh.clone()));
        r.push(cite(f, lang, en, zh));
        let vf = m.findings.iter().find(|x| {
            matches!(&x.rule, Rule::ValueForMoney { kinds, .. } if kinds.is_empty() || kinds.contains(&pp.kind))
        });
        let Some(vf) = vf else {
            return;
        };
        let rated = m
            .stats
            .get(&pp.id)
            .and_then(|s| s.value_for_money().map(|v| (v, s.count)));
        let (en, zh) = match rated {
            Some((v, c)) => (
                format!(
                    "{} charges ¥{} and {c} visitors rate its value {v:.1}/5",
                    pp.name.en, pp.fee_cny
                ),
                format!(
                    "{}收费¥{}，{c}位游客评价性价比{v:.1}/5",
                    pp.name.zh, pp.fee_cny
                ),
            ),
            None => (
                format!("{} charges ¥{}", pp.name.en, pp.fee_cny),
                format!("{}收费¥{}", pp.name.zh, pp.fee_cny),
            ),
        };
        r.push(cite(vf, lang, en, zh));
    }

    /// Summary phrases for a fee rated poor value and for the visitors' rating.
    fn summary_fee_and_rating(&self, at: &StopAt, r: &mut Reasons) {
        let (lang, sc, spec) = (self.lang, at.sc, at.spec);
        if sc.fee_penalty > 0.0 && sc.vfm_factor > 1.0 {
            r.summary.push(say(
                lang,
                format!("fee ¥{} rated poor value", spec.fee_cny),
                format!("门票¥{}性价比偏低", spec.fee_cny),
            ));
        }
        if let Some(s) = self.m.stats.get(&spec.id) {
            if let Some(score) = s.score() {
                r.summary.push(say(
                    lang,
                    format!("rated {score:.1}/5 by {} visitors", s.count),
                    format!("{}位游客评分{score:.1}/5", s.count),
                ));
            }
        }
    }

    /// Also here: the places visited with the stop's leading place, then what else is at the
    /// spot.
    fn also_here(&self, at: &StopAt) -> Vec<AlsoHere> {
        let m = self.m;
        let mut also_here: Vec<AlsoHere> = Vec::new();
        for &k in &at.grp[1..] {
            let p = &m.places[self.places[k]].spec;
            also_here.push(AlsoHere {
                place_id: p.id.clone(),
                name: p.name.clone(),
                kind: p.kind.clone(),
                visited: true,
            });
        }
        for (i, p) in m.places.iter().enumerate() {
            if m.same_spot(at.sc.place, i)
                && !p.spec.container
                && !p.spec.closed
                && !self.in_plan.contains(&i)
            {
                also_here.push(AlsoHere {
                    place_id: p.spec.id.clone(),
                    name: p.spec.name.clone(),
                    kind: p.spec.kind.clone(),
                    visited: false,
                });
            }
        }
        also_here
    }

    /// The places visited with the leading one; then, for a stop with nothing else said, its
    /// kind and area as summary and reason.
    fn why_same_stop_and_fallbacks(&self, at: &StopAt, area: &(String, String), r: &mut Reasons) {
        let (m, lang, spec) = (self.m, self.lang, at.spec);
        let (area_en, area_zh) = area;
        if at.grp.len() > 1 {
            let names: Vec<String> = at.grp[1..]
                .iter()
                .map(|&k| self.name(&m.places[self.places[k]].spec))
                .collect();
            r.push(own(
                lang,
                format!(
                    "Right next to it, and part of this stop: {}",
                    names.join(", ")
                ),
                format!("紧挨着的{}也在这一站", names.join("、")),
            ));
        }
        if r.summary.is_empty() {
            let (kw_en, kw_zh) = kind_words(&spec.kind);
            r.summary.push(say(
                lang,
                format!("a {kw_en} in {area_en}"),
                format!("{area_zh}的{kw_zh}"),
            ));
        }
        if r.why.is_empty() {
            let (kw_en, kw_zh) = kind_words(&spec.kind);
            r.push(own(
                lang,
                format!("A {kw_en} of {area_en} on the way"),
                format!("顺路经过的{area_zh}{kw_zh}"),
            ));
        }
    }

    /// Notes the stop's crowds, queue, bookings, hard-to-find places and darkness for the
    /// plan's warnings; returns the seconds of queueing at the stop.
    fn note_stop(&self, at: &StopAt, dark_now: bool, notes: &mut StopNotes) -> f64 {
        let (m, sch, sc, spec) = (self.m, self.sch, at.sc, at.spec);
        let label = format!("{} ({})", self.name(spec), hhmm(at.start_min));
        if (sc.peak[at.hour_slot] && sc.crowd[at.hour_slot] >= CROWD_WARN_SHARE)
            || sc.reported_busy[at.hour_slot]
        {
            notes.crowded.push((spec.id.clone(), label.clone()));
        }
        let queue_s: f64 = (at.k0..=at.k1)
            .map(|k| {
                let c = &self.problem.cands[sch.route[k]];
                (sch.depart_s[k] - sch.start_s[k] - c.dwell_s).max(0.0)
            })
            .sum();
        if queue_s >= 60.0 {
            notes
                .queued
                .push((spec.id.clone(), self.name(spec), queue_s / 60.0));
        }
        for &k in at.grp {
            let p = &m.places[self.places[k]].spec;
            if p.booking {
                notes.booked.push((p.id.clone(), self.name(p)));
            }
            if hard_to_find(m, self.places[k]) {
                notes.hard.push((p.id.clone(), self.name(p)));
            }
        }
        if dark_now {
            notes.after_dark.push((spec.id.clone(), label.clone()));
        }
        queue_s
    }

    /// Plan-level explanations: area orders waived or followed, areas linked, photo spots
    /// before sunset and landmark hints. A free alternative to a paid place left out becomes a
    /// warning.
    fn explanations(
        &self,
        order_waived: &[&Finding],
        stops: &[Stop],
        hinted: bool,
        warnings: &mut Vec<Warning>,
    ) -> Vec<Citation> {
        let (ctx, m, lang) = (self.ctx, self.m, self.lang);
        let mut explanations: Vec<Citation> = Vec::new();
        let mut areas_in_plan: Vec<&str> = Vec::new();
        for &p in &self.places {
            let a = m.places[p].spec.area.as_str();
            if !areas_in_plan.contains(&a) {
                areas_in_plan.push(a);
            }
        }
        for f in order_waived {
            if let Rule::AreaOrder { first, then } = &f.rule {
                let (fe, fz) = area_name(ctx, first);
                let (te, tz) = area_name(ctx, then);
                explanations.push(cite(
                    f,
                    lang,
                    format!("Starting near {te}, the plan sees it first instead of climbing to {fe} and back down"),
                    format!("从{tz}附近出发，先看{tz}，不必先爬上{fz}再下来"),
                ));
            }
        }
        for f in &m.findings {
            match &f.rule {
                Rule::AreaOrder { first, then }
                    if !order_waived.iter().any(|w| w.id == f.id)
                        && areas_in_plan.contains(&first.as_str())
                        && areas_in_plan.contains(&then.as_str()) =>
                {
                    let (fe, fz) = area_name(ctx, first);
                    let (te, tz) = area_name(ctx, then);
                    explanations.push(cite(
                        f,
                        lang,
                        format!("{fe} first, then {te}"),
                        format!("先逛{fz}，再去{tz}"),
                    ));
                }
                Rule::CombineAreas { areas, .. } => {
                    explanations.extend(self.linked_areas(f, areas, &areas_in_plan));
                }
                Rule::Daylight { .. }
                    if self
                        .sunset0
                        .is_some_and(|s| self.plan_end_min >= s - DAYLIGHT_NEAR_MIN)
                        && stops
                            .iter()
                            .zip(&self.groups)
                            .any(|(_, g)| self.scored[self.sch.route[g[0]]].daylight) =>
                {
                    let when = self.sunset0.map(hhmm).unwrap_or_default();
                    explanations.push(cite(
                        f,
                        lang,
                        format!("Outdoor photo spots come before sunset at {when}"),
                        format!("户外拍照点安排在{when}日落前"),
                    ));
                }
                Rule::Wayfinding if hinted => {
                    explanations.push(cite(
                        f,
                        lang,
                        "Directions carry landmark hints for the ways that are easy to miss".into(),
                        "路线说明在容易走错的地方附有地标提示".into(),
                    ));
                }
                Rule::FreeAlternative { kinds } => self.offer_free_alternatives(kinds, warnings),
                _ => {}
            }
        }
        explanations
    }

    /// The finding that the plan links areas, when it visits two or more of `areas` (any areas
    /// when empty).
    fn linked_areas(
        &self,
        f: &Finding,
        areas: &[String],
        areas_in_plan: &[&str],
    ) -> Option<Citation> {
        let hit: Vec<&str> = areas_in_plan
            .iter()
            .copied()
            .filter(|a| areas.is_empty() || areas.iter().any(|x| x == a))
            .collect();
        if hit.len() < 2 {
            return None;
        }
        let names: Vec<String> = hit
            .iter()
            .map(|a| {
                let (en, zh) = area_name(self.ctx, a);
                say(self.lang, en, zh)
            })
            .collect();
        Some(cite(
            f,
            self.lang,
            format!("The plan links {}", names.join(" and ")),
            format!("行程串联{}", names.join("和")),
        ))
    }

    /// For each of `kinds`: when a paid place of the kind that could have been planned was left
    /// out and no free one of the kind is in the plan, a warning offering the best free one.
    fn offer_free_alternatives(&self, kinds: &[String], warnings: &mut Vec<Warning>) {
        let (ctx, m, lang, places) = (self.ctx, self.m, self.lang, &self.places);
        for kind in kinds {
            let free_in_plan = places
                .iter()
                .any(|&p| &m.places[p].spec.kind == kind && m.places[p].spec.fee_cny == 0.0);
            let paid_left_out: Vec<usize> = (0..m.places.len())
                .filter(|&i| {
                    &m.places[i].spec.kind == kind
                        && m.places[i].spec.fee_cny > 0.0
                        && !self.in_plan.contains(&i)
                        && admissible(ctx, i)
                })
                .collect();
            if free_in_plan || paid_left_out.is_empty() {
                continue;
            }
            let offer = (0..m.places.len())
                .filter(|&i| {
                    let p = &m.places[i].spec;
                    &p.kind == kind && p.fee_cny == 0.0 && admissible(ctx, i)
                })
                .max_by(|&a, &b| {
                    m.places[a]
                        .spec
                        .popularity
                        .total_cmp(&m.places[b].spec.popularity)
                });
            if let Some(i) = offer {
                let fp = &m.places[i].spec;
                let pp = &m.places[paid_left_out[0]].spec;
                warnings.push(warn_about(
                    "free_alternative",
                    Severity::Info,
                    say(
                        lang,
                        format!(
                            "{} (¥{}) is not in the plan; {} is free and visitors find its view as good",
                            pp.name.en, pp.fee_cny, fp.name.en
                        ),
                        format!(
                            "行程没有安排收费的{}（¥{}）；{}免费，游客觉得视野一样好",
                            pp.name.zh, pp.fee_cny, fp.name.zh
                        ),
                    ),
                    vec![fp.id.clone()],
                ));
            }
        }
    }

    /// Warnings from the stops' notes: crowds, queues, bookings and places hard to find.
    fn stop_warnings(&self, notes: &StopNotes, warnings: &mut Vec<Warning>) {
        let lang = self.lang;
        if !notes.crowded.is_empty() {
            let weekend = busy_day(self.ctx, 0);
            warnings.push(warn(
                "crowded",
                Severity::Info,
                say(
                    lang,
                    format!(
                        "Busy hours{}: expect crowds and a wait for photos at {}",
                        if weekend { " (weekend)" } else { "" },
                        list_words(lang, &note_labels(&notes.crowded))
                    ),
                    format!(
                        "{}高峰时段：{}人多，拍照可能要排队",
                        if weekend { "周末" } else { "" },
                        list_words(lang, &note_labels(&notes.crowded))
                    ),
                ),
                note_ids(&notes.crowded),
            ));
        }
        if !notes.queued.is_empty() {
            let items: Vec<String> = notes
                .queued
                .iter()
                .map(|(_, n, q)| {
                    say(
                        lang,
                        format!("{n} (about {q:.0} min)"),
                        format!("{n}（约{q:.0}分钟）"),
                    )
                })
                .collect();
            warnings.push(warn(
                "queue",
                Severity::Info,
                say(
                    lang,
                    format!(
                        "Expect to queue at {}; the plan allows for it",
                        list_words(lang, &items)
                    ),
                    format!("{}可能要排队，行程已留出时间", list_words(lang, &items)),
                ),
                notes.queued.iter().map(|x| x.0.clone()).collect(),
            ));
        }
        if !notes.booked.is_empty() {
            warnings.push(warn(
                "booking",
                Severity::Warning,
                say(
                    lang,
                    format!(
                        "Book ahead: {} takes bookings or timed tickets",
                        list_words(lang, &note_labels(&notes.booked))
                    ),
                    format!(
                        "请提前预约：{}需要预约或分时段入场",
                        list_words(lang, &note_labels(&notes.booked))
                    ),
                ),
                note_ids(&notes.booked),
            ));
        }
        if !notes.hard.is_empty() {
            warnings.push(warn(
                "hard_to_find",
                Severity::Info,
                say(
                    lang,
                    format!(
                        "Visitors find {} hard to find: follow the landmark hints",
                        list_words(lang, &note_labels(&notes.hard))
                    ),
                    format!(
                        "游客反映{}不好找，请留意路线里的地标提示",
                        list_words(lang, &note_labels(&notes.hard))
                    ),
                ),
                note_ids(&notes.hard),
            ));
        }
    }

    /// `dark_soon` when the plan runs past sunset: the stops after dark, or the last walk.
    fn dark_warning(&self, notes: &StopNotes, warnings: &mut Vec<Warning>) {
        let (lang, plan_end_min, after_dark) = (self.lang, self.plan_end_min, &notes.after_dark);
        let Some(set) = self.sunset_of(plan_end_min) else {
            return;
        };
        if plan_end_min > set || !after_dark.is_empty() {
            let msg = if after_dark.is_empty() {
                say(
                    lang,
                    format!(
                        "Sunset is at {}: the walk after the last stop is in the dark",
                        hhmm(set)
                    ),
                    format!("{}日落，最后一段路天已黑", hhmm(set)),
                )
            } else {
                say(
                    lang,
                    format!(
                        "Sunset is at {}: {} come after dark; stairs and lanes are dim, so take care",
                        hhmm(set),
                        list_words(lang, &note_labels(after_dark))
                    ),
                    format!(
                        "{}日落，{}时天已黑，梯坎和小巷光线暗，注意脚下",
                        hhmm(set),
                        list_words(lang, &note_labels(after_dark))
                    ),
                )
            };
            warnings.push(warn(
                "dark_soon",
                Severity::Warning,
                msg,
                note_ids(after_dark),
            ));
        }
    }

    /// Highlights outside the plan: closed during it, or left out although the plan visits
    /// their area.
    fn highlight_warnings(&self, stops: &[Stop], warnings: &mut Vec<Warning>) {
        let (ctx, m, lang, plan_end_min) = (self.ctx, self.m, self.lang, self.plan_end_min);
        let mut closed_hl: Vec<(String, String)> = Vec::new();
        let mut missed_hl: Vec<(String, String)> = Vec::new();
        for (i, p) in m.places.iter().enumerate() {
            if !planned_as_highlight(m, i) || self.in_plan.contains(&i) || ctx.avoid.contains(&i) {
                continue;
            }
            if ctx
                .areas
                .as_ref()
                .is_some_and(|a| !a.contains(p.spec.area.as_str()))
            {
                continue;
            }
            let label = self.name(&p.spec);
            let today = open_windows_min(ctx, i)
                .iter()
                .any(|&(a, b)| b > ctx.t0_min && a < plan_end_min.max(ctx.t0_min + 1.0));
            if p.spec.closed || !today {
                closed_hl.push((p.spec.id.clone(), label));
            } else if self.scored.iter().any(|s| s.place == i)
                && self
                    .places
                    .iter()
                    .any(|&q| m.places[q].spec.area == p.spec.area)
            {
                missed_hl.push((p.spec.id.clone(), label));
            }
        }
        if !closed_hl.is_empty() {
            warnings.push(warn_about(
                "closed",
                Severity::Info,
                say(
                    lang,
                    format!(
                        "Closed during this plan: {}",
                        list_words(lang, &note_labels(&closed_hl))
                    ),
                    format!(
                        "行程时段内不开放：{}",
                        list_words(lang, &note_labels(&closed_hl))
                    ),
                ),
                note_ids(&closed_hl),
            ));
        }
        if !missed_hl.is_empty() && !stops.is_empty() {
            warnings.push(warn_about(
                "highlight_missed",
                Severity::Info,
                say(
                    lang,
                    format!(
                        "Also worth seeing nearby, not in this plan: {}",
                        list_words(lang, &note_labels(&missed_hl))
                    ),
                    format!(
                        "附近还有值得一看的地方，这次没有安排：{}",
                        list_words(lang, &note_labels(&missed_hl))
                    ),
                ),
                note_ids(&missed_hl),
            ));
        }
    }

    /// `no_meal` when a meal was wanted and none fits; `no_stops` for an empty plan.
    fn meal_and_empty_warnings(
        &self,
        notes: &StopNotes,
        stops: &[Stop],
        warnings: &mut Vec<Warning>,
    ) {
        let lang = self.lang;
        if self.ctx.wants_meal && notes.meal_stops == 0 && !stops.is_empty() {
            warnings.push(warn(
                "no_meal",
                Severity::Warning,
                say(
                    lang,
                    "No place to eat fits this plan at meal time: bring something or eat before you start",
                    "这个行程在饭点找不到合适的餐馆，请自备食物或出发前吃饭",
                ),
                vec![],
            ));
        }
        if stops.is_empty() {
            warnings.push(warn(
                "no_stops",
                Severity::Warning,
                say(
                    lang,
                    "No place fits this budget, its opening hours and the filters",
                    "在此时间预算、开放时间和筛选条件下没有合适的地点",
                ),
                vec![],
            ));
        }
    }

    /// The plan with its totals.
    fn assemble(
        &self,
        stops: Vec<Stop>,
        legs: Vec<Leg>,
        explanations: Vec<Citation>,
        warnings: Vec<Warning>,
    ) -> Plan {
        let (ctx, m, sch) = (self.ctx, self.m, self.sch);
        let walk_s: f64 = legs.iter().map(|l| l.duration_s).sum();
        let length_m: f64 = legs.iter().map(|l| l.length_m).sum();
        let fee_cny: f64 = stops.iter().map(|s| s.fee_cny).sum();
        Plan {
            id: String::new(),
            site: m.site.id.clone(),
            snapshot_version: m.version,
            request: ctx.req.clone(),
            profile: ctx.profile,
            pace: ctx.pace,
            start_time: fmt_time(ctx, 0.0),
            end_time: fmt_time(ctx, sch.finish_s),
            sunset: self.sunset0.map(|s| fmt_time(ctx, (s - ctx.t0_min) * 60.0)),
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
            exploration: self.explored.map(|e| Exploration {
                place_id: m.places[e.place].spec.id.clone(),
                draw: tenth(e.draw * 10.0) / 10.0,
                evidence: tenth(e.evidence),
                cost_share: (e.cost_share * 1000.0).round() / 1000.0,
            }),
        }
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
