//! The site model as the API, the seed files and the store see it. Units: metres, CNY, minutes;
//! coordinates WGS84 in degrees.

pub use planner::types::Lang;
pub use planner::Bilingual;
use serde::{Deserialize, Serialize};

/// A closed set of names as an enum: `ALL` (in declaration order), `index` (the position in
/// `ALL`), `as_str` (the text the seed, the store and the API use, also the serde name), `parse`,
/// `Display`, `FromStr` and `TryFrom<String>` (for loading stored text). An unknown name is an
/// `$err { what, value }`.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal, $err:ident) {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Clone,
            Copy,
            Debug,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            ::serde::Serialize,
            ::serde::Deserialize,
        )]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The position in [`Self::ALL`].
            pub fn index(self) -> usize {
                self as usize
            }

            /// The name as stored and shown.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The variant named `s` exactly.
            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $err;

            fn from_str(s: &str) -> Result<$name, $err> {
                $name::parse(s).ok_or_else(|| $err {
                    what: $what,
                    value: s.to_string(),
                })
            }
        }

        impl TryFrom<String> for $name {
            type Error = $err;

            fn try_from(s: String) -> Result<$name, $err> {
                s.parse()
            }
        }
    };
}
pub(crate) use text_enum;

/// A name outside its closed set (stored text this code did not write).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{value}`")]
pub struct UnknownValue {
    /// What the name is of (`frequency`, `sentiment` …).
    pub what: &'static str,
    pub value: String,
}

text_enum! {
    /// How often the study met a code or a finding.
    pub enum Frequency ("frequency", UnknownValue) {
        High = "high",
        Medium = "medium",
        Low = "low",
    }
}

impl Frequency {
    /// Pseudo-ratings a place's prior is worth when its most frequent code has this frequency.
    pub fn prior_weight(self) -> f64 {
        match self {
            Frequency::High => 10.0,
            Frequency::Medium => 6.0,
            Frequency::Low => 3.0,
        }
    }
}

text_enum! {
    /// The tone of a code.
    pub enum Sentiment ("sentiment", UnknownValue) {
        Positive = "positive",
        Neutral = "neutral",
        Negative = "negative",
    }
}

/// Place kinds the product knows.
pub const PLACE_KINDS: &[&str] = &[
    "photo_spot",
    "film_location",
    "fan_spot",
    "architecture",
    "graffiti",
    "footbridge",
    "rooftop",
    "viewpoint",
    "cafe",
    "restaurant",
    "shop",
    "market",
    "transit",
    "gate",
    "restroom",
    "museum",
    "park",
];

/// Edge kinds of the pedestrian graph.
pub const EDGE_KINDS: &[&str] = &[
    "walkway",
    "stairs",
    "footbridge",
    "elevator",
    "crossing",
    "road",
    "indoor",
];

/// How a position is known.
pub const PROVENANCES: &[&str] = &["sourced", "estimate", "study"];

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl Bounds {
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        lon >= self.min_lon && lon <= self.max_lon && lat >= self.min_lat && lat <= self.max_lat
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Site {
    pub id: String,
    pub name: Bilingual,
    pub description: Bilingual,
    pub utc_offset_min: i32,
    /// `[lon, lat]`
    pub center: [f64; 2],
    pub bounds: Bounds,
    /// Source key → what the source is.
    pub sources: std::collections::BTreeMap<String, String>,
    /// Public holidays as ISO dates (`YYYY-MM-DD`): the dates `PH` opening-hours rules apply to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub public_holidays: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Area {
    pub id: String,
    pub name: Bilingual,
    pub description: Bilingual,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Place {
    pub id: String,
    pub area: String,
    pub kind: String,
    pub name: Bilingual,
    pub description: Bilingual,
    pub lon: f64,
    pub lat: f64,
    pub elevation_m: Option<f64>,
    pub level: i32,
    pub fee_cny: f64,
    pub fee_note: Option<Bilingual>,
    pub hours: String,
    pub dwell_min: u32,
    pub tags: Vec<String>,
    pub popularity: f64,
    pub node: String,
    pub provenance: String,
    pub sources: Vec<String>,
    pub coord_confidence_m: f64,
    pub notes: Option<String>,
    pub closed: bool,
    /// One of the site's highlights (the study's high-frequency sights).
    #[serde(default)]
    pub highlight: bool,
    /// A park or area as a whole: it holds stops but is never a stop itself.
    #[serde(default)]
    pub container: bool,
    /// Expected queue in minutes at peak hours.
    #[serde(default)]
    pub queue_min: u32,
    /// Entry needs a booking or a timed ticket.
    #[serde(default)]
    pub booking: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct GraphNode {
    pub id: String,
    pub lon: f64,
    pub lat: f64,
    pub elevation_m: f64,
    pub level: i32,
    pub area: String,
    pub name: Option<Bilingual>,
    pub provenance: String,
    pub sources: Vec<String>,
    pub coord_confidence_m: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct GraphEdge {
    pub id: String,
    pub from: String,
    pub to: String,
    pub kind: String,
    /// `[[lon, lat], …]` from `from` to `to`.
    pub geometry: Vec<[f64; 2]>,
    /// Derived from the geometry (great-circle length of its segments).
    pub length_m: f64,
    /// Derived from the node elevations, in the `from` → `to` direction.
    pub ascent_m: f64,
    pub descent_m: f64,
    pub steps: u32,
    pub step_free: bool,
    pub name: Option<Bilingual>,
    /// Wayfinding hint for walking from `from` to `to`.
    pub hint: Option<Bilingual>,
    /// Wayfinding hint for walking from `to` to `from`.
    pub hint_reverse: Option<Bilingual>,
    /// `hint` reads right both ways and is shown in both directions.
    pub hint_both_ways: bool,
    /// The hints are shown on step-free routes only.
    pub hint_step_free: bool,
    pub provenance: String,
    pub sources: Vec<String>,
    pub closed: bool,
}

/// A study finding as a citable rule (the rule itself is interpreted by the planner).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FindingRec {
    pub id: String,
    pub code: String,
    pub frequency: Frequency,
    pub text: Bilingual,
    pub rule: serde_json::Value,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    pub id: String,
    pub name: Bilingual,
    pub description: Bilingual,
    pub categories: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    pub name: Bilingual,
    pub description: Bilingual,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Keywords {
    pub zh: Vec<String>,
    pub en: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Code {
    pub id: String,
    pub name: Bilingual,
    pub category: String,
    pub frequency: Frequency,
    pub sentiment: Sentiment,
    pub keywords: Keywords,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InterestRec {
    pub id: String,
    pub name: Bilingual,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub kinds: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
pub struct Codebook {
    pub themes: Vec<Theme>,
    pub categories: Vec<Category>,
    pub codes: Vec<Code>,
    pub interests: Vec<InterestRec>,
}

/// Everything stored about one site: what the seed loads, the store returns and a snapshot is built from.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SiteData {
    pub site: Site,
    pub areas: Vec<Area>,
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
    pub places: Vec<Place>,
    pub findings: Vec<FindingRec>,
    pub codebook: Codebook,
}

/// What a token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// An anonymous app user of one site (feedback).
    Visitor,
    /// Edits site data.
    Operator,
    /// Edits site data and manages accounts.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Visitor => "visitor",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }

    /// The roles an account can have.
    pub fn parse_account(s: &str) -> Option<Role> {
        s.parse().ok().filter(|r| *r != Role::Visitor)
    }
}

/// A role name that is none of [`Role`]'s.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`")]
pub struct UnknownRole(pub String);

/// Any role by its name (`visitor`, `operator`, `admin`); an account's role is read with
/// [`Role::parse_account`].
impl std::str::FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Role, UnknownRole> {
        [Role::Visitor, Role::Operator, Role::Admin]
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// For loading stored roles (`#[diesel(deserialize_as = String)]`).
impl TryFrom<String> for Role {
    type Error = UnknownRole;

    fn try_from(s: String) -> Result<Role, UnknownRole> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_sets_keep_their_names() {
        let names = |all: &[Frequency]| all.iter().map(|v| v.as_str()).collect::<Vec<_>>();
        assert_eq!(names(Frequency::ALL), ["high", "medium", "low"]);
        let sentiments: Vec<&str> = Sentiment::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(sentiments, ["positive", "neutral", "negative"]);
        for f in Frequency::ALL {
            assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
            assert_eq!(
                serde_json::from_value::<Frequency>(f.as_str().into()).unwrap(),
                *f
            );
            assert_eq!(Frequency::ALL[f.index()], *f);
        }
        for s in Sentiment::ALL {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            assert_eq!(s.as_str().parse::<Sentiment>(), Ok(*s));
        }
        assert_eq!(Frequency::parse("High"), None);
        assert_eq!(
            "sometimes".parse::<Frequency>().unwrap_err().to_string(),
            "unknown frequency `sometimes`"
        );
    }
}

/// A visitor's score on the 1–5 scale (overall, value for money, crowding, findability).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Score(u8);

impl Score {
    /// The score `v`, when it lies within 1..=5.
    pub fn new(v: i64) -> Option<Score> {
        (1..=5).contains(&v).then_some(Score(v as u8))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl From<Score> for i32 {
    fn from(s: Score) -> i32 {
        i32::from(s.0)
    }
}
