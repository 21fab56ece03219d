//! The feedback loop: visitors' ratings and plan feedback become per-place aggregates the planner
//! reads through the site snapshot, and comments are coded into the study's codebook for
//! operators' insights.
//!
//! * [`aggregates`]: integer counters per place (and per hour of the week for crowding), the
//!   contribution of one rating or plan feedback to them, and the planner's [`PlaceStats`] derived
//!   from them (a Bayesian mean of `overall` with a prior from the study's frequencies).
//! * [`coding`]: comments → open codes by zh and en keywords, with simple negation handling.
//! * [`insights`]: code frequencies graded like the study's table 3, category and theme summaries
//!   like tables 4–5, worst and worsening places, plan outcomes per snapshot version, and a
//!   weekly series (JSON or CSV).
//!
//! [`PlaceStats`]: planner::model::PlaceStats

pub mod aggregates;
pub mod coding;
pub mod insights;

/// Reasons a visitor may give for skipping a planned stop.
pub const SKIP_REASONS: [&str; 5] = [
    "closed",
    "crowded",
    "could_not_find",
    "not_interesting",
    "no_time",
];

/// Index of a skip reason in [`SKIP_REASONS`].
pub fn skip_reason_index(reason: &str) -> Option<usize> {
    SKIP_REASONS.iter().position(|r| *r == reason)
}

/// How a plan was followed.
pub const FOLLOWED: [&str; 3] = ["all", "partly", "not"];

/// Longest comment accepted, in characters.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// Hour of the week (0 = Monday 00h … 167 = Sunday 23h) of an instant in the site's local time.
pub fn hour_of_week(t: chrono::DateTime<chrono::Utc>, utc_offset_min: i32) -> u8 {
    use chrono::{Datelike, Timelike};
    let offset = chrono::FixedOffset::east_opt(utc_offset_min * 60)
        .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("zero offset"));
    let local = t.with_timezone(&offset);
    (local.weekday().num_days_from_monday() * 24 + local.hour()) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hour_of_week_uses_the_site_offset() {
        // 2026-05-16 is a Saturday; 02:00 UTC is 10:00 in Chongqing.
        let t = chrono::DateTime::parse_from_rfc3339("2026-05-16T02:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(hour_of_week(t, 480), 5 * 24 + 10);
        assert_eq!(hour_of_week(t, 0), 5 * 24 + 2);
        // Sunday 23:30 local is the last slot.
        let t = chrono::DateTime::parse_from_rfc3339("2026-05-17T23:30:00+08:00")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(hour_of_week(t, 480), 167);
    }
}
