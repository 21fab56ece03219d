//! The request types of the planning model's two operations, `PlanningModel::plan` and
//! `PlanningModel::directions`, and the error both return.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::types::Lang;

/// A route endpoint: a place id, or a point that is snapped onto the graph (`lat` and `lon`
/// only: a point with other members is refused).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Endpoint {
    /// A place id.
    Place(String),
    /// A WGS84 point in degrees.
    Point {
        /// Latitude in degrees.
        lat: f64,
        /// Longitude in degrees.
        lon: f64,
    },
}

impl<'de> Deserialize<'de> for Endpoint {
    /// A string is a place id; an object is a point with exactly `lat` and `lon`, and any other
    /// member is an error naming it (so a caller can name `from.alt`, not just `from`).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{self, MapAccess, Visitor};
        struct EndpointVisitor;
        impl<'de> Visitor<'de> for EndpointVisitor {
            type Value = Endpoint;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a place id or a point {\"lat\": …, \"lon\": …}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Endpoint, E> {
                Ok(Endpoint::Place(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Endpoint, A::Error> {
                const FIELDS: &[&str] = &["lat", "lon"];
                let (mut lat, mut lon) = (None, None);
                while let Some(key) = map.next_key::<String>()? {
                    let slot = match key.as_str() {
                        "lat" => &mut lat,
                        "lon" => &mut lon,
                        other => return Err(de::Error::unknown_field(other, FIELDS)),
                    };
                    if slot.is_some() {
                        return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
                    }
                    *slot = Some(map.next_value::<f64>()?);
                }
                Ok(Endpoint::Point {
                    lat: lat.ok_or_else(|| de::Error::missing_field("lat"))?,
                    lon: lon.ok_or_else(|| de::Error::missing_field("lon"))?,
                })
            }
        }
        d.deserialize_any(EndpointVisitor)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Place(id) => f.write_str(id),
            Endpoint::Point { lat, lon } => write!(f, "({lat}, {lon})"),
        }
    }
}

/// `POST /directions` body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectionsRequest {
    /// Where to start.
    pub from: Endpoint,
    /// Where to go.
    pub to: Endpoint,
    /// `standard` (default), `step_free` or `easy`.
    #[serde(default)]
    pub profile: Option<String>,
    /// `zh` or `en` (default `en`); instructions carry both languages either way.
    #[serde(default)]
    pub lang: Option<String>,
}

/// `POST /plans` body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    /// Where the visit starts.
    pub start: Endpoint,
    /// Where it must end, if anywhere (the last leg leads there).
    #[serde(default)]
    pub end: Option<Endpoint>,
    /// Start time, RFC 3339 with an offset, e.g. `2026-05-01T14:00:00+08:00`.
    pub start_time: String,
    /// Time budget in minutes, 1..=1440: walking, waiting and visits, up to arrival at `end`.
    pub budget_min: u32,
    /// Interest ids from the codebook.
    #[serde(default)]
    pub interests: Vec<String>,
    /// `standard` (default), `step_free` or `easy`.
    #[serde(default)]
    pub profile: Option<String>,
    /// Only free places.
    #[serde(default)]
    pub avoid_paid: bool,
    /// Cap on the plan's total fees in CNY.
    #[serde(default)]
    pub max_fee_cny: Option<f64>,
    /// Only places in these areas.
    #[serde(default)]
    pub areas: Option<Vec<String>>,
    /// Place ids that must be visited.
    #[serde(default)]
    pub must: Vec<String>,
    /// Place ids never to visit.
    #[serde(default)]
    pub avoid: Vec<String>,
    /// `zh` or `en` (default `en`): the language of explanations and warnings.
    #[serde(default)]
    pub lang: Option<String>,
    /// `relaxed`, `normal` (default) or `packed`: how long visits last and how many stops an
    /// hour the plan aims at (see `docs/planner.md`).
    #[serde(default)]
    pub pace: Option<String>,
    /// Plan a meal when the plan is long enough and spans a meal time (default `true`).
    #[serde(default)]
    pub meals: Option<bool>,
}

/// How long visits last and how many stops an hour a plan aims at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pace {
    /// Longer visits, fewer stops.
    Relaxed,
    /// The seed's visit lengths.
    #[default]
    Normal,
    /// Shorter visits, more stops.
    Packed,
}

impl Pace {
    /// Parses `relaxed`, `normal` or `packed`.
    pub fn parse(s: &str) -> Option<Pace> {
        match s {
            "relaxed" => Some(Pace::Relaxed),
            "normal" => Some(Pace::Normal),
            "packed" => Some(Pace::Packed),
            _ => None,
        }
    }
}

/// Why a request failed: what an HTTP layer needs for an RFC 9457 problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct PlanError {
    /// HTTP status: 400 (malformed or unknown value), 404 (unknown place id), 422 (valid but
    /// infeasible).
    pub status: u16,
    /// Stable machine-readable code: `invalid_field`, `unknown_interest`, `unknown_area`,
    /// `conflict`, `too_far_from_site`, `unknown_place`, `unreachable`, `infeasible`,
    /// `place_closed`.
    pub code: &'static str,
    /// The request field at fault, e.g. `budget_min`, `start`, `must[2]`.
    pub field: Option<String>,
    /// What is wrong, in English.
    pub message: String,
    /// What is wrong, in Chinese (`None`: only English is available).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_zh: Option<String>,
}

impl PlanError {
    /// A 400 `invalid_field` error.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> PlanError {
        PlanError::new(400, "invalid_field", Some(field.into()), message)
    }

    /// An error with all parts given.
    pub fn new(
        status: u16,
        code: &'static str,
        field: Option<String>,
        message: impl Into<String>,
    ) -> PlanError {
        PlanError {
            status,
            code,
            field,
            message: message.into(),
            message_zh: None,
        }
    }

    /// Adds the message in Chinese.
    pub fn zh(mut self, message: impl Into<String>) -> PlanError {
        self.message_zh = Some(message.into());
        self
    }

    /// The message in `lang`, falling back to English when there is no Chinese text.
    pub fn detail(&self, lang: Lang) -> &str {
        match (lang, &self.message_zh) {
            (Lang::Zh, Some(zh)) => zh,
            _ => &self.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_endpoint_has_lat_and_lon_only() {
        let p: Endpoint = serde_json::from_str(r#"{"lat": 29.55, "lon": 106.53}"#).unwrap();
        assert_eq!(
            p,
            Endpoint::Point {
                lat: 29.55,
                lon: 106.53
            }
        );
        let id: Endpoint = serde_json::from_str(r#""liziba-station""#).unwrap();
        assert_eq!(id, Endpoint::Place("liziba-station".into()));
        assert!(
            serde_json::from_str::<Endpoint>(r#"{"lat": 29.55, "lon": 106.53, "alt": 300}"#)
                .is_err()
        );
        assert!(serde_json::from_str::<Endpoint>(r#"{"lat": 29.55}"#).is_err());
    }
}
