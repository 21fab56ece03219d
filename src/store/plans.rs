//! Stored plans: the document as answered, its owner (the visitor id of the token that asked
//! for it, if any) and its expiry; the purge of expired plans.
//!
//! Times are RFC 3339 UTC text with milliseconds (as [`super::now_text`] writes them), so text
//! order is time order on both backends. A plan whose `expires_at` has passed is gone for every
//! reader here, whether or not the purge has removed its row yet.

use super::schema::plans;
use super::{DbConn, StoreError};
use diesel::prelude::*;

/// A plan to store.
#[derive(Clone, Debug)]
pub struct NewPlan<'a> {
    pub id: &'a str,
    pub site_id: &'a str,
    pub snapshot_version: i64,
    /// The plan document as answered.
    pub body_json: &'a str,
    /// The visitor id of the token that asked for the plan.
    pub visitor_id: Option<&'a str>,
    /// When the plan expires; `None` keeps it for good.
    pub expires_at: Option<&'a str>,
    /// When it was created.
    pub created_at: &'a str,
    /// The place it tries because few visitors have rated it, and the share of the best plan's
    /// value that cost.
    pub exploration: Option<(&'a str, f64)>,
}

/// A stored plan.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = plans)]
pub struct StoredPlan {
    pub id: String,
    pub site_id: String,
    pub snapshot_version: i64,
    pub created_at: String,
    pub body_json: String,
    pub visitor_id: Option<String>,
    pub expires_at: Option<String>,
}

/// Stores a plan.
pub fn insert(conn: &mut DbConn, p: &NewPlan) -> Result<(), StoreError> {
    diesel::insert_into(plans::table)
        .values((
            plans::id.eq(p.id),
            plans::site_id.eq(p.site_id),
            plans::snapshot_version.eq(p.snapshot_version),
            plans::created_at.eq(p.created_at),
            plans::body_json.eq(p.body_json),
            plans::visitor_id.eq(p.visitor_id),
            plans::expires_at.eq(p.expires_at),
            plans::explored_place.eq(p.exploration.map(|e| e.0)),
            plans::exploration_cost.eq(p.exploration.map(|e| e.1)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The exploratory stops of a site's plans created in `[from, to)`: place and cost share.
pub fn explorations_in_range(
    conn: &mut DbConn,
    site: &str,
    from: &str,
    to: &str,
) -> Result<Vec<(String, f64)>, StoreError> {
    let rows: Vec<(Option<String>, Option<f64>)> = plans::table
        .filter(plans::site_id.eq(site))
        .filter(plans::created_at.ge(from).and(plans::created_at.lt(to)))
        .filter(plans::explored_place.is_not_null())
        .select((plans::explored_place, plans::exploration_cost))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(p, c)| Some((p?, c.unwrap_or(0.0))))
        .collect())
}

/// A plan by id, unless it is unknown or expired at `now`.
pub fn get_live(conn: &mut DbConn, id: &str, now: &str) -> Result<Option<StoredPlan>, StoreError> {
    Ok(plans::table
        .find(id)
        .filter(plans::expires_at.is_null().or(plans::expires_at.gt(now)))
        .select(StoredPlan::as_select())
        .first(conn)
        .optional()?)
}

/// The plans of a site issued to a visitor since `since` and not expired at `now`, oldest
/// first (served by the index `plans_visitor_site_created`).
pub fn issued_to(
    conn: &mut DbConn,
    visitor_id: &str,
    site_id: &str,
    since: &str,
    now: &str,
) -> Result<Vec<StoredPlan>, StoreError> {
    Ok(plans::table
        .filter(plans::visitor_id.eq(visitor_id))
        .filter(plans::site_id.eq(site_id))
        .filter(plans::created_at.ge(since))
        .filter(plans::expires_at.is_null().or(plans::expires_at.gt(now)))
        .order(plans::created_at.asc())
        .select(StoredPlan::as_select())
        .load(conn)?)
}

/// Rows one purge statement removes at most, so no statement holds its locks for long.
pub const PURGE_BATCH: i64 = 500;

/// Deletes every plan expired at `now`, in statements of at most [`PURGE_BATCH`] rows; returns
/// how many were removed. Safe to run from many processes at once: on PostgreSQL each batch
/// skips the rows another purge has locked, so concurrent purges share the work and never wait
/// on each other; on SQLite writers queue on the busy timeout. Plan feedback does not reference
/// plans, so it stays.
pub fn purge_expired(conn: &mut DbConn, now: &str) -> Result<usize, StoreError> {
    use diesel::sql_types::{BigInt, Text};
    let sql = match conn {
        DbConn::Pg(_) => {
            "DELETE FROM plans WHERE id IN (SELECT id FROM plans WHERE expires_at IS NOT NULL \
             AND expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)"
        }
        DbConn::Sqlite(_) => {
            "DELETE FROM plans WHERE id IN (SELECT id FROM plans WHERE expires_at IS NOT NULL \
             AND expires_at <= ? LIMIT ?)"
        }
    };
    let mut total = 0;
    loop {
        let n = diesel::sql_query(sql)
            .bind::<Text, _>(now)
            .bind::<BigInt, _>(PURGE_BATCH)
            .execute(conn)?;
        total += n;
        if (n as i64) < PURGE_BATCH {
            return Ok(total);
        }
    }
}

/// How many plans are stored (expired ones not yet purged included).
pub fn count(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(plans::table.count().get_result(conn)?)
}
