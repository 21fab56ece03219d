//! Visit records: written with the plan feedback or rating they come from (replacing that
//! record's earlier visits in the same transaction), or imported by operators; read back as the
//! raw facts the visit statistics are computed from.
//!
//! A record's unique key is (site, source, source reference, visitor hash, place, arrival), so
//! writing the same record twice stores it once. Visits of a hidden rating or plan feedback are
//! kept but left out of the statistics, like the feedback itself.

use super::schema::{plan_feedback, ratings, visits};
use super::{is_unique_violation, now_text, write_transaction, DbConn, StoreError};
use crate::domain::SiteData;
use crate::feedback::visits::{compute, VisitFacts, VisitSource, VisitStats};
use chrono::{DateTime, SecondsFormat, Utc};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use std::collections::{HashMap, HashSet};

/// A stored visit.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = visits)]
pub struct VisitRecord {
    pub id: String,
    pub site_id: String,
    pub place_id: String,
    pub visitor_hash: String,
    pub arrived_at: String,
    pub left_at: Option<String>,
    pub source: String,
    pub source_ref: String,
    pub created_at: String,
}

/// A visit to store; `visitor_hash` is already the salted hash of the pseudonym.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NewVisit {
    pub place_id: String,
    pub visitor_hash: String,
    pub arrived: DateTime<Utc>,
    pub left: Option<DateTime<Utc>>,
}

/// How instants are stored: RFC 3339 in UTC to the second, so text order is time order.
pub fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn record(site: &str, source: VisitSource, source_ref: &str, v: &NewVisit) -> VisitRecord {
    VisitRecord {
        id: format!("vis_{}", uuid::Uuid::new_v4().simple()),
        site_id: site.to_string(),
        place_id: v.place_id.clone(),
        visitor_hash: v.visitor_hash.clone(),
        arrived_at: time_text(v.arrived),
        left_at: v.left.map(time_text),
        source: source.as_str().to_string(),
        source_ref: source_ref.to_string(),
        created_at: now_text(),
    }
}

/// Replaces the visits of one plan feedback or rating with `new` (none: removes them); to run in
/// the transaction that writes the feedback.
pub fn replace_source_visits(
    c: &mut DbConn,
    site: &str,
    source: VisitSource,
    source_ref: &str,
    new: &[NewVisit],
) -> Result<(), DieselError> {
    diesel::delete(
        visits::table.filter(
            visits::site_id
                .eq(site)
                .and(visits::source.eq(source.as_str()))
                .and(visits::source_ref.eq(source_ref)),
        ),
    )
    .execute(c)?;
    let mut seen = HashSet::new();
    let rows: Vec<VisitRecord> = new
        .iter()
        .filter(|v| seen.insert((&v.place_id, &v.visitor_hash, v.arrived)))
        .map(|v| record(site, source, source_ref, v))
        .collect();
    for r in &rows {
        diesel::insert_into(visits::table).values(r).execute(c)?;
    }
    Ok(())
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// Records read.
    pub records: usize,
    /// New records stored.
    pub added: usize,
    /// Known records whose departure changed.
    pub updated: usize,
    /// Known records stored already as they are.
    pub unchanged: usize,
}

/// Imports visits: a record already stored (same visitor hash, place and arrival) is left alone
/// when its departure is the same and updated when it differs; `audit` runs with the report in
/// the same transaction (nothing is written when it fails). A race with a concurrent import of
/// the same records is retried.
pub fn import_visits(
    conn: &mut DbConn,
    site: &str,
    new: &[NewVisit],
    audit: impl Fn(&mut DbConn, &ImportReport) -> Result<(), StoreError>,
) -> Result<ImportReport, StoreError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let res = write_transaction(conn, |c| -> Result<ImportReport, StoreError> {
            let existing: Vec<(String, String, String, String, Option<String>)> = visits::table
                .filter(
                    visits::site_id
                        .eq(site)
                        .and(visits::source.eq(VisitSource::Import.as_str())),
                )
                .select((
                    visits::id,
                    visits::visitor_hash,
                    visits::place_id,
                    visits::arrived_at,
                    visits::left_at,
                ))
                .load(c)?;
            let known: HashMap<(String, String, String), (String, Option<String>)> = existing
                .into_iter()
                .map(|(id, v, p, a, l)| ((v, p, a), (id, l)))
                .collect();
            let mut report = ImportReport {
                records: new.len(),
                ..Default::default()
            };
            let mut fresh = Vec::new();
            let mut seen = HashSet::new();
            for v in new {
                let key = (
                    v.visitor_hash.clone(),
                    v.place_id.clone(),
                    time_text(v.arrived),
                );
                if !seen.insert(key.clone()) {
                    report.unchanged += 1;
                    continue;
                }
                let left = v.left.map(time_text);
                match known.get(&key) {
                    None => fresh.push(record(site, VisitSource::Import, "", v)),
                    Some((_, l)) if *l == left => report.unchanged += 1,
                    Some((id, _)) => {
                        diesel::update(visits::table.find(id))
                            .set(visits::left_at.eq(&left))
                            .execute(c)?;
                        report.updated += 1;
                    }
                }
            }
            report.added = fresh.len();
            for r in &fresh {
                diesel::insert_into(visits::table).values(r).execute(c)?;
            }
            audit(c, &report)?;
            Ok(report)
        });
        match res {
            Err(e) if attempt < 3 && is_unique_violation(&e) => continue,
            other => return other,
        }
    }
}

/// The visits the statistics count: every visit of the site except those of hidden ratings and
/// plan feedback.
pub fn load_facts(conn: &mut DbConn, site: &str) -> Result<Vec<VisitFacts>, StoreError> {
    let rows: Vec<(String, String, String, Option<String>, String, String)> = visits::table
        .filter(visits::site_id.eq(site))
        .select((
            visits::visitor_hash,
            visits::place_id,
            visits::arrived_at,
            visits::left_at,
            visits::source,
            visits::source_ref,
        ))
        .load(conn)?;
    let hidden_ratings: HashSet<String> = ratings::table
        .filter(ratings::site_id.eq(site).and(ratings::hidden.eq(true)))
        .select(ratings::id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let hidden_feedback: HashSet<String> = plan_feedback::table
        .filter(
            plan_feedback::site_id
                .eq(site)
                .and(plan_feedback::hidden.eq(true)),
        )
        .select(plan_feedback::id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let parse = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .ok()
    };
    Ok(rows
        .into_iter()
        .filter(|(.., source, r)| {
            !((source == VisitSource::Rating.as_str() && hidden_ratings.contains(r))
                || (source == VisitSource::PlanFeedback.as_str() && hidden_feedback.contains(r)))
        })
        .filter_map(|(visitor, place_id, a, l, ..)| {
            Some(VisitFacts {
                visitor,
                place_id,
                arrived: parse(&a)?,
                left: l.as_deref().and_then(parse),
            })
        })
        .collect())
}

/// A site's visit statistics from its stored visits.
pub fn load_visit_stats(conn: &mut DbConn, data: &SiteData) -> Result<VisitStats, StoreError> {
    let facts = load_facts(conn, &data.site.id)?;
    Ok(compute(data, &facts))
}

/// The visits stored for one plan feedback or rating, by arrival.
pub fn source_visits(
    conn: &mut DbConn,
    source: VisitSource,
    source_ref: &str,
) -> Result<Vec<VisitRecord>, StoreError> {
    Ok(visits::table
        .filter(
            visits::source
                .eq(source.as_str())
                .and(visits::source_ref.eq(source_ref)),
        )
        .order((visits::arrived_at, visits::place_id))
        .select(VisitRecord::as_select())
        .load(conn)?)
}

/// How many visits a site has stored.
pub fn count_visits(conn: &mut DbConn, site: &str) -> Result<i64, StoreError> {
    Ok(visits::table
        .filter(visits::site_id.eq(site))
        .count()
        .get_result(conn)?)
}
