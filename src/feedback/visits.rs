//! Visit records and what the site learns from them: how long visitors stay at each place (the
//! learned dwell), how their stays compare with the seed's numbers (the site pace), which share
//! of visitors goes to each place (a suggested popularity), and which places follow one another
//! in a visitor's day (transitions).
//!
//! A visit is a place, a salted hash of a visitor pseudonym, an arrival and (when known) a
//! departure. Records come from plan feedback (`visits` with arrival and departure), from ratings
//! (`visited_at` as an arrival without departure) and from operators' imports. Statistics are
//! computed from the raw rows each time a snapshot is built, so there are no counters to keep in
//! step:
//!
//! * **Dwell of a place**: the median of `left − arrived` in minutes over the place's timed
//!   visits, once there are at least [`MIN_SIGNALS`] of them.
//! * **Site pace**: the median over every timed visit (of a place with a seed dwell) of
//!   `(left − arrived) / seed dwell`, once there are at least [`MIN_SIGNALS`], clamped to
//!   [`MIN_PACE`]..[`MAX_PACE`]. A place without enough visits of its own plans with
//!   `seed dwell × pace`.
//! * **Visitor share** of a place: distinct visitors with a visit there over distinct visitors
//!   with any visit, once there are at least [`MIN_SIGNALS`] visitors.
//! * **Transitions**: for each visitor, visits ordered by arrival; two consecutive visits on the
//!   same local day of the site at two different places count one transition from the first
//!   place to the second.

use super::aggregates::MIN_SIGNALS;
use crate::domain::{text_enum, SiteData, UnknownValue};
use chrono::{DateTime, FixedOffset, Utc};
use planner::model::PlaceStats;
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Longest visit a record may describe, in minutes (longer ones are refused as typing errors).
pub const MAX_VISIT_MIN: i64 = 12 * 60;
/// The site pace is kept within these bounds, so a few odd records cannot halve or treble every
/// visit in the site.
pub const MIN_PACE: f64 = 0.25;
pub const MAX_PACE: f64 = 4.0;
/// Longest dwell the planner accepts, in minutes (a day).
pub const MAX_DWELL_MIN: f64 = 1440.0;
/// Transitions listed in insights.
pub const TOP_TRANSITIONS: usize = 20;

text_enum! {
    /// Where a visit record came from.
    pub enum VisitSource ("visit source", UnknownValue) {
        /// A plan feedback's `visits` (its reference: the feedback id).
        PlanFeedback = "plan_feedback",
        /// A rating's `visited_at` (its reference: the rating id).
        Rating = "rating",
        /// An operator's import (no reference: the record itself is its identity).
        Import = "import",
    }
}

/// HMAC-SHA256 (RFC 2104).
fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(msg);
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// The salt of visitor pseudonyms derived from the token signing secret (used when no salt of
/// its own is configured).
pub fn salt_from_secret(secret: &[u8]) -> Vec<u8> {
    hmac_sha256(secret, b"heritage-guide visitor pseudonym salt v1").to_vec()
}

/// The server's salt of visitor pseudonyms: `HG_VISITOR_SALT` when set, else one derived from
/// the token signing secret (so every instance and the `visits import` command of one deployment
/// hash a pseudonym alike). Setting a salt of its own keeps the hashes when the signing secret is
/// rotated.
pub fn resolve_salt(settings: &crate::config::Settings) -> Result<Vec<u8>, String> {
    match &settings.visitor_salt {
        Some(s) => Ok(s.0.as_bytes().to_vec()),
        None => settings.resolve_jwt_secret().map(|s| salt_from_secret(&s)),
    }
}

/// The stored form of a visitor pseudonym: HMAC-SHA256 under the server's salt, 128 bits in hex.
/// Nothing else about the visitor is stored.
pub fn pseudonym_hash(salt: &[u8], visitor: &str) -> String {
    hex::encode(&hmac_sha256(salt, visitor.as_bytes())[..16])
}

/// A visit as the statistics read it.
#[derive(Clone, Debug, PartialEq)]
pub struct VisitFacts {
    pub visitor: String,
    pub place_id: String,
    pub arrived: DateTime<Utc>,
    pub left: Option<DateTime<Utc>>,
}

impl VisitFacts {
    /// Minutes between arrival and departure, for a timed visit of a sane length.
    pub fn minutes(&self) -> Option<f64> {
        let l = self.left?;
        let m = (l - self.arrived).num_seconds() as f64 / 60.0;
        (m > 0.0 && m <= MAX_VISIT_MIN as f64).then_some(m)
    }
}

/// The median of some numbers (the mean of the middle two for an even count).
pub fn median(v: &mut [f64]) -> Option<f64> {
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

fn round_to(x: f64, step: f64) -> f64 {
    (x / step).round() * step
}

/// What the visits of one place say.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PlaceVisits {
    /// Visit records (timed or not).
    pub visits: usize,
    /// Timed visits (with a departure).
    pub timed: usize,
    /// Median of the timed visits in minutes (to 0.1), when there are enough.
    pub dwell_min: Option<f64>,
    /// Distinct visitors.
    pub visitors: usize,
}

/// What a site's visits say.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VisitStats {
    pub places: BTreeMap<String, PlaceVisits>,
    /// Median ratio of actual to seed dwell (to 0.01, clamped), when there are enough timed
    /// visits.
    pub pace: Option<f64>,
    /// Timed visits behind the pace.
    pub pace_n: usize,
    /// Distinct visitors with any visit.
    pub visitors: usize,
    /// Consecutive visits of one visitor on one local day: (from, to) → count.
    pub transitions: BTreeMap<(String, String), usize>,
}

/// Computes a site's visit statistics (visits of places the site does not have are ignored).
pub fn compute(data: &SiteData, visits: &[VisitFacts]) -> VisitStats {
    let seed: HashMap<&str, u32> = data
        .places
        .iter()
        .map(|p| (p.id.as_str(), p.dwell_min))
        .collect();
    let visits: Vec<&VisitFacts> = visits
        .iter()
        .filter(|v| seed.contains_key(v.place_id.as_str()))
        .collect();
    let mut minutes: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut visitors_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut out = VisitStats::default();
    let mut ratios = Vec::new();
    for v in &visits {
        let p = out.places.entry(v.place_id.clone()).or_default();
        p.visits += 1;
        visitors_of
            .entry(v.place_id.as_str())
            .or_default()
            .insert(v.visitor.as_str());
        if let Some(m) = v.minutes() {
            p.timed += 1;
            minutes.entry(v.place_id.as_str()).or_default().push(m);
            let s = seed[v.place_id.as_str()];
            if s > 0 {
                ratios.push(m / f64::from(s));
            }
        }
    }
    for (place, p) in out.places.iter_mut() {
        p.visitors = visitors_of.get(place.as_str()).map_or(0, BTreeSet::len);
        if let Some(m) = minutes.get_mut(place.as_str()) {
            if m.len() as u32 >= MIN_SIGNALS {
                p.dwell_min = median(m).map(|x| round_to(x, 0.1));
            }
        }
    }
    out.pace_n = ratios.len();
    if ratios.len() as u32 >= MIN_SIGNALS {
        out.pace = median(&mut ratios).map(|r| round_to(r.clamp(MIN_PACE, MAX_PACE), 0.01));
    }
    let offset = FixedOffset::east_opt(data.site.utc_offset_min * 60)
        .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"));
    let mut by_visitor: BTreeMap<&str, Vec<&VisitFacts>> = BTreeMap::new();
    for v in &visits {
        by_visitor.entry(v.visitor.as_str()).or_default().push(v);
    }
    out.visitors = by_visitor.len();
    for vs in by_visitor.values_mut() {
        vs.sort_by(|a, b| a.arrived.cmp(&b.arrived).then(a.place_id.cmp(&b.place_id)));
        for w in vs.windows(2) {
            let (a, b) = (w[0], w[1]);
            let same_day = a.arrived.with_timezone(&offset).date_naive()
                == b.arrived.with_timezone(&offset).date_naive();
            if same_day && a.place_id != b.place_id {
                *out.transitions
                    .entry((a.place_id.clone(), b.place_id.clone()))
                    .or_default() += 1;
            }
        }
    }
    out
}

/// Adds the learned dwell to the planner's per-place statistics: a place with enough timed
/// visits of its own gets their median; any other place with a seed dwell gets `seed × pace`
/// when the site pace is known; otherwise it keeps its seed dwell (no entry). Containers are
/// never stops and are left out.
pub fn apply(stats: &mut HashMap<String, PlaceStats>, data: &SiteData, vs: &VisitStats) {
    for place in data.places.iter().filter(|p| !p.container) {
        let own = vs.places.get(&place.id);
        let n = own.map_or(0, |p| p.timed) as u32;
        let learned = own.and_then(|p| p.dwell_min).or_else(|| {
            vs.pace
                .filter(|_| place.dwell_min > 0)
                .map(|k| round_to(f64::from(place.dwell_min) * k, 0.1).min(MAX_DWELL_MIN))
        });
        if let Some(d) = learned {
            let s = stats.entry(place.id.clone()).or_default();
            s.dwell_min = Some(d);
            s.dwell_n = n;
        }
    }
}

/// The visits part of the insights: per place the seed dwell beside the learned one, the site
/// pace, the visitor share beside the seed's popularity, and the most frequent transitions.
pub fn insights(data: &SiteData, vs: &VisitStats, lang: crate::domain::Lang) -> Value {
    let enough_visitors = vs.visitors as u32 >= MIN_SIGNALS;
    let name = |id: &str| {
        data.places
            .iter()
            .find(|p| p.id == id)
            .map(|p| lang.pick(&p.name).to_string())
            .unwrap_or_else(|| id.to_string())
    };
    let places: Vec<Value> = data
        .places
        .iter()
        .filter(|p| !p.container)
        .map(|p| {
            let own = vs.places.get(&p.id).cloned().unwrap_or_default();
            let (planned, source) = match (own.dwell_min, vs.pace) {
                (Some(d), _) => (d, "visits"),
                (None, Some(k)) => (round_to(f64::from(p.dwell_min) * k, 0.1), "site_pace"),
                (None, None) => (f64::from(p.dwell_min), "seed"),
            };
            let share = (enough_visitors && vs.visitors > 0)
                .then(|| round_to(own.visitors as f64 / vs.visitors as f64, 0.001));
            json!({
                "place_id": p.id,
                "name": lang.pick(&p.name),
                "seed_dwell_min": p.dwell_min,
                "learned_dwell_min": own.dwell_min,
                "dwell_n": own.timed,
                "planned_dwell_min": planned,
                "dwell_source": source,
                "visits": own.visits,
                "visitors": own.visitors,
                "seed_popularity": p.popularity,
                "suggested_popularity": share,
            })
        })
        .collect();
    let mut from_totals: BTreeMap<&str, usize> = BTreeMap::new();
    for ((a, _), n) in &vs.transitions {
        *from_totals.entry(a.as_str()).or_default() += n;
    }
    let mut tr: Vec<(&(String, String), &usize)> = vs.transitions.iter().collect();
    tr.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let transitions: Vec<Value> = tr
        .into_iter()
        .take(TOP_TRANSITIONS)
        .map(|((a, b), n)| {
            json!({
                "from": a,
                "from_name": name(a),
                "to": b,
                "to_name": name(b),
                "count": n,
                "share_of_from": round_to(*n as f64 / from_totals[a.as_str()] as f64, 0.001),
            })
        })
        .collect();
    json!({
        "min_evidence": MIN_SIGNALS,
        "visitors": vs.visitors,
        "visits": vs.places.values().map(|p| p.visits).sum::<usize>(),
        "timed_visits": vs.pace_n,
        "site_pace": vs.pace,
        "site_pace_n": vs.pace_n,
        "places": places,
        "transitions": transitions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: i64, m: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-05-16T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + chrono::Duration::minutes(h * 60 + m)
    }

    fn visit(who: &str, place: &str, at: DateTime<Utc>, minutes: Option<i64>) -> VisitFacts {
        VisitFacts {
            visitor: who.into(),
            place_id: place.into(),
            arrived: at,
            left: minutes.map(|m| at + chrono::Duration::minutes(m)),
        }
    }

    fn site() -> SiteData {
        let files = crate::seed::SeedFiles::embedded();
        crate::seed::parse(&files).expect("the built-in seed parses")
    }

    /// Two non-container places of the seed and their seed dwell times.
    fn two_places(d: &SiteData) -> [(String, u32); 2] {
        let mut it = d
            .places
            .iter()
            .filter(|p| !p.container && p.dwell_min > 0)
            .map(|p| (p.id.clone(), p.dwell_min));
        [it.next().unwrap(), it.next().unwrap()]
    }

    #[test]
    fn the_median_resists_an_outlier() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&mut [10.0, 11.0, 12.0, 13.0, 600.0]), Some(12.0));
    }

    #[test]
    fn pseudonyms_depend_on_the_salt_and_hide_the_name() {
        let a = pseudonym_hash(b"salt-one", "visitor-17");
        assert_eq!(a.len(), 32);
        assert!(!a.contains("visitor"));
        assert_eq!(a, pseudonym_hash(b"salt-one", "visitor-17"));
        assert_ne!(a, pseudonym_hash(b"salt-two", "visitor-17"));
        assert_ne!(a, pseudonym_hash(b"salt-one", "visitor-18"));
        // RFC 4231 test case 2.
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn dwell_is_learned_only_from_enough_timed_visits() {
        let d = site();
        let [(a, _), _] = two_places(&d);
        let mut vs: Vec<VisitFacts> = (0..(MIN_SIGNALS - 1))
            .map(|i| visit(&format!("v{i}"), &a, t(10, 0), Some(40)))
            .collect();
        // An untimed visit and an absurd one (over the longest visit) count as visits only.
        vs.push(visit("x", &a, t(10, 0), None));
        vs.push(visit("y", &a, t(1, 0), Some(MAX_VISIT_MIN + 1)));
        let s = compute(&d, &vs);
        assert_eq!(s.places[&a].visits, MIN_SIGNALS as usize + 1);
        assert_eq!(s.places[&a].timed, MIN_SIGNALS as usize - 1);
        assert_eq!(s.places[&a].dwell_min, None);
        vs.push(visit("z", &a, t(10, 0), Some(400)));
        let s = compute(&d, &vs);
        assert_eq!(
            s.places[&a].dwell_min,
            Some(40.0),
            "the outlier does not move the median"
        );
        let mut stats = HashMap::new();
        apply(&mut stats, &d, &s);
        assert_eq!(stats[&a].dwell_min, Some(40.0));
        assert_eq!(stats[&a].dwell_n, MIN_SIGNALS);
    }

    #[test]
    fn the_site_pace_scales_places_without_visits_of_their_own() {
        let d = site();
        let [(a, sa), (b, sb)] = two_places(&d);
        // Visitors stay twice the seed's time at `a` (too few per place for a place dwell
        // elsewhere, but enough for the pace).
        let vs: Vec<VisitFacts> = (0..MIN_SIGNALS)
            .map(|i| visit(&format!("v{i}"), &a, t(9, 0), Some(2 * i64::from(sa))))
            .collect();
        let s = compute(&d, &vs);
        assert_eq!(s.pace, Some(2.0));
        let mut stats = HashMap::new();
        apply(&mut stats, &d, &s);
        assert_eq!(stats[&b].dwell_min, Some(2.0 * f64::from(sb)));
        assert_eq!(stats[&b].dwell_n, 0);
        assert_eq!(stats[&a].dwell_min, Some(2.0 * f64::from(sa)));
        // A container is never given a dwell.
        let container = d.places.iter().find(|p| p.container).map(|p| p.id.clone());
        if let Some(c) = container {
            assert!(!stats.contains_key(&c));
        }
        // Without visits nothing changes.
        let mut none = HashMap::new();
        apply(&mut none, &d, &compute(&d, &[]));
        assert!(none.is_empty());
    }

    #[test]
    fn the_pace_is_clamped() {
        let d = site();
        let [(a, sa), _] = two_places(&d);
        let vs: Vec<VisitFacts> = (0..MIN_SIGNALS)
            .map(|i| {
                visit(
                    &format!("v{i}"),
                    &a,
                    t(9, 0),
                    Some((i64::from(sa) / 10).max(1)),
                )
            })
            .collect();
        let s = compute(&d, &vs);
        assert_eq!(s.pace, Some(MIN_PACE));
    }

    #[test]
    fn transitions_count_consecutive_visits_of_one_day() {
        let d = site();
        let [(a, _), (b, _)] = two_places(&d);
        let vs = vec![
            visit("v1", &a, t(2, 0), Some(30)),
            visit("v1", &b, t(3, 0), Some(30)),
            // Next local day (the site is UTC+8: 2026-05-16T16:00Z is the 17th locally).
            visit("v1", &a, t(17, 0), None),
            visit("v2", &b, t(2, 0), None),
            visit("v2", &a, t(2, 30), None),
            visit("v2", &a, t(3, 0), None),
            visit("v3", &a, t(1, 0), None),
            visit("v3", &b, t(1, 30), None),
        ];
        let s = compute(&d, &vs);
        assert_eq!(s.transitions[&(a.clone(), b.clone())], 2);
        assert_eq!(s.transitions[&(b.clone(), a.clone())], 1);
        assert_eq!(s.transitions.len(), 2);
        assert_eq!(s.visitors, 3);
        assert_eq!(s.places[&a].visitors, 3);
        let v = insights(&d, &s, crate::domain::Lang::En);
        assert_eq!(v["transitions"][0]["from"], json!(a));
        assert_eq!(v["transitions"][0]["count"], json!(2));
        assert_eq!(v["transitions"][0]["share_of_from"], json!(1.0));
        // Too few visitors for a suggested popularity.
        let row = v["places"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["place_id"] == json!(a))
            .unwrap();
        assert_eq!(row["suggested_popularity"], Value::Null);
        assert_eq!(row["dwell_source"], json!("seed"));
    }

    #[test]
    fn visitor_share_needs_enough_visitors() {
        let d = site();
        let [(a, _), (b, _)] = two_places(&d);
        let mut vs: Vec<VisitFacts> = (0..MIN_SIGNALS)
            .map(|i| visit(&format!("v{i}"), &a, t(2, 0), None))
            .collect();
        vs.push(visit("v0", &b, t(3, 0), None));
        let s = compute(&d, &vs);
        let v = insights(&d, &s, crate::domain::Lang::En);
        let share = |id: &str| {
            v["places"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["place_id"] == json!(id))
                .unwrap()["suggested_popularity"]
                .clone()
        };
        assert_eq!(share(&a), json!(1.0));
        assert_eq!(share(&b), json!(0.2));
    }
}
