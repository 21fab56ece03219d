//! Insights for operators over a time range: what visitors talk about (code frequencies graded
//! like the study's table 3, category and theme summaries like tables 4–5), which places are
//! worst or worsening fastest on value for money, findability and crowding, which places visitors
//! cannot find, and how plans fared per snapshot version; plus a weekly series of the same figures.

use super::{Followed, PublicationReason, SkipReason};
use crate::domain::{Frequency, Lang, Sentiment, SiteData};
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A code mentioned by at least this share of the commented feedback is graded `high` …
pub const HIGH_SHARE: f64 = 0.15;
/// … at least this share `medium`; any less (but some) `low`.
pub const MEDIUM_SHARE: f64 = 0.05;
/// Example comment ids per code, category and theme.
pub const EXAMPLES: usize = 3;
/// Places listed per metric.
pub const TOP_PLACES: usize = 5;
/// Fewest ratings of a metric for a place to be ranked in a range …
pub const MIN_RANKED: usize = 3;
/// … and fewest in each half of the range for its trend.
pub const MIN_TREND: usize = 2;

/// A visible rating in the range.
#[derive(Clone, Debug)]
pub struct RatingRow {
    pub id: String,
    pub place_id: String,
    pub overall: i32,
    pub value_for_money: Option<i32>,
    pub crowding: Option<i32>,
    pub findability: Option<i32>,
    pub photos_ok: Option<bool>,
    /// Codes of the comment (empty when there is no visible comment).
    pub codes: Vec<String>,
    pub has_comment: bool,
    pub at: DateTime<Utc>,
}

/// A visible plan feedback in the range.
#[derive(Clone, Debug)]
pub struct PlanFeedbackRow {
    pub id: String,
    pub plan_id: String,
    pub snapshot_version: i64,
    pub followed: Followed,
    pub overall: i32,
    /// Skipped stops: (place, reason).
    pub skipped: Vec<(String, SkipReason)>,
    pub codes: Vec<String>,
    pub has_comment: bool,
    pub at: DateTime<Utc>,
}

/// A published snapshot version.
#[derive(Clone, Debug, Serialize)]
pub struct Publication {
    pub version: i64,
    pub reason: PublicationReason,
    pub published_at: String,
}

/// Everything the insights are computed from.
pub struct Input<'a> {
    pub data: &'a SiteData,
    pub lang: Lang,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub ratings: Vec<RatingRow>,
    pub plan_feedback: Vec<PlanFeedbackRow>,
    /// Plans created per snapshot version in the range.
    pub plans_per_version: BTreeMap<i64, i64>,
    pub publications: Vec<Publication>,
    /// Places the planner currently treats as hard to find: (place, findability, signals,
    /// could-not-find skips), from the all-time aggregates.
    pub hard_to_find: Vec<(String, f64, f64, i64)>,
}

/// The grade of a share of commented feedback, on the study's frequency scale.
pub fn grade(share: f64) -> Frequency {
    if share >= HIGH_SHARE {
        Frequency::High
    } else if share >= MEDIUM_SHARE {
        Frequency::Medium
    } else {
        Frequency::Low
    }
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn r3(x: Option<f64>) -> Option<f64> {
    x.map(round3)
}

/// A comment as the coding sees it: id, codes, time.
struct Coded<'a> {
    id: &'a str,
    codes: &'a [String],
    at: DateTime<Utc>,
}

fn coded<'a>(input: &'a Input) -> Vec<Coded<'a>> {
    let coded = |id: &'a str, codes: &'a [String], at, has_comment: bool| {
        has_comment.then_some(Coded { id, codes, at })
    };
    let mut v: Vec<Coded> = input
        .ratings
        .iter()
        .filter_map(|r| coded(&r.id, &r.codes, r.at, r.has_comment))
        .chain(
            input
                .plan_feedback
                .iter()
                .filter_map(|f| coded(&f.id, &f.codes, f.at, f.has_comment)),
        )
        .collect();
    // Most recent first, so examples are fresh.
    v.sort_by(|a, b| b.at.cmp(&a.at).then(a.id.cmp(b.id)));
    v
}

fn sentiment_counts<'a>(comments: &[&Coded<'a>], codes: &BTreeSet<&str>, input: &Input) -> Value {
    let mut s: BTreeMap<&str, i64> = Sentiment::ALL.iter().map(|x| (x.as_str(), 0)).collect();
    for c in comments {
        for code in c.codes.iter().filter(|x| codes.contains(x.as_str())) {
            if let Some(cb) = input.data.codebook.codes.iter().find(|k| &k.id == code) {
                *s.entry(cb.sentiment.as_str()).or_default() += 1;
            }
        }
    }
    json!(s)
}

/// The insights document.
pub fn insights(input: &Input) -> Value {
    let tally = Tally::new(coded(input));
    json!({
        "site": input.data.site.id,
        "from": input.from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "to": input.to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "totals": {
            "ratings": input.ratings.len(),
            "plan_feedback": input.plan_feedback.len(),
            "comments": tally.comments.len(),
            "coded_comments": tally.comments.iter().filter(|c| !c.codes.is_empty()).count(),
        },
        "codes": code_table(input, &tally),
        "categories": category_table(input, &tally),
        "themes": theme_table(input, &tally),
        "places": place_metrics(input),
        "hard_to_find": hard_to_find(input),
        "plan_outcomes": plan_outcomes(input),
    })
}

/// The coded comments of a range, and how to count them.
struct Tally<'a> {
    comments: Vec<Coded<'a>>,
}

impl<'a> Tally<'a> {
    fn new(comments: Vec<Coded<'a>>) -> Tally<'a> {
        Tally { comments }
    }

    /// `n` as a share of all comments (3 decimals).
    fn share(&self, n: usize) -> f64 {
        if self.comments.is_empty() {
            0.0
        } else {
            round3(n as f64 / self.comments.len() as f64)
        }
    }

    /// The comments coded with `code`.
    fn with_code(&self, code: &str) -> Vec<&Coded<'a>> {
        self.comments
            .iter()
            .filter(|c| c.codes.iter().any(|x| x == code))
            .collect()
    }

    /// The comments coded with any of `codes`.
    fn with_any(&self, codes: &BTreeSet<&str>) -> Vec<&Coded<'a>> {
        self.comments
            .iter()
            .filter(|c| c.codes.iter().any(|x| codes.contains(x.as_str())))
            .collect()
    }

    /// The ids of the first few comments, as examples.
    fn examples(v: &[&Coded]) -> Vec<String> {
        v.iter().take(EXAMPLES).map(|c| c.id.to_string()).collect()
    }
}

/// The ids of the codes of a category.
fn codes_of<'c>(cb: &'c crate::domain::Codebook, cat: &str) -> BTreeSet<&'c str> {
    cb.codes
        .iter()
        .filter(|c| c.category == cat)
        .map(|c| c.id.as_str())
        .collect()
}

/// Table 3 of the study: the open codes found, most frequent first, graded like the study.
fn code_table(input: &Input, tally: &Tally) -> Vec<Value> {
    let (lang, cb) = (input.lang, &input.data.codebook);
    let mut codes: Vec<Value> = cb
        .codes
        .iter()
        .filter_map(|c| {
            let hits = tally.with_code(&c.id);
            (!hits.is_empty()).then(|| {
                json!({
                    "id": c.id,
                    "name": lang.pick(&c.name),
                    "category": c.category,
                    "sentiment": c.sentiment,
                    "count": hits.len(),
                    "share": tally.share(hits.len()),
                    "grade": grade(tally.share(hits.len())),
                    "study_frequency": c.frequency,
                    "example_comment_ids": Tally::examples(&hits),
                })
            })
        })
        .collect();
    codes.sort_by(|a, b| {
        b["count"]
            .as_u64()
            .cmp(&a["count"].as_u64())
            .then(a["id"].as_str().cmp(&b["id"].as_str()))
    });
    codes
}

/// Table 4: the axial categories, with their codes and sentiments.
fn category_table(input: &Input, tally: &Tally) -> Vec<Value> {
    let (lang, cb) = (input.lang, &input.data.codebook);
    let categories: Vec<Value> = cb
        .categories
        .iter()
        .map(|cat| {
            let set = codes_of(cb, &cat.id);
            let hits = tally.with_any(&set);
            let sub: Vec<Value> = cb
                .codes
                .iter()
                .filter(|c| c.category == cat.id)
                .map(|c| json!({"id": c.id, "name": lang.pick(&c.name), "count": tally.with_code(&c.id).len()}))
                .filter(|v| v["count"].as_u64() > Some(0))
                .collect();
            json!({
                "id": cat.id,
                "name": lang.pick(&cat.name),
                "count": hits.len(),
                "share": tally.share(hits.len()),
                "codes": sub,
                "sentiment": sentiment_counts(&hits, &set, input),
                "example_comment_ids": Tally::examples(&hits),
            })
        })
        .collect();
    categories
}

/// Table 5: the core themes over their categories' codes.
fn theme_table(input: &Input, tally: &Tally) -> Vec<Value> {
    let (lang, cb) = (input.lang, &input.data.codebook);
    let themes: Vec<Value> = cb
        .themes
        .iter()
        .map(|t| {
            let set: BTreeSet<&str> = t.categories.iter().flat_map(|c| codes_of(cb, c)).collect();
            let hits = tally.with_any(&set);
            json!({
                "id": t.id,
                "name": lang.pick(&t.name),
                "categories": t.categories,
                "count": hits.len(),
                "share": tally.share(hits.len()),
                "sentiment": sentiment_counts(&hits, &set, input),
                "example_comment_ids": Tally::examples(&hits),
            })
        })
        .collect();
    themes
}

/// The metrics ranked per place: name, how to read a rating's value, whether higher is better.
const METRICS: [(&str, bool); 3] = [
    ("value_for_money", true),
    ("findability", true),
    ("crowding", false),
];

fn metric_value(r: &RatingRow, metric: &str) -> Option<f64> {
    match metric {
        "value_for_money" => r.value_for_money,
        "findability" => r.findability,
        _ => r.crowding,
    }
    .map(f64::from)
}

fn place_name(input: &Input, id: &str) -> String {
    input
        .data
        .places
        .iter()
        .find(|p| p.id == id)
        .map(|p| input.lang.pick(&p.name).to_string())
        .unwrap_or_else(|| id.to_string())
}

/// A metric's values for one place: over the whole range, its first half and its second half.
type Halves = (Vec<f64>, Vec<f64>, Vec<f64>);

fn place_metrics(input: &Input) -> Value {
    let mid = input.from + (input.to - input.from) / 2;
    let mut out = serde_json::Map::new();
    for (metric, higher_better) in METRICS {
        // place → (all, first half, second half)
        let mut per: BTreeMap<&str, Halves> = BTreeMap::new();
        for r in &input.ratings {
            if let Some(v) = metric_value(r, metric) {
                let e = per.entry(&r.place_id).or_default();
                e.0.push(v);
                if r.at < mid {
                    e.1.push(v);
                } else {
                    e.2.push(v);
                }
            }
        }
        let mut worst: Vec<(f64, Value)> = Vec::new();
        let mut worsening: Vec<(f64, Value)> = Vec::new();
        for (place, (all, first, second)) in &per {
            let m = mean(all).expect("non-empty");
            let trend = (first.len() >= MIN_TREND && second.len() >= MIN_TREND)
                .then(|| mean(second).unwrap() - mean(first).unwrap());
            let entry = json!({
                "place_id": place,
                "name": place_name(input, place),
                "n": all.len(),
                "mean": round3(m),
                "first_half_mean": r3(mean(first)),
                "second_half_mean": r3(mean(second)),
                "change": r3(trend),
            });
            let badness = if higher_better { -m } else { m };
            if all.len() >= MIN_RANKED {
                worst.push((badness, entry.clone()));
            }
            if let Some(t) = trend {
                let worse_by = if higher_better { -t } else { t };
                if worse_by > 0.0 {
                    worsening.push((worse_by, entry));
                }
            }
        }
        let top = |mut v: Vec<(f64, Value)>| -> Vec<Value> {
            v.sort_by(|a, b| b.0.total_cmp(&a.0));
            v.into_iter().take(TOP_PLACES).map(|(_, e)| e).collect()
        };
        out.insert(
            metric.to_string(),
            json!({
                "better": if higher_better { "higher" } else { "lower" },
                "worst": top(worst),
                "fastest_worsening": top(worsening),
            }),
        );
    }
    Value::Object(out)
}

fn hard_to_find(input: &Input) -> Value {
    let mut cnf_in_range: BTreeMap<&str, i64> = BTreeMap::new();
    for f in &input.plan_feedback {
        for (p, r) in &f.skipped {
            if *r == SkipReason::CouldNotFind {
                *cnf_in_range.entry(p.as_str()).or_default() += 1;
            }
        }
    }
    let v: Vec<Value> = input
        .hard_to_find
        .iter()
        .map(|(p, f, n, cnf)| {
            json!({
                "place_id": p,
                "name": place_name(input, p),
                "findability": round3(*f),
                "signals": n,
                "could_not_find_skips": cnf,
                "could_not_find_skips_in_range": cnf_in_range.get(p.as_str()).copied().unwrap_or(0),
                "directions_add_landmark_hints": true,
            })
        })
        .collect();
    json!(v)
}

/// Reasons by count, most first (ties by name).
fn top_reasons(counts: &BTreeMap<SkipReason, i64>) -> Vec<Value> {
    let mut v: Vec<(&SkipReason, &i64)> = counts.iter().filter(|(_, n)| **n > 0).collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.as_str().cmp(b.0.as_str())));
    v.into_iter()
        .map(|(r, n)| json!({"reason": r, "count": n}))
        .collect()
}

fn plan_outcomes(input: &Input) -> Value {
    let mut versions: BTreeSet<i64> = input.plans_per_version.keys().copied().collect();
    versions.extend(input.plan_feedback.iter().map(|f| f.snapshot_version));
    let mut v: Vec<Value> = versions
        .into_iter()
        .map(|ver| {
            let fb: Vec<&PlanFeedbackRow> = input
                .plan_feedback
                .iter()
                .filter(|f| f.snapshot_version == ver)
                .collect();
            let n = fb.len();
            let share_of = |what: Followed| {
                (n > 0).then(|| round3(fb.iter().filter(|f| f.followed == what).count() as f64 / n as f64))
            };
            let mut reasons: BTreeMap<SkipReason, i64> = BTreeMap::new();
            let mut places: BTreeMap<(&str, &str), i64> = BTreeMap::new();
            for f in &fb {
                for (p, r) in &f.skipped {
                    *reasons.entry(*r).or_default() += 1;
                    *places.entry((p.as_str(), r.as_str())).or_default() += 1;
                }
            }
            let mut top_places: Vec<(&(&str, &str), &i64)> = places.iter().collect();
            top_places.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let publication = input.publications.iter().find(|p| p.version == ver);
            json!({
                "snapshot_version": ver,
                "published_at": publication.map(|p| p.published_at.clone()),
                "reason": publication.map(|p| p.reason),
                "plans": input.plans_per_version.get(&ver).copied().unwrap_or(0),
                "feedback": n,
                "mean_overall": r3(mean(&fb.iter().map(|f| f.overall as f64).collect::<Vec<_>>())),
                "share_followed": share_of(Followed::All),
                "share_partly": share_of(Followed::Partly),
                "share_not_followed": share_of(Followed::Not),
                "top_skip_reasons": top_reasons(&reasons),
                "top_skipped_places": top_places.into_iter().take(TOP_PLACES).map(|((p, r), c)| json!({
                    "place_id": p, "name": place_name(input, p), "reason": r, "count": c
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    // Whether a version did better than the one before it (with feedback on both).
    let mut previous: Option<(f64, f64)> = None;
    for o in v.iter_mut() {
        let now = o["mean_overall"].as_f64().zip(o["share_followed"].as_f64());
        o["change_from_previous"] = match (previous, now) {
            (Some((pm, ps)), Some((m, s))) => json!({
                "mean_overall": round3(m - pm),
                "share_followed": round3(s - ps),
            }),
            _ => Value::Null,
        };
        if now.is_some() {
            previous = now;
        }
    }
    json!(v)
}

/// The Monday (site-local date) of the week an instant falls in.
pub fn week_start(t: DateTime<Utc>, offset: FixedOffset) -> NaiveDate {
    let d = t.with_timezone(&offset).date_naive();
    d - Duration::days(d.weekday().num_days_from_monday() as i64)
}

/// Columns of the weekly series, in CSV order (then one `code:<id>` column per code).
pub const WEEKLY_COLUMNS: [&str; 17] = [
    "week_start",
    "ratings",
    "mean_overall",
    "mean_value_for_money",
    "mean_findability",
    "mean_crowding",
    "photo_success",
    "comments",
    "plan_feedback",
    "mean_plan_overall",
    "share_followed",
    "skip_closed",
    "skip_crowded",
    "skip_could_not_find",
    "skip_not_interesting",
    "skip_no_time",
    "plans",
];

/// One row per week of the range (site-local Mondays), the figures of each week.
/// `plans_per_week` counts plans created per week start.
pub fn weekly(
    input: &Input,
    offset: FixedOffset,
    plans_per_week: &BTreeMap<NaiveDate, i64>,
) -> Vec<BTreeMap<String, Value>> {
    let first = week_start(input.from, offset);
    let last = week_start(input.to - Duration::milliseconds(1), offset);
    let mut rows = Vec::new();
    let mut wk = first;
    while wk <= last {
        let in_week = |t: DateTime<Utc>| week_start(t, offset) == wk;
        let rs: Vec<&RatingRow> = input.ratings.iter().filter(|r| in_week(r.at)).collect();
        let fs: Vec<&PlanFeedbackRow> = input
            .plan_feedback
            .iter()
            .filter(|f| in_week(f.at))
            .collect();
        let m = |f: &dyn Fn(&RatingRow) -> Option<f64>| {
            json!(r3(mean(
                &rs.iter().filter_map(|r| f(r)).collect::<Vec<_>>()
            )))
        };
        let mut row: BTreeMap<String, Value> = BTreeMap::new();
        row.insert("week_start".into(), json!(wk.to_string()));
        row.insert("ratings".into(), json!(rs.len()));
        row.insert("mean_overall".into(), m(&|r| Some(r.overall as f64)));
        row.insert(
            "mean_value_for_money".into(),
            m(&|r| r.value_for_money.map(f64::from)),
        );
        row.insert(
            "mean_findability".into(),
            m(&|r| r.findability.map(f64::from)),
        );
        row.insert("mean_crowding".into(), m(&|r| r.crowding.map(f64::from)));
        row.insert(
            "photo_success".into(),
            m(&|r| r.photos_ok.map(|b| if b { 1.0 } else { 0.0 })),
        );
        row.insert(
            "comments".into(),
            json!(
                rs.iter().filter(|r| r.has_comment).count()
                    + fs.iter().filter(|f| f.has_comment).count()
            ),
        );
        row.insert("plan_feedback".into(), json!(fs.len()));
        row.insert(
            "mean_plan_overall".into(),
            json!(r3(mean(
                &fs.iter().map(|f| f.overall as f64).collect::<Vec<_>>()
            ))),
        );
        row.insert(
            "share_followed".into(),
            json!((!fs.is_empty()).then(|| round3(
                fs.iter().filter(|f| f.followed == Followed::All).count() as f64 / fs.len() as f64
            ))),
        );
        for &reason in SkipReason::ALL {
            let n: usize = fs
                .iter()
                .map(|f| f.skipped.iter().filter(|(_, r)| *r == reason).count())
                .sum();
            row.insert(format!("skip_{reason}"), json!(n));
        }
        row.insert(
            "plans".into(),
            json!(plans_per_week.get(&wk).copied().unwrap_or(0)),
        );
        for c in &input.data.codebook.codes {
            let n = rs
                .iter()
                .map(|r| &r.codes)
                .chain(fs.iter().map(|f| &f.codes))
                .filter(|codes| codes.contains(&c.id))
                .count();
            row.insert(format!("code:{}", c.id), json!(n));
        }
        rows.push(row);
        wk += Duration::days(7);
    }
    rows
}

/// The weekly series as CSV (RFC 4180; empty cells for missing means).
pub fn weekly_csv(rows: &[BTreeMap<String, Value>], code_ids: &[String]) -> String {
    let mut cols: Vec<String> = WEEKLY_COLUMNS.iter().map(|s| s.to_string()).collect();
    cols.extend(code_ids.iter().map(|c| format!("code:{c}")));
    let mut out = cols
        .iter()
        .map(|c| csv_field(c))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    for r in rows {
        let line = cols
            .iter()
            .map(|c| match r.get(c) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => csv_field(s),
                Some(v) => v.to_string(),
            })
            .collect::<Vec<_>>()
            .join(",");
        out.push_str(&line);
        out.push_str("\r\n");
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feedback(id: &str, version: i64, followed: Followed, overall: i32) -> PlanFeedbackRow {
        PlanFeedbackRow {
            id: id.into(),
            plan_id: format!("plan-{id}"),
            snapshot_version: version,
            followed,
            overall,
            skipped: if followed == Followed::All {
                vec![]
            } else {
                vec![("memory-terrace".into(), SkipReason::CouldNotFind)]
            },
            codes: vec![],
            has_comment: false,
            at: Utc::now(),
        }
    }

    #[test]
    fn plan_outcomes_compare_each_version_with_the_one_before() {
        let data = crate::seed::parse(&crate::seed::SeedFiles::embedded()).unwrap();
        let input = Input {
            data: &data,
            lang: Lang::En,
            from: Utc::now() - Duration::days(30),
            to: Utc::now(),
            ratings: vec![],
            plan_feedback: vec![
                feedback("a", 3, Followed::Partly, 2),
                feedback("b", 3, Followed::All, 4),
                feedback("c", 5, Followed::All, 5),
                feedback("d", 5, Followed::All, 4),
            ],
            plans_per_version: BTreeMap::from([(3, 10), (4, 2), (5, 8)]),
            publications: vec![],
            hard_to_find: vec![],
        };
        let out = plan_outcomes(&input);
        let v = out.as_array().unwrap();
        assert_eq!(v.len(), 3, "versions with plans or feedback");
        assert_eq!(v[0]["snapshot_version"], 3);
        assert_eq!(v[0]["mean_overall"], 3.0);
        assert_eq!(v[0]["share_followed"], 0.5);
        assert_eq!(v[0]["top_skip_reasons"][0]["reason"], "could_not_find");
        assert_eq!(v[0]["change_from_previous"], Value::Null);
        assert_eq!(v[1]["feedback"], 0);
        assert_eq!(v[1]["plans"], 2);
        assert_eq!(v[1]["change_from_previous"], Value::Null);
        assert_eq!(v[2]["change_from_previous"]["mean_overall"], 1.5);
        assert_eq!(v[2]["change_from_previous"]["share_followed"], 0.5);
    }

    #[test]
    fn grades_like_table_three() {
        assert_eq!(grade(0.4).as_str(), "high");
        assert_eq!(grade(0.15).as_str(), "high");
        assert_eq!(grade(0.07).as_str(), "medium");
        assert_eq!(grade(0.01).as_str(), "low");
    }

    #[test]
    fn weeks_start_on_site_local_mondays() {
        let off = FixedOffset::east_opt(8 * 3600).unwrap();
        // Sunday 2026-05-17 20:00 UTC is Monday 04:00 in Chongqing.
        let t = DateTime::parse_from_rfc3339("2026-05-17T20:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(week_start(t, off).to_string(), "2026-05-18");
        let t = DateTime::parse_from_rfc3339("2026-05-17T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(week_start(t, off).to_string(), "2026-05-11");
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let mut r = BTreeMap::new();
        r.insert("week_start".to_string(), json!("2026-05-11"));
        r.insert("ratings".to_string(), json!(3));
        r.insert("mean_overall".to_string(), Value::Null);
        r.insert("code:a,b".to_string(), json!(1));
        let csv = weekly_csv(&[r], &["a,b".to_string()]);
        let mut lines = csv.split("\r\n");
        let head = lines.next().unwrap();
        assert!(head.starts_with("week_start,ratings,mean_overall,"));
        assert!(head.ends_with(",\"code:a,b\""));
        let row = lines.next().unwrap();
        assert!(row.starts_with("2026-05-11,3,,"), "{row}");
        assert!(row.ends_with(",1"));
    }
}
