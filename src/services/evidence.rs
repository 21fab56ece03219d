//! How much a visitor's feedback counts: evidence that they were there, and the burst rules that
//! hold suspicious answers for moderation instead of the aggregates.
//!
//! * A rating counts fully ([`FULL_WEIGHT`]) with evidence of a visit: an on-site location fix
//!   (within [`ON_SITE_RADIUS_M`] of the place, plus the uncertainty of the place's own
//!   coordinate, from a fix no less precise than [`MAX_FIX_ACCURACY_M`]), or a plan issued to the
//!   visitor's token that holds the place and whose span (widened by [`PLAN_WINDOW_SLACK_MIN`]
//!   on both sides) contains the visit time (`visited_at`, or the time of the rating). Without
//!   evidence it counts a quarter ([`UNVERIFIED_WEIGHT`]).
//! * Plan feedback comes only from the token the plan was issued to, so it always counts fully;
//!   but one skip per visitor, place and day reaches the aggregates: a place skipped again that
//!   day in another plan's feedback is kept in the record and counts nothing.
//! * Bursts: once [`BURST_MAX_UNVERIFIED`] ratings without evidence reached one place within
//!   [`BURST_WINDOW_MIN`] minutes, further ones are held (hidden, `moderation.by` =
//!   `system:burst`) until an operator releases them with `unhide`; a visitor's plan feedback
//!   with skips beyond [`SKIP_FEEDBACK_PER_DAY`] in 24 hours is held the same way.

use crate::domain::Place;
use crate::feedback::aggregates::{SkipFacts, FULL_WEIGHT, UNVERIFIED_WEIGHT};
use crate::store::feedback as fstore;
use crate::store::{time_text as text, DbConn, StoreError};
use chrono::{DateTime, Duration, Utc};
use geo::{Distance, Haversine, Point};
use std::collections::HashSet;

/// Metres from a place within which a location fix counts as being there (the place's own
/// coordinate uncertainty is added).
pub const ON_SITE_RADIUS_M: f64 = 250.0;
/// A fix less precise than this (its reported accuracy, metres) is no evidence.
pub const MAX_FIX_ACCURACY_M: f64 = 100.0;
/// Minutes before a plan's start and after its end that still count as its visit.
pub const PLAN_WINDOW_SLACK_MIN: i64 = 60;
/// How far back (days) a visitor's plans are searched for one holding the rated place.
pub const PLAN_LOOKBACK_DAYS: i64 = 7;
/// Window of the ratings burst rule, minutes.
pub const BURST_WINDOW_MIN: i64 = 10;
/// Ratings without evidence one place takes within the window before further ones are held.
pub const BURST_MAX_UNVERIFIED: i64 = 10;
/// Plan feedbacks with skips one visitor may give in 24 hours before further ones are held.
pub const SKIP_FEEDBACK_PER_DAY: usize = 5;

/// A location fix the app sends with a rating (never stored: only what it proves is).
#[derive(Clone, Copy, Debug, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct LocationFix {
    pub lat: f64,
    pub lon: f64,
    /// Reported accuracy, metres (68 % radius), when the device gives one.
    #[serde(default)]
    pub accuracy_m: Option<f64>,
}

/// Whether a fix places the visitor at `place`.
pub fn fix_is_on_site(place: &Place, fix: &LocationFix) -> bool {
    if fix
        .accuracy_m
        .is_some_and(|a| !(0.0..=MAX_FIX_ACCURACY_M).contains(&a))
    {
        return false;
    }
    let d = Haversine.distance(
        Point::new(place.lon, place.lat),
        Point::new(fix.lon, fix.lat),
    );
    d <= ON_SITE_RADIUS_M + place.coord_confidence_m.max(0.0)
}

/// Whether a plan issued to `visitor` holds `place` and its span (with the slack) contains `at`.
pub fn planned_visit(
    conn: &mut DbConn,
    site: &str,
    visitor: &str,
    place: &str,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let since = text(at - Duration::days(PLAN_LOOKBACK_DAYS));
    let slack = Duration::minutes(PLAN_WINDOW_SLACK_MIN);
    // Plans valid at the time of the visit.
    for p in crate::store::plans::issued_to(conn, visitor, site, &since, &text(at))? {
        let Ok(plan) = serde_json::from_str::<serde_json::Value>(&p.body_json) else {
            continue;
        };
        let time = |k: &str| {
            plan[k]
                .as_str()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|t| t.with_timezone(&Utc))
        };
        let (Some(start), Some(end)) = (time("start_time"), time("end_time")) else {
            continue;
        };
        let holds = plan["stops"].as_array().is_some_and(|stops| {
            stops.iter().any(|s| {
                s["place_id"] == place
                    || s["also_here"].as_array().is_some_and(|a| {
                        a.iter()
                            .any(|x| x["place_id"] == place && x["visited"] == true)
                    })
            })
        });
        if holds && start - slack <= at && at <= end + slack {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The weight of a rating and, when the burst rule holds it, why.
pub fn rating_weight_and_hold(
    conn: &mut DbConn,
    site: &str,
    visitor: &str,
    place: &str,
    on_site_fix: bool,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(i32, Option<String>), StoreError> {
    if on_site_fix || planned_visit(conn, site, visitor, place, at)? {
        return Ok((FULL_WEIGHT as i32, None));
    }
    let since = text(now - Duration::minutes(BURST_WINDOW_MIN));
    let recent = fstore::recent_unverified_ratings(conn, site, place, &since)?;
    let held = (recent >= BURST_MAX_UNVERIFIED).then(|| {
        format!(
            "held: {recent} ratings without evidence of a visit reached this place within \
             {BURST_WINDOW_MIN} minutes"
        )
    });
    Ok((UNVERIFIED_WEIGHT as i32, held))
}

/// Marks the skips the visitor already gave that day in another plan's feedback as not
/// counting, and says why the feedback is held when the visitor gives too many feedbacks with
/// skips.
pub fn check_skips(
    conn: &mut DbConn,
    site: &str,
    visitor: &str,
    plan: &str,
    skips: &mut [SkipFacts],
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    if skips.is_empty() {
        return Ok(None);
    }
    // Days are local dates; two days back covers every offset.
    let since = text(now - Duration::days(2));
    let earlier = fstore::visitor_feedback_since(conn, site, visitor, &since, plan)?;
    let counted: HashSet<(String, Option<String>)> = earlier
        .iter()
        .filter(|f| !f.hidden)
        .flat_map(|f| f.skips.iter().filter(|x| x.counts))
        .map(|x| (x.place_id.clone(), x.day.clone()))
        .collect();
    for s in skips.iter_mut() {
        s.counts = !counted.contains(&(s.place_id.clone(), s.day.clone()));
    }
    let day_ago = text(now - Duration::days(1));
    let recent = earlier
        .iter()
        .filter(|f| f.created_at >= day_ago && !f.skips.is_empty())
        .count();
    Ok((recent >= SKIP_FEEDBACK_PER_DAY).then(|| {
        format!("held: the visitor gave {recent} plan feedbacks with skipped stops within a day")
    }))
}
