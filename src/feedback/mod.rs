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
//! * [`visits`]: visit records' statistics: learned dwell per place, the site pace, visitor
//!   shares and transitions between places, and the salted hash of visitor pseudonyms.
//!
//! [`PlaceStats`]: planner::model::PlaceStats

pub mod aggregates;
pub mod coding;
pub mod insights;
pub mod visits;

use crate::domain::{text_enum, UnknownValue};

text_enum! {
    /// Why a visitor skipped a planned stop. The aggregates count skips per reason in the order
    /// of `ALL`.
    pub enum SkipReason ("skip reason", UnknownValue) {
        Closed = "closed",
        Crowded = "crowded",
        CouldNotFind = "could_not_find",
        NotInteresting = "not_interesting",
        NoTime = "no_time",
    }
}

text_enum! {
    /// Why a snapshot with fresh aggregates was published.
    pub enum PublicationReason ("publication reason", UnknownValue) {
        /// The background publisher found the aggregates changed.
        Interval = "interval",
        /// An operator asked for it.
        Operator = "operator",
    }
}

text_enum! {
    /// How a plan was followed.
    pub enum Followed ("followed", UnknownValue) {
        All = "all",
        Partly = "partly",
        Not = "not",
    }
}

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
    fn skip_reasons_and_followed_keep_their_names_and_order() {
        let reasons: Vec<&str> = SkipReason::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "closed",
                "crowded",
                "could_not_find",
                "not_interesting",
                "no_time"
            ]
        );
        for (i, r) in SkipReason::ALL.iter().enumerate() {
            assert_eq!(r.index(), i);
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
            assert_eq!(SkipReason::parse(r.as_str()), Some(*r));
        }
        let followed: Vec<&str> = Followed::ALL.iter().map(|f| f.as_str()).collect();
        assert_eq!(followed, ["all", "partly", "not"]);
        assert_eq!(Followed::parse("some"), None);
    }

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
