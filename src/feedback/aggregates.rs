//! Aggregates of visitors' feedback, kept as integer counters so that updating them one write at
//! a time and rebuilding them from the raw rows give identical numbers.
//!
//! Every answer carries an integer weight: [`FULL_WEIGHT`] when there is evidence the visitor
//! was there, less without. Per signal (overall score, value for money, findability, photo
//! success, crowding, and crowding per hour of the week) the counters keep the weights' sum, the
//! weighted sum of the answers and the weighted sum of their squares, from which the evidence, the
//! mean and the spread follow. A rating contributes to its place's counters; a plan feedback
//! contributes skip counts to the places of the skipped stops, a `could_not_find` skip reports
//! findability 1 and a `crowded` skip crowding 5 at the stop's planned hour. A hidden rating or
//! feedback contributes nothing. A write applies `contribution(new) − contribution(old)`.
//!
//! The planner reads [`PlaceStats`] derived from the counters; it applies the one
//! minimum-evidence rule ([`planner::model::Signal::known`]) itself, so a place with too little
//! evidence plans exactly as if it had none, while its posterior still guides exploration.

use super::SkipReason;
use crate::domain::{Codebook, Frequency, Place, SiteData};
use planner::model::{PlaceStats, ScorePrior, Signal};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// Hourly slots of a week (Monday 00h … Sunday 23h).
pub const SLOTS: usize = 168;
/// Fewest answers' worth of evidence for a signal to reach the planner: the planner's rule.
pub const MIN_SIGNALS: u32 = planner::model::MIN_EVIDENCE;
/// Weight of an answer with evidence of a visit; the evidence of a signal is its weights' sum
/// divided by this.
pub const FULL_WEIGHT: i64 = 4;
/// Weight of an answer without evidence of a visit: a quarter of one with it.
pub const UNVERIFIED_WEIGHT: i64 = 1;
/// Crowding a `crowded` skip reports at the stop's planned hour.
pub const CROWDED_SKIP_VALUE: i64 = 5;
/// Findability a `could_not_find` skip counts as.
pub const COULD_NOT_FIND_VALUE: i64 = 1;
/// The planner's rule for extra landmark hints in directions: a known findability below this.
pub const HINT_BELOW_FINDABILITY: f64 = planner::LOW_FINDABILITY;

/// Weighted moments of one signal's answers: `w = Σ weight`, `sum = Σ weight × value`,
/// `sq = Σ weight × value²`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Moments {
    pub w: i64,
    pub sum: i64,
    pub sq: i64,
}

impl Moments {
    /// One answer `value` of weight `weight`.
    pub fn one(weight: i64, value: i64) -> Moments {
        Moments {
            w: weight,
            sum: weight * value,
            sq: weight * value * value,
        }
    }

    /// Adds `sign × other`.
    pub fn add(&mut self, o: &Moments, sign: i64) {
        self.w += sign * o.w;
        self.sum += sign * o.sum;
        self.sq += sign * o.sq;
    }

    pub fn is_zero(&self) -> bool {
        *self == Moments::default()
    }

    /// The evidence (in verified answers), weighted mean and weighted standard deviation.
    pub fn signal(&self) -> Signal {
        if self.w <= 0 {
            return Signal::default();
        }
        let w = self.w as f64;
        let mean = self.sum as f64 / w;
        let var = (self.sq as f64 / w - mean * mean).max(0.0);
        Signal {
            n: w / FULL_WEIGHT as f64,
            mean,
            sd: var.sqrt(),
        }
    }
}

/// Counters of one place.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Counters {
    /// Ratings, a head count.
    pub ratings_n: i64,
    pub overall: Moments,
    pub vfm: Moments,
    /// Findability ratings and could-not-find skips.
    pub find: Moments,
    /// Photo success (1) or not (0).
    pub photo: Moments,
    /// Crowding ratings and crowded skips, all hours.
    pub crowd: Moments,
    /// Skips per reason (a head count), at [`SkipReason::index`].
    pub skips: [i64; SkipReason::ALL.len()],
}

impl Counters {
    /// Adds `sign × other`.
    pub fn add(&mut self, o: &Counters, sign: i64) {
        self.ratings_n += sign * o.ratings_n;
        self.overall.add(&o.overall, sign);
        self.vfm.add(&o.vfm, sign);
        self.find.add(&o.find, sign);
        self.photo.add(&o.photo, sign);
        self.crowd.add(&o.crowd, sign);
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

/// Crowding reports of one place at one hour of the week.
pub type SlotCounts = Moments;

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
            e.add(s, sign);
            if e.is_zero() {
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
        self.crowding.retain(|_, s| !s.is_zero());
        self
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty() && self.crowding.is_empty()
    }

    fn report_crowding(&mut self, place: &str, slot: Option<u8>, weight: i64, value: i64) {
        let one = Moments::one(weight, value);
        let c = self.places.entry(place.to_string()).or_default();
        c.crowd.add(&one, 1);
        if let Some(s) = slot {
            self.crowding
                .entry((place.to_string(), s))
                .or_default()
                .add(&one, 1);
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
    /// Weight of every answer of the rating ([`FULL_WEIGHT`] with evidence of a visit).
    pub weight: i64,
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
    /// The stop's local date (`YYYY-MM-DD`): one skip per visitor, place and day counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<String>,
    /// False when the visitor already skipped the place that day in another plan's feedback:
    /// the skip is kept but counts nothing.
    #[serde(
        default = "counts_by_default",
        skip_serializing_if = "counts_is_default"
    )]
    pub counts: bool,
}

fn counts_by_default() -> bool {
    true
}

fn counts_is_default(counts: &bool) -> bool {
    *counts
}

/// What one rating adds to the aggregates (nothing when hidden).
pub fn rating_contribution(r: &RatingFacts) -> SiteAggregates {
    let mut a = SiteAggregates::default();
    if r.hidden {
        return a;
    }
    let w = r.weight;
    let c = a.places.entry(r.place_id.clone()).or_default();
    c.ratings_n = 1;
    c.overall = Moments::one(w, r.overall.into());
    if let Some(v) = r.value_for_money {
        c.vfm = Moments::one(w, v.into());
    }
    if let Some(v) = r.findability {
        c.find = Moments::one(w, v.into());
    }
    if let Some(ok) = r.photos_ok {
        c.photo = Moments::one(w, ok.into());
    }
    if let Some(v) = r.crowding {
        a.report_crowding(&r.place_id, r.crowd_slot, w, v.into());
    }
    a
}

/// What one plan feedback of weight `weight` adds to the aggregates (nothing when hidden).
pub fn plan_feedback_contribution(
    skips: &[SkipFacts],
    weight: i64,
    hidden: bool,
) -> SiteAggregates {
    let mut a = SiteAggregates::default();
    if hidden {
        return a;
    }
    for s in skips.iter().filter(|s| s.counts) {
        let c = a.places.entry(s.place_id.clone()).or_default();
        c.skips[s.reason.index()] += 1;
        match s.reason {
            SkipReason::CouldNotFind => c.find.add(&Moments::one(weight, COULD_NOT_FIND_VALUE), 1),
            SkipReason::Crowded => {
                a.report_crowding(&s.place_id, s.slot, weight, CROWDED_SKIP_VALUE)
            }
            _ => {}
        }
    }
    a
}

/// The prior of a place's overall score: `3 + 1.5 × popularity`, worth 10 pseudo-ratings when
/// the place carries an open code the study rates high-frequency, 6 for medium, 3 otherwise.
pub fn prior_for(place: &Place, codebook: &Codebook) -> ScorePrior {
    let weight = place
        .tags
        .iter()
        .filter_map(|t| codebook.codes.iter().find(|c| &c.id == t))
        .map(|c| c.frequency.prior_weight())
        .fold(Frequency::Low.prior_weight(), f64::max);
    ScorePrior {
        mean: 3.0 + 1.5 * place.popularity.clamp(0.0, 1.0),
        weight,
    }
}

/// The planner's view of one place: every signal's evidence, mean and spread, the prior of its
/// score, and crowding per hour of the week (unknown at hours nobody reported).
pub fn place_stats(c: &Counters, slots: &[(u8, SlotCounts)], prior: ScorePrior) -> PlaceStats {
    let mut by_hour = Vec::new();
    if !slots.is_empty() {
        by_hour = vec![None; SLOTS];
        for (slot, m) in slots {
            if let Some(x) = by_hour.get_mut(*slot as usize) {
                *x = (m.w > 0).then(|| m.signal());
            }
        }
    }
    PlaceStats {
        count: c.ratings_n.max(0) as u32,
        overall: c.overall.signal(),
        prior: Some(prior),
        value_for_money: c.vfm.signal(),
        findability: c.find.signal(),
        photos: c.photo.signal(),
        crowding: c.crowd.signal(),
        crowding_by_hour: by_hour,
        ..PlaceStats::default()
    }
}

/// The planner's input for a whole site: stats for every place (the prior alone where nobody
/// answered yet).
pub fn site_stats(data: &SiteData, agg: &SiteAggregates) -> HashMap<String, PlaceStats> {
    let mut slots: HashMap<&str, Vec<(u8, SlotCounts)>> = HashMap::new();
    for ((p, s), c) in &agg.crowding {
        slots.entry(p.as_str()).or_default().push((*s, *c));
    }
    data.places
        .iter()
        .map(|place| {
            let c = agg.places.get(&place.id).copied().unwrap_or_default();
            let sl = slots
                .get(place.id.as_str())
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let prior = prior_for(place, &data.codebook);
            (place.id.clone(), place_stats(&c, sl, prior))
        })
        .collect()
}

/// Whether any visitor's answer reached a place's stats.
pub fn has_feedback(s: &PlaceStats) -> bool {
    [
        &s.overall,
        &s.value_for_money,
        &s.findability,
        &s.photos,
        &s.crowding,
    ]
    .iter()
    .any(|x| x.n > 0.0)
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
            weight: FULL_WEIGHT,
            hidden: false,
        }
    }

    fn stats_of(agg: &SiteAggregates, place: &str, prior: ScorePrior) -> PlaceStats {
        let slots: Vec<_> = agg
            .crowding
            .iter()
            .filter(|((p, _), _)| p == place)
            .map(|((_, s), c)| (*s, *c))
            .collect();
        let c = agg.places.get(place).copied().unwrap_or_default();
        place_stats(&c, &slots, prior)
    }

    fn add(agg: &mut SiteAggregates, r: &RatingFacts, times: usize) {
        for _ in 0..times {
            agg.add(&rating_contribution(r), 1);
        }
    }

    #[test]
    fn three_angry_ratings_do_not_sink_a_landmark() {
        let landmark = ScorePrior {
            mean: 3.0 + 1.5 * 0.95,
            weight: 10.0,
        };
        let obscure = ScorePrior {
            mean: 3.0 + 1.5 * 0.1,
            weight: 3.0,
        };
        let mut agg = SiteAggregates::default();
        add(&mut agg, &rating("a", 1), 3);
        let m = stats_of(&agg, "a", landmark).posterior().0;
        assert!(m > 3.5, "landmark keeps a good score: {m}");
        let o = stats_of(&agg, "a", obscure).posterior().0;
        assert!(o < 2.2, "an obscure place moves much more: {o}");
        // Below the minimum evidence the planner gets no score at all.
        assert_eq!(stats_of(&agg, "a", landmark).score(), None);
        // Many ratings outweigh the prior.
        add(&mut agg, &rating("a", 2), 197);
        let many = stats_of(&agg, "a", landmark).score().unwrap();
        assert!((many - 2.0).abs() < 0.15, "{many}");
    }

    #[test]
    fn hidden_contributes_nothing_and_deltas_cancel() {
        let mut r = rating("a", 4);
        r.value_for_money = Some(2);
        r.crowding = Some(5);
        r.crowd_slot = Some(10);
        let c = rating_contribution(&r);
        assert_eq!(c.places["a"].vfm.sum, 2 * FULL_WEIGHT);
        assert_eq!(c.crowding[&("a".to_string(), 10)].sq, 25 * FULL_WEIGHT);
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
    fn every_signal_keeps_its_own_evidence_and_spread() {
        let prior = ScorePrior {
            mean: 4.0,
            weight: 6.0,
        };
        let mut agg = SiteAggregates::default();
        for v in [1, 5, 1, 5] {
            let mut r = rating("a", v);
            r.value_for_money = Some(v);
            agg.add(&rating_contribution(&r), 1);
        }
        let s = stats_of(&agg, "a", prior);
        assert_eq!(s.overall.n, 4.0);
        assert_eq!(s.overall.mean, 3.0);
        assert!((s.overall.sd - 2.0).abs() < 1e-9, "{}", s.overall.sd);
        assert_eq!(s.value_for_money(), None, "four answers are not enough");
        assert_eq!(s.findability.n, 0.0);
        let mut r = rating("a", 3);
        r.value_for_money = Some(3);
        r.findability = Some(2);
        agg.add(&rating_contribution(&r), 1);
        let s = stats_of(&agg, "a", prior);
        assert_eq!(s.count, 5);
        assert_eq!(s.value_for_money(), Some(3.0));
        assert_eq!(s.findability.n, 1.0);
        assert!(s.findability().is_none() && s.crowding_by_hour.is_empty());
        assert!(s.score().is_some());
    }

    #[test]
    fn unverified_answers_weigh_a_quarter() {
        let mut agg = SiteAggregates::default();
        let mut r = rating("a", 1);
        r.weight = UNVERIFIED_WEIGHT;
        add(&mut agg, &r, 12);
        let prior = ScorePrior {
            mean: 4.0,
            weight: 6.0,
        };
        let s = stats_of(&agg, "a", prior);
        assert_eq!(s.count, 12, "the head count stays");
        assert_eq!(s.overall.n, 3.0);
        assert_eq!(
            s.score(),
            None,
            "twelve unverified ratings are three answers' evidence"
        );
        add(&mut agg, &r, 8);
        let s = stats_of(&agg, "a", prior);
        assert_eq!(s.overall.n, 5.0);
        let score = s.score().unwrap();
        assert!(
            (score - (4.0 * 6.0 + 5.0) / 11.0).abs() < 1e-9,
            "twenty unverified ones weigh as five against the prior's six: {score}"
        );
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
                day: None,
                counts: true,
            })
            .collect();
        let a = plan_feedback_contribution(&skips, FULL_WEIGHT, false);
        let c = a.places["p"];
        assert_eq!(c.could_not_find(), 3);
        assert_eq!(c.crowd.w, 2 * FULL_WEIGHT);
        let mut agg = a.clone();
        for _ in 0..2 {
            let mut r = rating("p", 3);
            r.findability = Some(4);
            agg.add(&rating_contribution(&r), 1);
        }
        let prior = ScorePrior {
            mean: 3.0,
            weight: 3.0,
        };
        let s = stats_of(&agg, "p", prior);
        assert_eq!(s.count, 2);
        assert_eq!(s.findability(), Some((3.0 + 8.0) / 5.0));
        assert!(plan_feedback_contribution(&skips, FULL_WEIGHT, true).is_empty());
    }

    #[test]
    fn crowding_is_known_only_at_reported_hours() {
        let mut agg = SiteAggregates::default();
        let mut r = rating("p", 3);
        r.crowding = Some(5);
        r.crowd_slot = Some(14);
        add(&mut agg, &r, 6);
        let s = stats_of(
            &agg,
            "p",
            ScorePrior {
                mean: 3.0,
                weight: 3.0,
            },
        );
        assert_eq!(s.crowding_by_hour.len(), SLOTS);
        let at = s.crowding_at(14).unwrap();
        assert_eq!((at.n, at.mean), (6.0, 5.0));
        assert_eq!(
            s.crowding_at(15),
            None,
            "an hour nobody reported stays unknown"
        );
    }
}
