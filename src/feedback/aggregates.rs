//! Aggregates of visitors' feedback, kept as integer counters so that updating them one write at
//! a time and rebuilding them from the raw rows give identical numbers.
//!
//! A rating contributes to its place's counters (and, when it reports crowding, to one hour of the
//! week); a plan feedback contributes skip counts to the places of the skipped stops (a `crowded`
//! skip also reports crowding 5 at the stop's planned hour). A hidden rating or feedback
//! contributes nothing. A write applies `contribution(new) − contribution(old)`.
//!
//! The planner reads [`PlaceStats`] derived from the counters: nothing is reported for a signal
//! with fewer than [`MIN_SIGNALS`] answers, so a place with too few ratings plans exactly as if it
//! had none.

use super::SkipReason;
use crate::domain::{Codebook, Frequency, Place, SiteData};
use planner::model::PlaceStats;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// Hourly slots of a week (Monday 00h … Sunday 23h).
pub const SLOTS: usize = 168;
/// Fewest answers for a signal (overall score, value for money, findability, photo success,
/// crowding) to reach the planner.
pub const MIN_SIGNALS: i64 = planner::model::MIN_EVIDENCE as i64;
/// Crowding assumed for an hour nobody reported: "a few people" on the 1 (empty) … 5 (packed)
/// scale, so the planner's penalty at unreported hours stays small and a reported peak stands
/// out.
pub const NEUTRAL_CROWDING: f64 = 2.0;
/// Weight, in reports, of [`NEUTRAL_CROWDING`] in each hour's crowding.
pub const SLOT_PRIOR_WEIGHT: f64 = 2.0;
/// Crowding a `crowded` skip reports at the stop's planned hour.
pub const CROWDED_SKIP_VALUE: i64 = 5;
/// Findability a `could_not_find` skip counts as.
pub const COULD_NOT_FIND_VALUE: i64 = 1;
/// The planner's rule for extra landmark hints in directions: a findability below this …
pub const HINT_BELOW_FINDABILITY: f64 = planner::LOW_FINDABILITY;
/// … from at least this many ratings and could-not-find reports.
pub const HINT_MIN_COUNT: u32 = planner::MIN_FINDABILITY_RATINGS;

/// Counters of one place.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Counters {
    pub ratings_n: i64,
    pub overall_sum: i64,
    pub vfm_n: i64,
    pub vfm_sum: i64,
    pub find_n: i64,
    pub find_sum: i64,
    pub photo_n: i64,
    pub photo_ok_n: i64,
    pub crowd_n: i64,
    pub crowd_sum: i64,
    /// Skips per reason, at [`SkipReason::index`].
    pub skips: [i64; SkipReason::ALL.len()],
}

impl Counters {
    /// Adds `sign × other`.
    pub fn add(&mut self, o: &Counters, sign: i64) {
        self.ratings_n += sign * o.ratings_n;
        self.overall_sum += sign * o.overall_sum;
        self.vfm_n += sign * o.vfm_n;
        self.vfm_sum += sign * o.vfm_sum;
        self.find_n += sign * o.find_n;
        self.find_sum += sign * o.find_sum;
        self.photo_n += sign * o.photo_n;
        self.photo_ok_n += sign * o.photo_ok_n;
        self.crowd_n += sign * o.crowd_n;
        self.crowd_sum += sign * o.crowd_sum;
        for (a, b) in self.skips.iter_mut().zip(o.skips) {
            *a += sign * b;
        }
    }

    pub fn is_zero(&self) -> bool {
        *self == Counters::default()
    }

    pub fn could_not_find(&self) -> i64 {
        self.skips[SkipReason::CouldNotFind.index()]
    }
}

/// Crowding reports of one place at one hour of the week: how many, and the sum of their values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct SlotCounts {
    pub n: i64,
    pub total: i64,
}

/// The aggregates of one site (or a change to them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SiteAggregates {
    pub places: BTreeMap<String, Counters>,
    pub crowding: BTreeMap<(String, u8), SlotCounts>,
}

impl SiteAggregates {
    /// Adds `sign × other`, dropping entries that become zero.
    pub fn add(&mut self, other: &SiteAggregates, sign: i64) {
        for (p, c) in &other.places {
            let e = self.places.entry(p.clone()).or_default();
            e.add(c, sign);
            if e.is_zero() {
                self.places.remove(p);
            }
        }
        for (k, s) in &other.crowding {
            let e = self.crowding.entry(k.clone()).or_default();
            e.n += sign * s.n;
            e.total += sign * s.total;
            if *e == SlotCounts::default() {
                self.crowding.remove(k);
            }
        }
    }

    /// `new − old`: what a write changes.
    pub fn delta(new: &SiteAggregates, old: &SiteAggregates) -> SiteAggregates {
        let mut d = new.clone();
        d.add(old, -1);
        d
    }

    /// Without all-zero entries (stored rows may be zero after hides and replacements).
    pub fn normalized(mut self) -> SiteAggregates {
        self.places.retain(|_, c| !c.is_zero());
        self.crowding.retain(|_, s| *s != SlotCounts::default());
        self
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty() && self.crowding.is_empty()
    }

    fn report_crowding(&mut self, place: &str, slot: Option<u8>, value: i64) {
        let c = self.places.entry(place.to_string()).or_default();
        c.crowd_n += 1;
        c.crowd_sum += value;
        if let Some(s) = slot {
            let e = self.crowding.entry((place.to_string(), s)).or_default();
            e.n += 1;
            e.total += value;
        }
    }
}

/// What of a rating counts in the aggregates.
#[derive(Clone, Debug, PartialEq)]
pub struct RatingFacts {
    pub place_id: String,
    pub overall: i32,
    pub value_for_money: Option<i32>,
    pub crowding: Option<i32>,
    pub findability: Option<i32>,
    pub photos_ok: Option<bool>,
    /// Hour of the week the crowding report applies to.
    pub crowd_slot: Option<u8>,
    pub hidden: bool,
}

/// A skipped stop of a plan feedback.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SkipFacts {
    pub place_id: String,
    pub reason: SkipReason,
    /// Hour of the week the stop was planned at.
    #[serde(default)]
    pub slot: Option<u8>,
}

/// What one rating adds to the aggregates (nothing when hidden).
pub fn rating_contribution(r: &RatingFacts) -> SiteAggregates {
    let mut a = SiteAggregates::default();
    if r.hidden {
        return a;
    }
    let c = a.places.entry(r.place_id.clone()).or_default();
    c.ratings_n = 1;
    c.overall_sum = r.overall as i64;
    if let Some(v) = r.value_for_money {
        c.vfm_n = 1;
        c.vfm_sum = v as i64;
    }
    if let Some(v) = r.findability {
        c.find_n = 1;
        c.find_sum = v as i64;
    }
    if let Some(ok) = r.photos_ok {
        c.photo_n = 1;
        c.photo_ok_n = ok as i64;
    }
    if let Some(v) = r.crowding {
        a.report_crowding(&r.place_id, r.crowd_slot, v as i64);
    }
    a
}

/// What one plan feedback adds to the aggregates (nothing when hidden).
pub fn plan_feedback_contribution(skips: &[SkipFacts], hidden: bool) -> SiteAggregates {
    let mut a = SiteAggregates::default();
    if hidden {
        return a;
    }
    for s in skips {
        a.places.entry(s.place_id.clone()).or_default().skips[s.reason.index()] += 1;
        if s.reason == SkipReason::Crowded {
            a.report_crowding(&s.place_id, s.slot, CROWDED_SKIP_VALUE);
        }
    }
    a
}

/// The prior of a place's Bayesian mean: what the study leads one to expect before any rating,
/// and how many ratings that expectation is worth.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prior {
    /// Expected overall score, 1..5: `3 + 1.5 × popularity`.
    pub mean: f64,
    /// Pseudo-ratings: 10 when the place carries an open code the study rates high-frequency,
    /// 6 for medium, 3 otherwise.
    pub weight: f64,
}

/// The prior of a place from its popularity and the study frequency of its codes.
pub fn prior_for(place: &Place, codebook: &Codebook) -> Prior {
    let weight = place
        .tags
        .iter()
        .filter_map(|t| codebook.codes.iter().find(|c| &c.id == t))
        .map(|c| c.frequency.prior_weight())
        .fold(Frequency::Low.prior_weight(), f64::max);
    Prior {
        mean: 3.0 + 1.5 * place.popularity.clamp(0.0, 1.0),
        weight,
    }
}

/// The Bayesian mean of `overall`: `(prior.mean × prior.weight + sum) / (prior.weight + n)`.
pub fn bayesian_mean(prior: Prior, n: i64, sum: i64) -> f64 {
    (prior.mean * prior.weight + sum as f64) / (prior.weight + n as f64)
}

/// The planner's view of one place, or `None` when no signal has enough answers.
pub fn place_stats(c: &Counters, slots: &[(u8, SlotCounts)], prior: Prior) -> Option<PlaceStats> {
    let mean = |n: i64, sum: i64| (n >= MIN_SIGNALS).then(|| sum as f64 / n as f64);
    let find_n = c.find_n + c.could_not_find();
    let find_sum = c.find_sum + COULD_NOT_FIND_VALUE * c.could_not_find();
    let s = PlaceStats {
        count: (c.ratings_n + c.could_not_find()).max(0) as u32,
        score: (c.ratings_n >= MIN_SIGNALS)
            .then(|| bayesian_mean(prior, c.ratings_n, c.overall_sum)),
        value_for_money: mean(c.vfm_n, c.vfm_sum),
        findability: mean(find_n, find_sum),
        photo_success: mean(c.photo_n, c.photo_ok_n),
        crowding_by_hour: (c.crowd_n >= MIN_SIGNALS).then(|| crowding_by_hour(slots)),
        ..PlaceStats::default()
    };
    let any = s.score.is_some()
        || s.value_for_money.is_some()
        || s.findability.is_some()
        || s.photo_success.is_some()
        || s.crowding_by_hour.is_some();
    any.then_some(s)
}

/// 168 hourly values: each hour's reports pulled toward [`NEUTRAL_CROWDING`] by
/// [`SLOT_PRIOR_WEIGHT`] pseudo-reports.
pub fn crowding_by_hour(slots: &[(u8, SlotCounts)]) -> Vec<f64> {
    let mut v = vec![NEUTRAL_CROWDING; SLOTS];
    for (slot, s) in slots {
        if let Some(x) = v.get_mut(*slot as usize) {
            *x = (s.total as f64 + SLOT_PRIOR_WEIGHT * NEUTRAL_CROWDING)
                / (s.n as f64 + SLOT_PRIOR_WEIGHT);
        }
    }
    v
}

/// The planner's input for a whole site: stats for every place with enough feedback.
pub fn site_stats(data: &SiteData, agg: &SiteAggregates) -> HashMap<String, PlaceStats> {
    let mut slots: HashMap<&str, Vec<(u8, SlotCounts)>> = HashMap::new();
    for ((p, s), c) in &agg.crowding {
        slots.entry(p.as_str()).or_default().push((*s, *c));
    }
    let mut out = HashMap::new();
    for place in &data.places {
        let Some(c) = agg.places.get(&place.id) else {
            continue;
        };
        let prior = prior_for(place, &data.codebook);
        let sl = slots
            .get(place.id.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if let Some(s) = place_stats(c, sl, prior) {
            out.insert(place.id.clone(), s);
        }
    }
    out
}

/// A short fingerprint of the planner's input (stable across map orders), to tell whether a new
/// snapshot would differ.
pub fn fingerprint(stats: &HashMap<String, PlaceStats>) -> String {
    let sorted: BTreeMap<&String, &PlaceStats> = stats.iter().collect();
    let bytes = serde_json::to_vec(&sorted).expect("stats serialise");
    hex::encode(&Sha256::digest(&bytes)[..12])
}

/// Names of the skip counters, for reports.
pub fn skip_counts(c: &Counters) -> BTreeMap<&'static str, i64> {
    SkipReason::ALL
        .iter()
        .map(|r| r.as_str())
        .zip(c.skips)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rating(place: &str, overall: i32) -> RatingFacts {
        RatingFacts {
            place_id: place.into(),
            overall,
            value_for_money: None,
            crowding: None,
            findability: None,
            photos_ok: None,
            crowd_slot: None,
            hidden: false,
        }
    }

    #[test]
    fn three_angry_ratings_do_not_sink_a_landmark() {
        let landmark = Prior {
            mean: 3.0 + 1.5 * 0.95,
            weight: 10.0,
        };
        let obscure = Prior {
            mean: 3.0 + 1.5 * 0.1,
            weight: 3.0,
        };
        let m = bayesian_mean(landmark, 3, 3);
        assert!(m > 3.5, "landmark keeps a good score: {m}");
        let o = bayesian_mean(obscure, 3, 3);
        assert!(o < 2.2, "an obscure place moves much more: {o}");
        // Many ratings outweigh the prior.
        let many = bayesian_mean(landmark, 200, 400);
        assert!((many - 2.0).abs() < 0.15, "{many}");
    }

    #[test]
    fn hidden_contributes_nothing_and_deltas_cancel() {
        let mut r = rating("a", 4);
        r.value_for_money = Some(2);
        r.crowding = Some(5);
        r.crowd_slot = Some(10);
        let c = rating_contribution(&r);
        assert_eq!(c.places["a"].vfm_sum, 2);
        assert_eq!(c.crowding[&("a".to_string(), 10)].total, 5);
        let mut h = r.clone();
        h.hidden = true;
        assert!(rating_contribution(&h).is_empty());
        let d = SiteAggregates::delta(&c, &c);
        assert!(d.is_empty());
        let mut total = SiteAggregates::default();
        total.add(&c, 1);
        total.add(&SiteAggregates::delta(&rating_contribution(&h), &c), 1);
        assert!(total.is_empty());
    }

    #[test]
    fn too_few_signals_reach_the_planner_as_nothing() {
        let mut agg = SiteAggregates::default();
        for _ in 0..(MIN_SIGNALS - 1) {
            let mut r = rating("a", 1);
            r.value_for_money = Some(1);
            r.findability = Some(1);
            r.crowding = Some(5);
            r.crowd_slot = Some(3);
            agg.add(&rating_contribution(&r), 1);
        }
        let prior = Prior {
            mean: 4.0,
            weight: 6.0,
        };
        let slots: Vec<_> = agg.crowding.iter().map(|((_, s), c)| (*s, *c)).collect();
        assert_eq!(place_stats(&agg.places["a"], &slots, prior), None);
        let mut r = rating("a", 1);
        r.value_for_money = Some(1);
        agg.add(&rating_contribution(&r), 1);
        let s = place_stats(&agg.places["a"], &slots, prior).unwrap();
        assert_eq!(s.count, 5);
        assert_eq!(s.value_for_money, Some(1.0));
        assert!(s.findability.is_none() && s.crowding_by_hour.is_none());
        assert!(s.score.unwrap() > 2.0);
    }

    #[test]
    fn skips_feed_findability_and_crowding() {
        let skips: Vec<SkipFacts> = (0..5)
            .map(|i| SkipFacts {
                place_id: "p".into(),
                reason: if i < 3 {
                    SkipReason::CouldNotFind
                } else {
                    SkipReason::Crowded
                },
                slot: Some(20),
            })
            .collect();
        let a = plan_feedback_contribution(&skips, false);
        let c = a.places["p"];
        assert_eq!(c.could_not_find(), 3);
        assert_eq!(c.crowd_n, 2);
        let mut agg = a.clone();
        for _ in 0..2 {
            let mut r = rating("p", 3);
            r.findability = Some(2);
            agg.add(&rating_contribution(&r), 1);
        }
        let s = place_stats(
            &agg.places["p"],
            &[],
            Prior {
                mean: 3.0,
                weight: 3.0,
            },
        )
        .unwrap();
        assert_eq!(s.count, 5);
        assert_eq!(s.findability, Some((3.0 + 4.0) / 5.0));
        assert!(plan_feedback_contribution(&skips, true).is_empty());
    }

    #[test]
    fn crowding_concentrates_at_the_reported_hour() {
        let v = crowding_by_hour(&[(14, SlotCounts { n: 6, total: 30 })]);
        assert_eq!(v.len(), SLOTS);
        assert!(v[14] > 4.2, "{}", v[14]);
        assert_eq!(v[15], NEUTRAL_CROWDING);
    }
}
