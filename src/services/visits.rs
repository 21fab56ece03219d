//! Visit records from outside the app: a file of visits (CSV with a header, or JSON lines; see
//! `docs/visits-format.md`) parsed and validated line by line, then imported in one transaction
//! with an audit record, so importing the same file again adds nothing. Also the checks a single
//! visit's times pass wherever visits come from.

use crate::domain::{Role, SiteData};
use crate::feedback::visits::{pseudonym_hash, MAX_VISIT_MIN};
use crate::store::audit::{self, AuditAction, AuditEntity, AuditSource, NewAudit};
use crate::store::visits::{import_visits, ImportReport, NewVisit};
use crate::store::{now_text, DbConn, StoreError};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

/// Most records one import may hold.
pub const MAX_IMPORT_RECORDS: usize = 100_000;
/// Longest visitor pseudonym, in characters.
pub const MAX_VISITOR_CHARS: usize = 200;
/// Errors listed in one refusal (the count of the rest is given).
pub const MAX_LISTED_ERRORS: usize = 100;
/// How far in the future a visit time may lie (clock skew), in minutes.
pub const FUTURE_SKEW_MIN: i64 = 10;

/// The formats of a visits file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Comma-separated values with a header line naming the columns.
    Csv,
    /// One JSON object per line.
    Ndjson,
}

impl Format {
    /// The format a media type names (`text/csv`; `application/x-ndjson`,
    /// `application/jsonl`), parameters ignored.
    pub fn from_media_type(ct: &str) -> Option<Format> {
        match ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "text/csv" => Some(Format::Csv),
            "application/x-ndjson" | "application/jsonl" | "application/x-jsonlines" => {
                Some(Format::Ndjson)
            }
            _ => None,
        }
    }

    /// The format of a file by its name (`.csv`; `.ndjson`, `.jsonl`), else by its first
    /// non-blank character (`{` for JSON lines).
    pub fn guess(name: &str, text: &str) -> Format {
        let lower = name.to_ascii_lowercase();
        let json_name = lower.ends_with(".ndjson") || lower.ends_with(".jsonl");
        let json_text = text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{');
        if !lower.ends_with(".csv") && (json_name || json_text) {
            Format::Ndjson
        } else {
            Format::Csv
        }
    }
}

/// What is wrong with one line of a visits file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LineError {
    /// 1-based line number in the file.
    pub line: usize,
    /// The column or key at fault (`visitor`, `place`, `arrived`, `left`, or `line` for the
    /// line as a whole).
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.message)
    }
}

/// A refused file: the first [`MAX_LISTED_ERRORS`] errors and how many there were.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportErrors {
    pub errors: Vec<LineError>,
    pub total: usize,
}

/// A visit's arrival and departure.
pub type VisitTimes = (DateTime<Utc>, Option<DateTime<Utc>>);

/// Checks one visit's times: `arrived` and `left` RFC 3339 with an offset, not in the future
/// (beyond a little clock skew), `left` after `arrived` and at most [`MAX_VISIT_MIN`] minutes
/// later. Errors name `arrived` or `left`.
pub fn check_times(
    arrived: &str,
    left: Option<&str>,
    now: DateTime<Utc>,
) -> Result<VisitTimes, (&'static str, String)> {
    let parse = |field: &'static str, v: &str| {
        DateTime::parse_from_rfc3339(v.trim())
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| {
                (
                    field,
                    format!("{field} must be RFC 3339 with an offset: {e}"),
                )
            })
    };
    let latest = now + Duration::minutes(FUTURE_SKEW_MIN);
    let a = parse("arrived", arrived)?;
    if a > latest {
        return Err(("arrived", "arrived lies in the future".into()));
    }
    let l = match left {
        None => None,
        Some(s) => {
            let l = parse("left", s)?;
            if l <= a {
                return Err(("left", "left must be after arrived".into()));
            }
            if l > latest {
                return Err(("left", "left lies in the future".into()));
            }
            if l - a > Duration::minutes(MAX_VISIT_MIN) {
                return Err((
                    "left",
                    format!("a visit lasts at most {} hours", MAX_VISIT_MIN / 60),
                ));
            }
            Some(l)
        }
    };
    Ok((a, l))
}

/// One record as a file gives it.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonRecord {
    visitor: String,
    place: String,
    arrived: String,
    #[serde(default)]
    left: Option<String>,
}

/// Splits one CSV line into fields (RFC 4180 quoting: `"a, b"`, `""` for a quote).
fn csv_fields(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    cur.push('"');
                    chars.next();
                }
                '"' => {
                    quoted = false;
                    if !matches!(chars.peek(), None | Some(',')) {
                        return Err("a quoted field must end at a comma".into());
                    }
                }
                c => cur.push(c),
            }
        } else {
            match c {
                '"' if at_start => {
                    quoted = true;
                    at_start = false;
                }
                ',' => {
                    out.push(std::mem::take(&mut cur));
                    at_start = true;
                }
                c => {
                    cur.push(c);
                    at_start = false;
                }
            }
        }
    }
    if quoted {
        return Err("a quoted field is not closed (fields cannot span lines)".into());
    }
    out.push(cur);
    Ok(out)
}

/// Columns of a CSV file: visitor, place, arrived, and optionally left (any order).
struct Columns {
    visitor: usize,
    place: usize,
    arrived: usize,
    left: Option<usize>,
    width: usize,
}

fn csv_columns(header: &str) -> Result<Columns, LineError> {
    let err = |message: String| LineError {
        line: 1,
        field: "header".into(),
        message,
    };
    let names: Vec<String> = csv_fields(header)
        .map_err(err)?
        .into_iter()
        .map(|n| n.trim().to_ascii_lowercase())
        .collect();
    let mut at = HashMap::new();
    for (i, n) in names.iter().enumerate() {
        if !["visitor", "place", "arrived", "left"].contains(&n.as_str()) {
            return Err(err(format!(
                "unknown column `{n}`; the columns are visitor, place, arrived and optionally left"
            )));
        }
        if at.insert(n.clone(), i).is_some() {
            return Err(err(format!("column `{n}` appears twice")));
        }
    }
    let need = |n: &str| {
        at.get(n)
            .copied()
            .ok_or_else(|| err(format!("the header lacks the column `{n}`")))
    };
    Ok(Columns {
        visitor: need("visitor")?,
        place: need("place")?,
        arrived: need("arrived")?,
        left: at.get("left").copied(),
        width: names.len(),
    })
}

/// Parses and validates a visits file of a site: every line is checked (visitor pseudonym,
/// known place, times, no record twice) and either every record is returned, with the visitor
/// hashed under `salt`, or the errors.
pub fn parse_file(
    data: &SiteData,
    text: &str,
    format: Format,
    salt: &[u8],
    now: DateTime<Utc>,
) -> Result<Vec<NewVisit>, ImportErrors> {
    let places: HashSet<&str> = data.places.iter().map(|p| p.id.as_str()).collect();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut first_seen: HashMap<(String, String, DateTime<Utc>), usize> = HashMap::new();
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    let columns = match format {
        Format::Csv => loop {
            match lines.next() {
                None => break None,
                Some((_, l)) if l.trim().is_empty() => continue,
                Some((n, l)) => match csv_columns(l) {
                    Ok(c) => break Some(c),
                    Err(mut e) => {
                        e.line = n;
                        return Err(ImportErrors {
                            errors: vec![e],
                            total: 1,
                        });
                    }
                },
            }
        },
        Format::Ndjson => None,
    };
    if format == Format::Csv && columns.is_none() {
        return Err(ImportErrors {
            errors: vec![LineError {
                line: 1,
                field: "header".into(),
                message: "the file is empty; it needs a header line and records".into(),
            }],
            total: 1,
        });
    }
    let mut records = 0usize;
    for (n, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        records += 1;
        if records > MAX_IMPORT_RECORDS {
            errors.push(LineError {
                line: n,
                field: "line".into(),
                message: format!("an import holds at most {MAX_IMPORT_RECORDS} records"),
            });
            break;
        }
        let err = |field: &str, message: String| LineError {
            line: n,
            field: field.to_string(),
            message,
        };
        let rec = match (&columns, format) {
            (Some(c), Format::Csv) => match csv_fields(line.trim_end_matches('\r')) {
                Err(m) => Err(err("line", m)),
                Ok(f) if f.len() != c.width => Err(err(
                    "line",
                    format!("{} fields; the header names {}", f.len(), c.width),
                )),
                Ok(f) => Ok(JsonRecord {
                    visitor: f[c.visitor].trim().to_string(),
                    place: f[c.place].trim().to_string(),
                    arrived: f[c.arrived].trim().to_string(),
                    left: c
                        .left
                        .map(|i| f[i].trim().to_string())
                        .filter(|s| !s.is_empty()),
                }),
            },
            _ => serde_json::from_str::<JsonRecord>(line).map_err(|e| {
                // serde names the key of a missing or unknown field first, in backticks.
                let msg = e.to_string();
                let field = ["missing field `", "unknown field `"]
                    .iter()
                    .find_map(|p| msg.strip_prefix(p))
                    .and_then(|rest| rest.split('`').next())
                    .unwrap_or("line");
                err(field, format!("not a visit record: {msg}"))
            }),
        };
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let visitor_chars = rec.visitor.chars().count();
        if visitor_chars == 0 || visitor_chars > MAX_VISITOR_CHARS {
            errors.push(err(
                "visitor",
                format!("the visitor pseudonym must be 1 to {MAX_VISITOR_CHARS} characters"),
            ));
            continue;
        }
        if !places.contains(rec.place.as_str()) {
            errors.push(err(
                "place",
                format!("`{}` is not a place of site {}", rec.place, data.site.id),
            ));
            continue;
        }
        let (arrived, left) = match check_times(&rec.arrived, rec.left.as_deref(), now) {
            Ok(t) => t,
            Err((field, m)) => {
                errors.push(err(field, m));
                continue;
            }
        };
        let key = (rec.visitor.clone(), rec.place.clone(), arrived);
        if let Some(first) = first_seen.get(&key) {
            errors.push(err(
                "line",
                format!("repeats line {first} (same visitor, place and arrival)"),
            ));
            continue;
        }
        first_seen.insert(key, n);
        out.push(NewVisit {
            place_id: rec.place,
            visitor_hash: pseudonym_hash(salt, &rec.visitor),
            arrived,
            left,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        let total = errors.len();
        errors.truncate(MAX_LISTED_ERRORS);
        Err(ImportErrors { errors, total })
    }
}

/// Who imports: an operator's account, or the command line.
#[derive(Clone, Debug)]
pub struct Importer {
    pub actor: String,
    pub role: Role,
    pub source: AuditSource,
}

/// What an import answers.
#[derive(Clone, Debug, Serialize)]
pub struct Imported {
    pub site: String,
    pub format: Format,
    #[serde(flatten)]
    pub report: ImportReport,
    /// Visits of the site stored after the import.
    pub stored_visits: i64,
    /// The audit record's entity id: `visits-` and the start of the file's SHA-256.
    pub import_id: String,
}

/// Stores parsed visits of a site with an audit record of the import (entity `visits`, the
/// report in `after`), in one transaction. `body` is the file as given, for its fingerprint.
pub fn import(
    conn: &mut DbConn,
    site: &str,
    site_version: i64,
    format: Format,
    body: &[u8],
    records: &[NewVisit],
    who: &Importer,
) -> Result<Imported, StoreError> {
    let sha = hex::encode(Sha256::digest(body));
    let import_id = format!("visits-{}", &sha[..16]);
    let report = import_visits(conn, site, records, |c, r| {
        audit::insert(
            c,
            &NewAudit {
                site_id: site.to_string(),
                at: now_text(),
                actor: who.actor.clone(),
                actor_role: who.role,
                action: AuditAction::Create,
                entity: AuditEntity::Visits,
                entity_id: import_id.clone(),
                revision: 1,
                site_version,
                source: who.source,
                before_json: None,
                after_json: Some(
                    serde_json::json!({
                        "format": format,
                        "sha256": sha,
                        "records": r.records,
                        "added": r.added,
                        "updated": r.updated,
                        "unchanged": r.unchanged,
                    })
                    .to_string(),
                ),
            },
        )
    })?;
    let stored_visits = crate::store::visits::count_visits(conn, site)?;
    Ok(Imported {
        site: site.to_string(),
        format,
        report,
        stored_visits,
        import_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> SiteData {
        crate::seed::parse(&crate::seed::SeedFiles::embedded()).unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-06-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn csv_fields_follow_rfc_4180_quoting() {
        assert_eq!(csv_fields("a,b,,c").unwrap(), ["a", "b", "", "c"]);
        assert_eq!(
            csv_fields("\"x, y\",\"say \"\"hi\"\"\",z").unwrap(),
            ["x, y", "say \"hi\"", "z"]
        );
        assert!(csv_fields("\"open,b").is_err());
        assert!(csv_fields("\"a\"b,c").is_err());
    }

    #[test]
    fn a_csv_file_is_read_in_any_column_order() {
        let d = site();
        let p = &d.places.iter().find(|p| !p.container).unwrap().id;
        let text = format!(
            "\u{feff}place,arrived,visitor,left\r\n{p},2026-05-16T10:00:00+08:00,v1,2026-05-16T10:30:00+08:00\r\n\r\n{p},2026-05-16T11:00:00+08:00,\"v,2\",\r\n"
        );
        let v = parse_file(&d, &text, Format::Csv, b"salt", now()).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!((v[0].left.unwrap() - v[0].arrived).num_minutes(), 30);
        assert_eq!(v[1].left, None);
        assert_eq!(v[1].visitor_hash, pseudonym_hash(b"salt", "v,2"));
    }

    #[test]
    fn every_bad_line_is_reported_with_its_field() {
        let d = site();
        let p = &d.places.iter().find(|p| !p.container).unwrap().id;
        let text = [
            format!(r#"{{"visitor":"a","place":"{p}","arrived":"2026-05-16T10:00:00+08:00"}}"#),
            r#"{"visitor":"a","place":"nowhere","arrived":"2026-05-16T10:00:00+08:00"}"#.into(),
            format!(r#"{{"visitor":"a","place":"{p}","arrived":"yesterday"}}"#),
            format!(r#"{{"visitor":"a","place":"{p}","arrived":"2026-05-16T10:00:00+08:00","left":"2026-05-16T09:00:00+08:00"}}"#),
            format!(r#"{{"visitor":"a","place":"{p}","arrived":"2026-05-16T10:00:00+08:00"}}"#),
            format!(r#"{{"visitor":"","place":"{p}","arrived":"2026-05-16T10:00:00+08:00"}}"#),
            format!(r#"{{"visitor":"b","place":"{p}","arrived":"2027-05-16T10:00:00+08:00"}}"#),
            format!(r#"{{"visitor":"b","place":"{p}","arrival":"2026-05-16T10:00:00+08:00"}}"#),
            "not json".into(),
        ]
        .join("\n");
        let e = parse_file(&d, &text, Format::Ndjson, b"s", now()).unwrap_err();
        let got: Vec<(usize, &str)> = e
            .errors
            .iter()
            .map(|e| (e.line, e.field.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (2, "place"),
                (3, "arrived"),
                (4, "left"),
                (5, "line"),
                (6, "visitor"),
                (7, "arrived"),
                (8, "arrival"),
                (9, "line"),
            ]
        );
        assert!(
            e.errors[3].message.contains("repeats line 1"),
            "{:?}",
            e.errors[3]
        );
    }

    #[test]
    fn a_csv_header_must_name_the_columns() {
        let d = site();
        for (text, needle) in [
            ("", "empty"),
            ("visitor,place\n", "arrived"),
            ("visitor,place,arrived,colour\n", "unknown column"),
            ("visitor,place,arrived,place\n", "twice"),
        ] {
            let e = parse_file(&d, text, Format::Csv, b"s", now()).unwrap_err();
            assert_eq!(e.errors[0].field, "header");
            assert!(
                e.errors[0].message.contains(needle),
                "{text}: {:?}",
                e.errors
            );
        }
    }

    #[test]
    fn formats_are_told_by_media_type_or_name() {
        assert_eq!(
            Format::from_media_type("text/csv; charset=utf-8"),
            Some(Format::Csv)
        );
        assert_eq!(
            Format::from_media_type("application/x-ndjson"),
            Some(Format::Ndjson)
        );
        assert_eq!(Format::from_media_type("application/json"), None);
        assert_eq!(Format::guess("v.jsonl", ""), Format::Ndjson);
        assert_eq!(
            Format::guess("visits.txt", " {\"visitor\":1}"),
            Format::Ndjson
        );
        assert_eq!(Format::guess("visits.txt", "visitor,place"), Format::Csv);
    }
}
