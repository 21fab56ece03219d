//! The site data a `PlanningModel` is built from: the site, its places, the study's findings and
//! the rules they carry, the visitor interests and the places' rating aggregates.

use serde::{Deserialize, Serialize};

use crate::types::Bilingual;

/// The site as the planner needs it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SiteInfo {
    /// Site id, e.g. `eling-no2-factory`.
    pub id: String,
    /// Offset of the site's local time from UTC in minutes (480 for Asia/Shanghai).
    pub utc_offset_min: i32,
    /// Longitude of the site centre in degrees (for sunset and snapping).
    pub center_lon: f64,
    /// Latitude of the site centre in degrees.
    pub center_lat: f64,
    /// Area ids, e.g. `factory`, `liziba`, `eling-park`.
    pub areas: Vec<String>,
    /// Area names in both languages, in the order of `areas` (ids are used where missing).
    #[serde(default)]
    pub area_names: Vec<Bilingual>,
    /// Public holidays (local dates, ISO `YYYY-MM-DD` in JSON): the dates `PH` opening-hours
    /// rules apply to.
    #[serde(default)]
    pub public_holidays: Vec<chrono::NaiveDate>,
}

/// A place as the seed gives it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlaceSpec {
    /// Unique place id.
    pub id: String,
    /// Area id.
    pub area: String,
    /// Kind, e.g. `photo_spot`, `rooftop`, `cafe`.
    pub kind: String,
    /// Name in both languages.
    pub name: Bilingual,
    /// Entry fee in CNY (0 when free).
    pub fee_cny: f64,
    /// Opening hours in the seed's syntax (see [`crate::hours`]).
    pub hours: String,
    /// Typical visit length in minutes.
    pub dwell_min: u32,
    /// Open-code ids from the codebook.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Base popularity from the study's frequencies, 0..1.
    pub popularity: f64,
    /// Id of the graph node the place is reached from.
    pub node: String,
    /// Closed places are never planned.
    #[serde(default)]
    pub closed: bool,
    /// One of the site's highlights (what the study's high-frequency codes point at): a plan
    /// includes every highlight its budget can reach unless the visitor avoids it.
    #[serde(default)]
    pub highlight: bool,
    /// A park or area as a whole: a region that holds stops, never a stop itself.
    #[serde(default)]
    pub container: bool,
    /// Expected queue in minutes at the crowding rules' peak hours (at weekends and on public
    /// holidays; half of it on other days), added to the visit.
    #[serde(default)]
    pub queue_min: u32,
    /// Entry needs a booking or a timed ticket.
    #[serde(default)]
    pub booking: bool,
    /// The place's description, quoted in plan explanations.
    #[serde(default)]
    pub description: Option<Bilingual>,
}

/// One of the study's visitor findings as a structured, citable rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Unique finding id, cited by plans.
    pub id: String,
    /// Open-code id the finding comes from.
    pub code: String,
    /// `high`, `medium` or `low`.
    pub frequency: String,
    /// The finding in words.
    pub text: Bilingual,
    /// What the planner does with it.
    pub rule: Rule,
}

/// How the planner interprets a finding. All numbers are data (utility points, see
/// `docs/planner.md`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Rule {
    /// When a plan visits both areas, every stop in `first` precedes every stop in `then`.
    AreaOrder {
        /// Area visited first.
        first: String,
        /// Area visited afterwards.
        then: String,
    },
    /// Places of these kinds or with these tags must be left before sunset.
    Daylight {
        /// Place kinds.
        #[serde(default)]
        kinds: Vec<String>,
        /// Place tags.
        #[serde(default)]
        tags: Vec<String>,
    },
    /// A fee lowers a place's utility by `fee_weight_per_cny` points per CNY, scaled by its rated
    /// value for money.
    ValueForMoney {
        /// Place kinds (empty: all).
        #[serde(default)]
        kinds: Vec<String>,
        /// Utility points per CNY.
        fee_weight_per_cny: f64,
    },
    /// When a paid place of these kinds is left out, a free one of the same kind is offered.
    FreeAlternative {
        /// Place kinds.
        #[serde(default)]
        kinds: Vec<String>,
    },
    /// Expected crowding lowers utility at peak hours.
    Crowding {
        /// `[start, end)` local hours, e.g. `[[10, 12], [14, 17]]`.
        #[serde(default)]
        peak_hours: Vec<[u32; 2]>,
        /// Multiplier of the penalty on Saturdays and Sundays.
        #[serde(default = "one")]
        weekend_factor: f64,
        /// Utility points lost at a peak hour.
        penalty: f64,
        /// Place kinds (with `tags` both empty: all places).
        #[serde(default)]
        kinds: Vec<String>,
        /// Place tags.
        #[serde(default)]
        tags: Vec<String>,
    },
    /// Bonus utility for each further area the plan includes.
    CombineAreas {
        /// Areas that count (empty: all).
        #[serde(default)]
        areas: Vec<String>,
        /// Utility points per further area.
        bonus: f64,
    },
    /// Places with these tags gain `weight` × popularity utility points.
    Popularity {
        /// Place tags.
        #[serde(default)]
        tags: Vec<String>,
        /// Utility points per unit of popularity.
        weight: f64,
    },
    /// Directions carry landmark hints on hard-to-find edges.
    Wayfinding,
    /// At most `max_per_plan` stops of these kinds.
    CommercialSameness {
        /// Place kinds.
        #[serde(default)]
        kinds: Vec<String>,
        /// Cap on stops of these kinds per plan.
        max_per_plan: u32,
    },
}

fn one() -> f64 {
    1.0
}

impl Rule {
    /// The `type` tag of the rule.
    pub fn type_name(&self) -> &'static str {
        match self {
            Rule::AreaOrder { .. } => "area_order",
            Rule::Daylight { .. } => "daylight",
            Rule::ValueForMoney { .. } => "value_for_money",
            Rule::FreeAlternative { .. } => "free_alternative",
            Rule::Crowding { .. } => "crowding",
            Rule::CombineAreas { .. } => "combine_areas",
            Rule::Popularity { .. } => "popularity",
            Rule::Wayfinding => "wayfinding",
            Rule::CommercialSameness { .. } => "commercial_sameness",
        }
    }
}

/// What a visitor can ask a plan for, mapped to open codes and place kinds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interest {
    /// Interest id, e.g. `photography`.
    pub id: String,
    /// Name in both languages.
    pub name: Bilingual,
    /// Open codes that match.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Place kinds that match.
    #[serde(default)]
    pub kinds: Vec<String>,
}

/// Fewest answers for a signal of visitors (overall score, value for money, crowding,
/// findability, photos) to count: the one minimum-evidence rule of the feedback loop, applied by
/// [`Signal::known`] and nowhere else. An answer with evidence of a visit counts 1, one without
/// counts less (the server decides how much), so this is evidence, not a head count.
pub const MIN_EVIDENCE: u32 = 5;

/// Spread assumed for one visitor's overall score (stars) while too few answers give their own.
pub const DEFAULT_SCORE_SD: f64 = 1.0;

/// Visitors' answers on one signal about a place: the evidence they amount to, their weighted
/// mean and their weighted standard deviation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Signal {
    /// Evidence: answers weighted by how sure it is that the visitor was there (a verified visit
    /// counts 1).
    pub n: f64,
    /// Weighted mean of the answers (1..5; a share 0..1 for photos).
    pub mean: f64,
    /// Weighted standard deviation of the answers.
    pub sd: f64,
}

impl Signal {
    /// `n` answers' worth of evidence with mean `mean` and no spread.
    pub fn of(n: f64, mean: f64) -> Signal {
        Signal { n, mean, sd: 0.0 }
    }

    /// The mean once the answers are enough evidence ([`MIN_EVIDENCE`]), else nothing: the one
    /// place the minimum-evidence rule is applied.
    pub fn known(&self) -> Option<f64> {
        (self.n >= f64::from(MIN_EVIDENCE)).then_some(self.mean)
    }
}

/// What the study leads one to expect of a place's overall score before any rating, and how
/// many ratings that expectation is worth.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScorePrior {
    /// Expected overall score, 1..5.
    pub mean: f64,
    /// Pseudo-ratings.
    pub weight: f64,
}

/// Visitors' feedback on one place, fed back by the feedback loop: the evidence and its spread
/// per signal, read by the planner through methods that apply the minimum-evidence rule. The
/// default is no feedback at all.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlaceStats {
    /// Number of ratings (a head count, for the words of a plan).
    pub count: u32,
    /// Overall score, 1..5.
    pub overall: Signal,
    /// The prior of the overall score; without one, the mean of the answers stands alone.
    pub prior: Option<ScorePrior>,
    /// Value for money, 1..5.
    pub value_for_money: Signal,
    /// "Easy to find", 1..5.
    pub findability: Signal,
    /// Photo success, a share 0..1.
    pub photos: Signal,
    /// Reported crowding 1..5, all hours together.
    pub crowding: Signal,
    /// Reported crowding per hour of the week, 168 slots (Monday 00h, Monday 01h, … Sunday
    /// 23h); `None` at an hour nobody reported, which stays unknown. Empty: no reports at all.
    pub crowding_by_hour: Vec<Option<Signal>>,
    /// Learned visit length in minutes, replacing the seed's `dwell_min` when present: the
    /// median of the place's timed visits, or its seed dwell scaled by the site's pace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dwell_min: Option<f64>,
    /// Timed visits of the place behind `dwell_min` (0 when it comes from the site's pace).
    #[serde(skip_serializing_if = "is_zero")]
    pub dwell_n: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl PlaceStats {
    /// The overall score (the Bayesian mean of the prior and the answers) once there is enough
    /// evidence.
    pub fn score(&self) -> Option<f64> {
        self.overall.known().map(|_| self.posterior().0)
    }

    /// The posterior of the overall score whatever the evidence: its mean and the standard
    /// deviation of that mean. With no answers it is the prior with [`DEFAULT_SCORE_SD`]
    /// spread over the prior's weight.
    pub fn posterior(&self) -> (f64, f64) {
        let (pm, pw) = self
            .prior
            .map_or((3.0, 0.0), |p| (p.mean, p.weight.max(0.0)));
        let n = self.overall.n.max(0.0);
        let w = pw + n;
        if w <= 0.0 {
            return (pm, DEFAULT_SCORE_SD);
        }
        let mean = (pm * pw + self.overall.mean * n) / w;
        // The spread of one answer: the visitors' own once there are a few, shrunk toward the
        // default before.
        let k = (n / f64::from(MIN_EVIDENCE)).min(1.0);
        let sd1 = k * self.overall.sd + (1.0 - k) * DEFAULT_SCORE_SD;
        (mean, sd1 / w.sqrt())
    }

    /// Mean value for money, once known.
    pub fn value_for_money(&self) -> Option<f64> {
        self.value_for_money.known()
    }

    /// Mean findability, once known.
    pub fn findability(&self) -> Option<f64> {
        self.findability.known()
    }

    /// Photo success share, once known.
    pub fn photo_success(&self) -> Option<f64> {
        self.photos.known()
    }

    /// The reports at hour-of-week `slot`, once crowding as a whole is known and someone
    /// reported that hour.
    pub fn crowding_at(&self, slot: usize) -> Option<Signal> {
        self.crowding.known()?;
        self.crowding_by_hour.get(slot).copied().flatten()
    }
}
