//! Feedback persistence: ratings and plan feedback with their aggregates updated in the same
//! transaction, idempotent replies, moderation, rebuilds from raw rows, snapshot publications and
//! the rows insights are computed from.
//!
//! Concurrency: a write first touches the row it may replace (`UPDATE … SET revision = revision`),
//! which on PostgreSQL takes the row lock so two writes of the same visitor never both compute
//! their delta from the same old row; aggregates change by `column = column + delta`. SQLite
//! transactions are `BEGIN IMMEDIATE`, so writers queue instead of failing on a stale snapshot.
//! A unique-key race (two first ratings of the same visitor and place) is retried.

use super::schema::*;
use super::{now_text, write_transaction, DbConn, StoreError};
use crate::domain::{Lang, Score};
use crate::feedback::aggregates::{
    plan_feedback_contribution, rating_contribution, Counters, Moments, RatingFacts,
    SiteAggregates, SkipFacts, SlotCounts,
};
use crate::feedback::insights::{PlanFeedbackRow, Publication, RatingRow};
use crate::feedback::{Followed, PublicationReason, SkipReason};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// Why a feedback write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum FeedbackError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The idempotency key was used before with another request.
    #[error("the Idempotency-Key was already used with a different request")]
    KeyReused,
    /// Raised inside a transaction when another request took the idempotency key first.
    #[error("the Idempotency-Key is taken")]
    KeyTaken,
}

impl From<DieselError> for FeedbackError {
    fn from(e: DieselError) -> FeedbackError {
        FeedbackError::Store(StoreError::Query(e))
    }
}

fn is_retryable(e: &FeedbackError) -> bool {
    matches!(
        e,
        FeedbackError::Store(StoreError::Query(DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::SerializationFailure,
            _
        )))
    )
}

fn is_unique_violation(e: &DieselError) -> bool {
    matches!(
        e,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}

/// A stored rating.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = ratings, treat_none_as_null = true)]
pub struct RatingRecord {
    pub id: String,
    pub site_id: String,
    pub place_id: String,
    pub visitor_id: String,
    pub overall: i32,
    pub value_for_money: Option<i32>,
    pub crowding: Option<i32>,
    pub findability: Option<i32>,
    pub photos_ok: Option<bool>,
    pub visited_at: Option<String>,
    pub crowd_slot: Option<i32>,
    pub comment: Option<String>,
    pub comment_lang: Option<String>,
    pub codes_json: String,
    pub hidden: bool,
    pub comment_hidden: bool,
    pub moderation_reason: Option<String>,
    pub moderated_by: Option<String>,
    pub moderated_at: Option<String>,
    pub revision: i64,
    pub created_at: String,
    pub updated_at: String,
    /// Weight of the rating's answers in the aggregates (see [`FULL_WEIGHT`](crate::feedback::aggregates::FULL_WEIGHT)).
    pub evidence_weight: i32,
}

/// The codes stored with a comment.
fn codes_of(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

impl RatingRecord {
    /// The comment's codes.
    pub fn codes(&self) -> Vec<String> {
        codes_of(&self.codes_json)
    }

    pub fn facts(&self) -> RatingFacts {
        RatingFacts {
            place_id: self.place_id.clone(),
            overall: self.overall,
            value_for_money: self.value_for_money,
            crowding: self.crowding,
            findability: self.findability,
            photos_ok: self.photos_ok,
            crowd_slot: self.crowd_slot.map(|s| s as u8),
            weight: self.evidence_weight.into(),
            hidden: self.hidden,
        }
    }

    pub fn contribution(&self) -> SiteAggregates {
        rating_contribution(&self.facts())
    }
}

/// A stored plan feedback.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = plan_feedback, treat_none_as_null = true)]
pub struct PlanFeedbackRecord {
    pub id: String,
    pub plan_id: String,
    pub site_id: String,
    pub visitor_id: String,
    pub snapshot_version: i64,
    pub followed: String,
    pub overall: i32,
    pub skipped_json: String,
    pub comment: Option<String>,
    pub comment_lang: Option<String>,
    pub codes_json: String,
    pub hidden: bool,
    pub comment_hidden: bool,
    pub moderation_reason: Option<String>,
    pub moderated_by: Option<String>,
    pub moderated_at: Option<String>,
    pub revision: i64,
    pub created_at: String,
    pub updated_at: String,
    /// Weight of the feedback's skips in the aggregates.
    pub evidence_weight: i32,
}

impl PlanFeedbackRecord {
    /// The comment's codes.
    pub fn codes(&self) -> Vec<String> {
        codes_of(&self.codes_json)
    }

    pub fn skipped(&self) -> Vec<SkipFacts> {
        serde_json::from_str(&self.skipped_json).unwrap_or_default()
    }

    pub fn contribution(&self) -> SiteAggregates {
        plan_feedback_contribution(&self.skipped(), self.evidence_weight.into(), self.hidden)
    }
}

/// A new rating (or the replacement of the visitor's earlier one).
#[derive(Clone, Debug)]
pub struct RatingInput {
    pub site_id: String,
    pub place_id: String,
    pub visitor_id: String,
    pub overall: Score,
    pub value_for_money: Option<Score>,
    pub crowding: Option<Score>,
    pub findability: Option<Score>,
    pub photos_ok: Option<bool>,
    pub visited_at: Option<String>,
    pub crowd_slot: Option<u8>,
    pub comment: Option<String>,
    pub comment_lang: Option<Lang>,
    pub codes: Vec<String>,
    /// Weight of the answers in the aggregates (see [`FULL_WEIGHT`](crate::feedback::aggregates::FULL_WEIGHT)).
    pub evidence_weight: i32,
    /// Why the rating is held for moderation instead of counting (a burst), if it is.
    pub held: Option<String>,
}

/// A new plan feedback (or the replacement of the visitor's earlier one for the plan).
#[derive(Clone, Debug)]
pub struct PlanFeedbackInput {
    pub plan_id: String,
    pub site_id: String,
    pub visitor_id: String,
    pub snapshot_version: i64,
    pub followed: Followed,
    pub overall: Score,
    pub skipped: Vec<SkipFacts>,
    pub comment: Option<String>,
    pub comment_lang: Option<Lang>,
    pub codes: Vec<String>,
    /// Weight of the skips in the aggregates.
    pub evidence_weight: i32,
    /// Why the feedback is held for moderation instead of counting (a burst), if it is.
    pub held: Option<String>,
}

/// An `Idempotency-Key` and the fingerprint of the request it came with.
#[derive(Clone, Debug)]
pub struct Idem {
    pub key: String,
    pub request_hash: String,
}

/// The reply of a write: the status and body to send (stored with the idempotency key).
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    /// True when the reply was stored by an earlier request with the same key.
    pub replayed: bool,
}

fn find_key(
    conn: &mut DbConn,
    visitor: &str,
    key: &str,
) -> Result<Option<(String, i32, String)>, StoreError> {
    Ok(idempotency_keys::table
        .find((visitor, key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::status,
            idempotency_keys::response_json,
        ))
        .first(conn)
        .optional()?)
}

fn replay(found: (String, i32, String), idem: &Idem) -> Result<Reply, FeedbackError> {
    let (hash, status, body) = found;
    if hash != idem.request_hash {
        return Err(FeedbackError::KeyReused);
    }
    Ok(Reply {
        status: status as u16,
        body,
        replayed: true,
    })
}

/// Runs a write idempotently: a known key replays its stored reply; otherwise `write` runs in a
/// write transaction that also stores the reply under the key, so concurrent retries make exactly
/// one write (the losers replay the winner's reply). Unique-key races are retried.
pub fn idempotent_write(
    conn: &mut DbConn,
    visitor: &str,
    idem: Option<&Idem>,
    write: impl Fn(&mut DbConn) -> Result<(u16, String), FeedbackError>,
) -> Result<Reply, FeedbackError> {
    if let Some(i) = idem {
        if let Some(found) = find_key(conn, visitor, &i.key)? {
            return replay(found, i);
        }
    }
    let mut attempt = 0;
    loop {
        attempt += 1;
        let res = write_transaction(conn, |c| -> Result<Reply, FeedbackError> {
            let (status, body) = write(c)?;
            if let Some(i) = idem {
                diesel::insert_into(idempotency_keys::table)
                    .values((
                        idempotency_keys::visitor_id.eq(visitor),
                        idempotency_keys::idem_key.eq(&i.key),
                        idempotency_keys::request_hash.eq(&i.request_hash),
                        idempotency_keys::status.eq(status as i32),
                        idempotency_keys::response_json.eq(&body),
                        idempotency_keys::created_at.eq(now_text()),
                    ))
                    .execute(c)
                    .map_err(|e| {
                        if is_unique_violation(&e) {
                            FeedbackError::KeyTaken
                        } else {
                            e.into()
                        }
                    })?;
            }
            Ok(Reply {
                status,
                body,
                replayed: false,
            })
        });
        match res {
            Err(FeedbackError::KeyTaken) => {
                let i = idem.expect("only raised with a key");
                let found = find_key(conn, visitor, &i.key)?.ok_or_else(|| {
                    StoreError::Other("idempotency key vanished after a conflict".into())
                })?;
                return replay(found, i);
            }
            Err(e) if attempt < 5 && is_retryable(&e) => continue,
            other => return other,
        }
    }
}

/// Deletes idempotency keys older than `max_age`; returns how many.
pub fn purge_idempotency_keys(
    conn: &mut DbConn,
    max_age: chrono::Duration,
) -> Result<usize, StoreError> {
    let cutoff =
        (chrono::Utc::now() - max_age).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    Ok(
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff)))
            .execute(conn)?,
    )
}

/// Applies a change to the stored aggregates (`column = column + delta`; missing rows are
/// created).
pub fn apply_delta(conn: &mut DbConn, site: &str, d: &SiteAggregates) -> Result<(), DieselError> {
    use place_aggregates::dsl as a;
    for (place, c) in &d.places {
        let n = diesel::update(a::place_aggregates.find((site, place)))
            .set((
                (
                    a::ratings_n.eq(a::ratings_n + c.ratings_n),
                    a::overall_w.eq(a::overall_w + c.overall.w),
                    a::overall_sum.eq(a::overall_sum + c.overall.sum),
                    a::overall_sq.eq(a::overall_sq + c.overall.sq),
                    a::vfm_w.eq(a::vfm_w + c.vfm.w),
                    a::vfm_sum.eq(a::vfm_sum + c.vfm.sum),
                    a::vfm_sq.eq(a::vfm_sq + c.vfm.sq),
                    a::find_w.eq(a::find_w + c.find.w),
                    a::find_sum.eq(a::find_sum + c.find.sum),
                    a::find_sq.eq(a::find_sq + c.find.sq),
                ),
                (
                    a::photo_w.eq(a::photo_w + c.photo.w),
                    a::photo_sum.eq(a::photo_sum + c.photo.sum),
                    a::photo_sq.eq(a::photo_sq + c.photo.sq),
                    a::crowd_w.eq(a::crowd_w + c.crowd.w),
                    a::crowd_sum.eq(a::crowd_sum + c.crowd.sum),
                    a::crowd_sq.eq(a::crowd_sq + c.crowd.sq),
                ),
                (
                    a::skip_closed.eq(a::skip_closed + c.skips[SkipReason::Closed.index()]),
                    a::skip_crowded.eq(a::skip_crowded + c.skips[SkipReason::Crowded.index()]),
                    a::skip_could_not_find
                        .eq(a::skip_could_not_find + c.skips[SkipReason::CouldNotFind.index()]),
                    a::skip_not_interesting
                        .eq(a::skip_not_interesting + c.skips[SkipReason::NotInteresting.index()]),
                    a::skip_no_time.eq(a::skip_no_time + c.skips[SkipReason::NoTime.index()]),
                ),
            ))
            .execute(conn)?;
        if n == 0 {
            insert_counters(conn, site, place, c)?;
        }
    }
    use place_crowding::dsl as p;
    for ((place, slot), s) in &d.crowding {
        let n = diesel::update(p::place_crowding.find((site, place, *slot as i32)))
            .set((
                p::w.eq(p::w + s.w),
                p::total.eq(p::total + s.sum),
                p::sq.eq(p::sq + s.sq),
            ))
            .execute(conn)?;
        if n == 0 {
            insert_slot(conn, site, place, *slot, s)?;
        }
    }
    Ok(())
}

fn insert_counters(
    conn: &mut DbConn,
    site: &str,
    place: &str,
    c: &Counters,
) -> Result<(), DieselError> {
    use place_aggregates::dsl as a;
    diesel::insert_into(a::place_aggregates)
        .values((
            (a::site_id.eq(site), a::place_id.eq(place)),
            (
                a::ratings_n.eq(c.ratings_n),
                a::overall_w.eq(c.overall.w),
                a::overall_sum.eq(c.overall.sum),
                a::overall_sq.eq(c.overall.sq),
                a::vfm_w.eq(c.vfm.w),
                a::vfm_sum.eq(c.vfm.sum),
                a::vfm_sq.eq(c.vfm.sq),
                a::find_w.eq(c.find.w),
                a::find_sum.eq(c.find.sum),
                a::find_sq.eq(c.find.sq),
            ),
            (
                a::photo_w.eq(c.photo.w),
                a::photo_sum.eq(c.photo.sum),
                a::photo_sq.eq(c.photo.sq),
                a::crowd_w.eq(c.crowd.w),
                a::crowd_sum.eq(c.crowd.sum),
                a::crowd_sq.eq(c.crowd.sq),
            ),
            (
                a::skip_closed.eq(c.skips[SkipReason::Closed.index()]),
                a::skip_crowded.eq(c.skips[SkipReason::Crowded.index()]),
                a::skip_could_not_find.eq(c.skips[SkipReason::CouldNotFind.index()]),
                a::skip_not_interesting.eq(c.skips[SkipReason::NotInteresting.index()]),
                a::skip_no_time.eq(c.skips[SkipReason::NoTime.index()]),
            ),
        ))
        .execute(conn)?;
    Ok(())
}

fn insert_slot(
    conn: &mut DbConn,
    site: &str,
    place: &str,
    slot: u8,
    s: &SlotCounts,
) -> Result<(), DieselError> {
    use place_crowding::dsl as p;
    diesel::insert_into(p::place_crowding)
        .values((
            p::site_id.eq(site),
            p::place_id.eq(place),
            p::slot.eq(slot as i32),
            p::w.eq(s.w),
            p::total.eq(s.sum),
            p::sq.eq(s.sq),
        ))
        .execute(conn)?;
    Ok(())
}

fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// What ratings and plan feedback share: an id, moderation flags that stick across
/// replacements, a revision, and a contribution to the aggregates.
pub trait FeedbackRecord: Clone {
    /// Takes over what a replacement keeps from the record it replaces (id, moderation,
    /// creation time) and counts the revision up.
    fn carry_over(&mut self, old: Option<&Self>);
    /// Applies an operator's decision.
    fn moderate(&mut self, m: &Moderation);
    fn contribution(&self) -> SiteAggregates;
}

macro_rules! feedback_record {
    ($t:ty) => {
        impl FeedbackRecord for $t {
            fn carry_over(&mut self, old: Option<&Self>) {
                if let Some(o) = old {
                    self.id = o.id.clone();
                    self.hidden = o.hidden;
                    self.comment_hidden = o.comment_hidden;
                    self.moderation_reason = o.moderation_reason.clone();
                    self.moderated_by = o.moderated_by.clone();
                    self.moderated_at = o.moderated_at.clone();
                    self.revision = o.revision + 1;
                    self.created_at = o.created_at.clone();
                }
            }

            fn moderate(&mut self, m: &Moderation) {
                self.hidden = m.hidden.unwrap_or(self.hidden);
                self.comment_hidden = m.comment_hidden.unwrap_or(self.comment_hidden);
                self.moderation_reason = m.reason.clone();
                self.moderated_by = Some(m.actor.clone());
                self.moderated_at = Some(now_text());
            }

            fn contribution(&self) -> SiteAggregates {
                <$t>::contribution(self)
            }
        }
    };
}

feedback_record!(RatingRecord);
feedback_record!(PlanFeedbackRecord);

/// Stores `rec` in place of `old` (the visitor's earlier record, if any) and moves the aggregates
/// by the difference; `save(conn, rec, replacing)` writes the row. Returns the stored record and
/// whether it replaced one. Moderation sticks to the visitor's record across replacements.
fn replace_record<T: FeedbackRecord>(
    c: &mut DbConn,
    site: &str,
    old: Option<T>,
    (mut rec, held): (T, Option<&str>),
    save: impl FnOnce(&mut DbConn, &T, bool) -> Result<usize, DieselError>,
) -> Result<(T, bool), FeedbackError> {
    rec.carry_over(old.as_ref());
    if let Some(reason) = held {
        rec.moderate(&Moderation {
            hidden: Some(true),
            comment_hidden: None,
            reason: Some(reason.to_string()),
            actor: HOLD_ACTOR.to_string(),
        });
    }
    let before = old.as_ref().map(|o| o.contribution()).unwrap_or_default();
    apply_delta(
        c,
        site,
        &SiteAggregates::delta(&rec.contribution(), &before),
    )?;
    save(c, &rec, old.is_some())?;
    Ok((rec, old.is_some()))
}

/// Applies a moderation decision to `old` and moves the aggregates by the difference; `save`
/// writes the row. Returns (old, new), or `None` when there is no record.
fn moderate_record<T: FeedbackRecord>(
    c: &mut DbConn,
    site: &str,
    old: Option<T>,
    m: &Moderation,
    save: impl FnOnce(&mut DbConn, &T) -> Result<usize, DieselError>,
) -> Result<Option<(T, T)>, StoreError> {
    let Some(old) = old else { return Ok(None) };
    let mut new = old.clone();
    new.moderate(m);
    apply_delta(
        c,
        site,
        &SiteAggregates::delta(&new.contribution(), &old.contribution()),
    )?;
    save(c, &new)?;
    Ok(Some((old, new)))
}

/// Writes a rating (replacing the visitor's earlier one for the place) and updates the
/// aggregates; to run inside a write transaction (see [`idempotent_write`]). Returns the stored
/// rating and whether it replaced one.
pub fn write_rating(
    c: &mut DbConn,
    input: &RatingInput,
) -> Result<(RatingRecord, bool), FeedbackError> {
    {
        use ratings::dsl as r;
        let mine = r::site_id
            .eq(&input.site_id)
            .and(r::place_id.eq(&input.place_id))
            .and(r::visitor_id.eq(&input.visitor_id));
        diesel::update(r::ratings.filter(mine))
            .set(r::revision.eq(r::revision))
            .execute(c)?;
        let old: Option<RatingRecord> = r::ratings
            .filter(mine)
            .select(RatingRecord::as_select())
            .first(c)
            .optional()?;
        let now = now_text();
        let rec = RatingRecord {
            id: new_id("r"),
            site_id: input.site_id.clone(),
            place_id: input.place_id.clone(),
            visitor_id: input.visitor_id.clone(),
            overall: input.overall.into(),
            value_for_money: input.value_for_money.map(i32::from),
            crowding: input.crowding.map(i32::from),
            findability: input.findability.map(i32::from),
            photos_ok: input.photos_ok,
            visited_at: input.visited_at.clone(),
            crowd_slot: input.crowd_slot.map(i32::from),
            comment: input.comment.clone(),
            comment_lang: input.comment_lang.map(|l| l.as_str().to_string()),
            codes_json: serde_json::to_string(&input.codes).expect("serialises"),
            hidden: false,
            comment_hidden: false,
            moderation_reason: None,
            moderated_by: None,
            moderated_at: None,
            revision: 1,
            created_at: now.clone(),
            updated_at: now,
            evidence_weight: input.evidence_weight,
        };
        replace_record(
            c,
            &input.site_id,
            old,
            (rec, input.held.as_deref()),
            |c, rec, replacing| {
                if replacing {
                    diesel::update(r::ratings.find(&rec.id)).set(rec).execute(c)
                } else {
                    diesel::insert_into(r::ratings).values(rec).execute(c)
                }
            },
        )
    }
}

/// Writes a plan feedback (replacing the visitor's earlier one for the plan) and updates the
/// aggregates, as [`write_rating`].
pub fn write_plan_feedback(
    c: &mut DbConn,
    input: &PlanFeedbackInput,
) -> Result<(PlanFeedbackRecord, bool), FeedbackError> {
    {
        use plan_feedback::dsl as f;
        let mine = f::plan_id
            .eq(&input.plan_id)
            .and(f::visitor_id.eq(&input.visitor_id));
        diesel::update(f::plan_feedback.filter(mine))
            .set(f::revision.eq(f::revision))
            .execute(c)?;
        let old: Option<PlanFeedbackRecord> = f::plan_feedback
            .filter(mine)
            .select(PlanFeedbackRecord::as_select())
            .first(c)
            .optional()?;
        let now = now_text();
        let rec = PlanFeedbackRecord {
            id: new_id("pf"),
            plan_id: input.plan_id.clone(),
            site_id: input.site_id.clone(),
            visitor_id: input.visitor_id.clone(),
            snapshot_version: input.snapshot_version,
            followed: input.followed.as_str().to_string(),
            overall: input.overall.into(),
            skipped_json: serde_json::to_string(&input.skipped).expect("serialises"),
            comment: input.comment.clone(),
            comment_lang: input.comment_lang.map(|l| l.as_str().to_string()),
            codes_json: serde_json::to_string(&input.codes).expect("serialises"),
            hidden: false,
            comment_hidden: false,
            moderation_reason: None,
            moderated_by: None,
            moderated_at: None,
            revision: 1,
            created_at: now.clone(),
            updated_at: now,
            evidence_weight: input.evidence_weight,
        };
        replace_record(
            c,
            &input.site_id,
            old,
            (rec, input.held.as_deref()),
            |c, rec, replacing| {
                if replacing {
                    diesel::update(f::plan_feedback.find(&rec.id))
                        .set(rec)
                        .execute(c)
                } else {
                    diesel::insert_into(f::plan_feedback).values(rec).execute(c)
                }
            },
        )
    }
}

/// Who holds a feedback for moderation when the burst rules do (`moderation.by`).
pub const HOLD_ACTOR: &str = "system:burst";

/// An operator's moderation decision. `None` leaves a flag as it is.
#[derive(Clone, Debug)]
pub struct Moderation {
    pub hidden: Option<bool>,
    pub comment_hidden: Option<bool>,
    pub reason: Option<String>,
    pub actor: String,
}

/// A stored rating by id within a site.
pub fn get_rating(
    conn: &mut DbConn,
    site: &str,
    id: &str,
) -> Result<Option<RatingRecord>, StoreError> {
    Ok(ratings::table
        .filter(ratings::id.eq(id).and(ratings::site_id.eq(site)))
        .select(RatingRecord::as_select())
        .first(conn)
        .optional()?)
}

/// A stored plan feedback by id within a site.
pub fn get_plan_feedback(
    conn: &mut DbConn,
    site: &str,
    id: &str,
) -> Result<Option<PlanFeedbackRecord>, StoreError> {
    Ok(plan_feedback::table
        .filter(
            plan_feedback::id
                .eq(id)
                .and(plan_feedback::site_id.eq(site)),
        )
        .select(PlanFeedbackRecord::as_select())
        .first(conn)
        .optional()?)
}

/// Hides or unhides a rating (or only its comment) and moves the aggregates accordingly, in one
/// transaction. Returns the (old, new) record, or `None` for an unknown id.
pub fn moderate_rating(
    conn: &mut DbConn,
    site: &str,
    id: &str,
    m: &Moderation,
) -> Result<Option<(RatingRecord, RatingRecord)>, StoreError> {
    use ratings::dsl as r;
    write_transaction(conn, |c| {
        diesel::update(r::ratings.filter(r::id.eq(id).and(r::site_id.eq(site))))
            .set(r::revision.eq(r::revision))
            .execute(c)?;
        let old = get_rating(c, site, id)?;
        moderate_record(c, site, old, m, |c, new| {
            diesel::update(r::ratings.find(id)).set(new).execute(c)
        })
    })
}

/// Hides or unhides a plan feedback (or only its comment), as [`moderate_rating`].
pub fn moderate_plan_feedback(
    conn: &mut DbConn,
    site: &str,
    id: &str,
    m: &Moderation,
) -> Result<Option<(PlanFeedbackRecord, PlanFeedbackRecord)>, StoreError> {
    use plan_feedback::dsl as f;
    write_transaction(conn, |c| {
        diesel::update(f::plan_feedback.filter(f::id.eq(id).and(f::site_id.eq(site))))
            .set(f::revision.eq(f::revision))
            .execute(c)?;
        let old = get_plan_feedback(c, site, id)?;
        moderate_record(c, site, old, m, |c, new| {
            diesel::update(f::plan_feedback.find(id))
                .set(new)
                .execute(c)
        })
    })
}

/// The stored aggregates of a site (all-zero rows left out).
pub fn load_aggregates(conn: &mut DbConn, site: &str) -> Result<SiteAggregates, StoreError> {
    use place_aggregates::dsl as a;
    type Triple = (i64, i64, i64);
    type Row = (
        String,
        i64,
        (Triple, Triple, Triple, Triple, Triple),
        (i64, i64, i64, i64, i64),
    );
    let rows: Vec<Row> = a::place_aggregates
        .filter(a::site_id.eq(site))
        .select((
            a::place_id,
            a::ratings_n,
            (
                (a::overall_w, a::overall_sum, a::overall_sq),
                (a::vfm_w, a::vfm_sum, a::vfm_sq),
                (a::find_w, a::find_sum, a::find_sq),
                (a::photo_w, a::photo_sum, a::photo_sq),
                (a::crowd_w, a::crowd_sum, a::crowd_sq),
            ),
            (
                a::skip_closed,
                a::skip_crowded,
                a::skip_could_not_find,
                a::skip_not_interesting,
                a::skip_no_time,
            ),
        ))
        .load(conn)?;
    let moments = |(w, sum, sq): Triple| Moments { w, sum, sq };
    let mut agg = SiteAggregates::default();
    for (p, ratings_n, m, s) in rows {
        agg.places.insert(
            p,
            Counters {
                ratings_n,
                overall: moments(m.0),
                vfm: moments(m.1),
                find: moments(m.2),
                photo: moments(m.3),
                crowd: moments(m.4),
                // The columns in the order of `SkipReason::ALL`.
                skips: [s.0, s.1, s.2, s.3, s.4],
            },
        );
    }
    use place_crowding::dsl as pc;
    let slots: Vec<(String, i32, Triple)> = pc::place_crowding
        .filter(pc::site_id.eq(site))
        .select((pc::place_id, pc::slot, (pc::w, pc::total, pc::sq)))
        .load(conn)?;
    for (p, slot, m) in slots {
        agg.crowding.insert((p, slot as u8), moments(m));
    }
    Ok(agg.normalized())
}

/// Visible ratings of a place written since `since` without evidence of a visit (weight below
/// [`FULL_WEIGHT`](crate::feedback::aggregates::FULL_WEIGHT)), for the burst rule.
pub fn recent_unverified_ratings(
    conn: &mut DbConn,
    site: &str,
    place: &str,
    since: &str,
) -> Result<i64, StoreError> {
    use ratings::dsl as r;
    Ok(r::ratings
        .filter(r::site_id.eq(site).and(r::place_id.eq(place)))
        .filter(r::created_at.ge(since))
        .filter(r::hidden.eq(false))
        .filter(r::evidence_weight.lt(crate::feedback::aggregates::FULL_WEIGHT as i32))
        .count()
        .get_result(conn)?)
}

/// A visitor's plan feedback as the evidence rules read it.
#[derive(Clone, Debug)]
pub struct VisitorFeedback {
    pub skips: Vec<SkipFacts>,
    pub hidden: bool,
    pub created_at: String,
}

/// A visitor's plan feedback of a site written since `since`, other than for `plan`.
pub fn visitor_feedback_since(
    conn: &mut DbConn,
    site: &str,
    visitor: &str,
    since: &str,
    plan: &str,
) -> Result<Vec<VisitorFeedback>, StoreError> {
    use plan_feedback::dsl as f;
    let rows: Vec<(String, bool, String)> = f::plan_feedback
        .filter(f::site_id.eq(site).and(f::visitor_id.eq(visitor)))
        .filter(f::created_at.ge(since))
        .filter(f::plan_id.ne(plan))
        .select((f::skipped_json, f::hidden, f::created_at))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(j, hidden, created_at)| VisitorFeedback {
            skips: serde_json::from_str(&j).unwrap_or_default(),
            hidden,
            created_at,
        })
        .collect())
}

/// Feedback written in `[from, to)` that the burst rules hold for moderation: ratings per place
/// and the number of plan feedbacks.
pub fn held_in_range(
    conn: &mut DbConn,
    site: &str,
    from: &str,
    to: &str,
) -> Result<(Vec<(String, i64)>, i64), StoreError> {
    use diesel::dsl::count_star;
    let ratings: Vec<(String, i64)> = ratings::table
        .filter(ratings::site_id.eq(site))
        .filter(ratings::hidden.eq(true))
        .filter(ratings::moderated_by.eq(HOLD_ACTOR))
        .filter(ratings::created_at.ge(from).and(ratings::created_at.lt(to)))
        .group_by(ratings::place_id)
        .select((ratings::place_id, count_star()))
        .order(ratings::place_id)
        .load(conn)?;
    let feedback: i64 = plan_feedback::table
        .filter(plan_feedback::site_id.eq(site))
        .filter(plan_feedback::hidden.eq(true))
        .filter(plan_feedback::moderated_by.eq(HOLD_ACTOR))
        .filter(
            plan_feedback::created_at
                .ge(from)
                .and(plan_feedback::created_at.lt(to)),
        )
        .count()
        .get_result(conn)?;
    Ok((ratings, feedback))
}

/// Whether a site's stored aggregates are missing while raw feedback exists (as after the
/// aggregates' format changed): they are then rebuilt on start.
pub fn aggregates_missing(conn: &mut DbConn, site: &str) -> Result<bool, StoreError> {
    use diesel::dsl::{exists, select};
    let stored: bool = select(exists(
        place_aggregates::table.filter(place_aggregates::site_id.eq(site)),
    ))
    .get_result(conn)?;
    if stored {
        return Ok(false);
    }
    let rated: bool = select(exists(
        ratings::table.filter(ratings::site_id.eq(site).and(ratings::hidden.eq(false))),
    ))
    .get_result(conn)?;
    let fed_back: bool = select(exists(
        plan_feedback::table.filter(
            plan_feedback::site_id
                .eq(site)
                .and(plan_feedback::hidden.eq(false)),
        ),
    ))
    .get_result(conn)?;
    Ok(rated || fed_back)
}

/// The aggregates of a site computed from the raw ratings and plan feedback.
pub fn compute_from_raw(conn: &mut DbConn, site: &str) -> Result<SiteAggregates, StoreError> {
    let mut agg = SiteAggregates::default();
    let rs: Vec<RatingRecord> = ratings::table
        .filter(ratings::site_id.eq(site).and(ratings::hidden.eq(false)))
        .select(RatingRecord::as_select())
        .load(conn)?;
    for r in &rs {
        agg.add(&r.contribution(), 1);
    }
    let fs: Vec<PlanFeedbackRecord> = plan_feedback::table
        .filter(
            plan_feedback::site_id
                .eq(site)
                .and(plan_feedback::hidden.eq(false)),
        )
        .select(PlanFeedbackRecord::as_select())
        .load(conn)?;
    for f in &fs {
        agg.add(&f.contribution(), 1);
    }
    Ok(agg.normalized())
}

/// What a rebuild found and did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RebuildReport {
    pub site: String,
    /// Places and crowding slots with aggregates after the rebuild.
    pub places: usize,
    pub slots: usize,
    /// Whether the stored aggregates differed from the rebuilt ones.
    pub changed: bool,
}

/// Recomputes a site's aggregates from raw rows and, unless `check_only`, replaces the stored
/// ones, in one transaction that keeps concurrent writers out (they apply their change after).
pub fn rebuild_aggregates(
    conn: &mut DbConn,
    site: &str,
    check_only: bool,
) -> Result<RebuildReport, StoreError> {
    write_transaction(conn, |c| {
        if let DbConn::Pg(_) = c {
            c.batch_execute("LOCK TABLE place_aggregates, place_crowding IN EXCLUSIVE MODE")?;
        }
        let stored = load_aggregates(c, site)?;
        let fresh = compute_from_raw(c, site)?;
        let changed = stored != fresh;
        if changed && !check_only {
            diesel::delete(place_aggregates::table.filter(place_aggregates::site_id.eq(site)))
                .execute(c)?;
            diesel::delete(place_crowding::table.filter(place_crowding::site_id.eq(site)))
                .execute(c)?;
            for (p, counters) in &fresh.places {
                insert_counters(c, site, p, counters)?;
            }
            for ((p, slot), s) in &fresh.crowding {
                insert_slot(c, site, p, *slot, s)?;
            }
        }
        Ok(RebuildReport {
            site: site.to_string(),
            places: fresh.places.len(),
            slots: fresh.crowding.len(),
            changed,
        })
    })
}

/// Fingerprints of the planner's stats: the current ones and those of the site without any
/// feedback (what a first publication must differ from).
#[derive(Clone, Copy, Debug)]
pub struct StatsHashes<'a> {
    pub current: &'a str,
    pub without_feedback: &'a str,
}

/// Publishes a new snapshot version of a site for new aggregates: bumps the site version and
/// records the publication, unless (when not `force`) the last publication has the same stats or
/// is younger than `min_interval`. Returns the new version, or `None` when nothing was published.
pub fn publish(
    conn: &mut DbConn,
    site: &str,
    hashes: StatsHashes,
    reason: PublicationReason,
    actor: Option<&str>,
    force: bool,
    min_interval: chrono::Duration,
) -> Result<Option<i64>, StoreError> {
    let StatsHashes {
        current: stats_hash,
        without_feedback,
    } = hashes;
    write_transaction(conn, |c| {
        let now = now_text();
        // Taking the site row first serialises publishers of the site across instances.
        let Some(version) = super::site::next_version(c, site, None)? else {
            return Ok(None);
        };
        if !force {
            let last: Option<(String, String)> = snapshot_publications::table
                .filter(snapshot_publications::site_id.eq(site))
                .order(snapshot_publications::version.desc())
                .select((
                    snapshot_publications::stats_hash,
                    snapshot_publications::published_at,
                ))
                .first(c)
                .optional()?;
            let skip = match last {
                Some((hash, at)) => {
                    let young = chrono::DateTime::parse_from_rfc3339(&at)
                        .map(|t| chrono::Utc::now().signed_duration_since(t) < min_interval)
                        .unwrap_or(false);
                    hash == stats_hash || young
                }
                // Never published: only feedback worth a new version counts.
                None => stats_hash == without_feedback,
            };
            if skip {
                return Err(DieselError::RollbackTransaction.into());
            }
        }
        diesel::insert_into(snapshot_publications::table)
            .values((
                snapshot_publications::site_id.eq(site),
                snapshot_publications::version.eq(version),
                snapshot_publications::stats_hash.eq(stats_hash),
                snapshot_publications::reason.eq(reason.as_str()),
                snapshot_publications::published_by.eq(actor),
                snapshot_publications::published_at.eq(&now),
            ))
            .execute(c)?;
        Ok(Some(version))
    })
    .or_else(|e| match e {
        StoreError::Query(DieselError::RollbackTransaction) => Ok(None),
        e => Err(e),
    })
}

/// Every publication of a site, newest first.
pub fn publications(conn: &mut DbConn, site: &str) -> Result<Vec<Publication>, StoreError> {
    let rows: Vec<(i64, String, String)> = snapshot_publications::table
        .filter(snapshot_publications::site_id.eq(site))
        .order(snapshot_publications::version.desc())
        .select((
            snapshot_publications::version,
            snapshot_publications::reason,
            snapshot_publications::published_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(version, reason, published_at)| {
            Ok(Publication {
                version,
                reason: super::site::text_enum(reason)?,
                published_at,
            })
        })
        .collect()
}

fn parse_time(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default()
}

/// Visible ratings of a site rated (or last replaced) in `[from, to)`, optionally of one place.
pub fn ratings_in_range(
    conn: &mut DbConn,
    site: &str,
    from: &str,
    to: &str,
    place: Option<&str>,
) -> Result<Vec<RatingRow>, StoreError> {
    let mut q = ratings::table
        .filter(ratings::site_id.eq(site))
        .filter(ratings::hidden.eq(false))
        .filter(ratings::updated_at.ge(from))
        .filter(ratings::updated_at.lt(to))
        .select(RatingRecord::as_select())
        .into_boxed();
    if let Some(p) = place {
        q = q.filter(ratings::place_id.eq(p.to_string()));
    }
    let rows: Vec<RatingRecord> = q.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let has_comment = r.comment.is_some() && !r.comment_hidden;
            RatingRow {
                codes: if has_comment { r.codes() } else { vec![] },
                has_comment,
                at: parse_time(&r.updated_at),
                id: r.id,
                place_id: r.place_id,
                overall: r.overall,
                value_for_money: r.value_for_money,
                crowding: r.crowding,
                findability: r.findability,
                photos_ok: r.photos_ok,
            }
        })
        .collect())
}

/// Visible plan feedback of a site given (or last replaced) in `[from, to)`.
pub fn plan_feedback_in_range(
    conn: &mut DbConn,
    site: &str,
    from: &str,
    to: &str,
) -> Result<Vec<PlanFeedbackRow>, StoreError> {
    let rows: Vec<PlanFeedbackRecord> = plan_feedback::table
        .filter(plan_feedback::site_id.eq(site))
        .filter(plan_feedback::hidden.eq(false))
        .filter(plan_feedback::updated_at.ge(from))
        .filter(plan_feedback::updated_at.lt(to))
        .select(PlanFeedbackRecord::as_select())
        .load(conn)?;
    rows.into_iter()
        .map(|f| {
            let has_comment = f.comment.is_some() && !f.comment_hidden;
            Ok(PlanFeedbackRow {
                skipped: f
                    .skipped()
                    .into_iter()
                    .map(|s| (s.place_id, s.reason))
                    .collect(),
                codes: if has_comment { f.codes() } else { vec![] },
                has_comment,
                at: parse_time(&f.updated_at),
                id: f.id,
                plan_id: f.plan_id,
                snapshot_version: f.snapshot_version,
                followed: super::site::text_enum(f.followed)?,
                overall: f.overall,
            })
        })
        .collect()
}

/// Plans of a site created in `[from, to)`: (snapshot version, created at).
pub fn plans_in_range(
    conn: &mut DbConn,
    site: &str,
    from: &str,
    to: &str,
) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(plans::table
        .filter(plans::site_id.eq(site))
        .filter(plans::created_at.ge(from))
        .filter(plans::created_at.lt(to))
        .select((plans::snapshot_version, plans::created_at))
        .load(conn)?)
}

/// A page of ratings for listing, newest first.
#[derive(Clone, Debug, Default)]
pub struct RatingQuery {
    pub site: String,
    pub place: Option<String>,
    /// `Some(true)`: only hidden; `Some(false)`: only visible; `None`: both.
    pub hidden: Option<bool>,
    /// Only ratings with a comment.
    pub with_comment: bool,
    /// Only what the public may see: visible ratings with visible comments.
    pub public: bool,
    pub code: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Continue after this (updated_at, id).
    pub after: Option<(String, String)>,
    pub limit: i64,
}

/// Ratings matching a query, newest first, `limit + 1` at most (to tell whether more follow).
pub fn list_ratings(conn: &mut DbConn, q: &RatingQuery) -> Result<Vec<RatingRecord>, StoreError> {
    use ratings::dsl as r;
    let mut b = r::ratings
        .filter(r::site_id.eq(q.site.clone()))
        .select(RatingRecord::as_select())
        .into_boxed();
    if let Some(p) = &q.place {
        b = b.filter(r::place_id.eq(p.clone()));
    }
    if let Some(h) = q.hidden {
        b = b.filter(r::hidden.eq(h));
    }
    if q.with_comment {
        b = b.filter(r::comment.is_not_null());
    }
    if q.public {
        b = b.filter(r::hidden.eq(false).and(r::comment_hidden.eq(false)));
    }
    if let Some(c) = &q.code {
        let escaped = c
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        b = b.filter(r::codes_json.like(format!("%\"{escaped}\"%")).escape('\\'));
    }
    if let Some(f) = &q.from {
        b = b.filter(r::updated_at.ge(f.clone()));
    }
    if let Some(t) = &q.to {
        b = b.filter(r::updated_at.lt(t.clone()));
    }
    if let Some((at, id)) = &q.after {
        b = b.filter(
            r::updated_at
                .lt(at.clone())
                .or(r::updated_at.eq(at.clone()).and(r::id.lt(id.clone()))),
        );
    }
    Ok(b.order((r::updated_at.desc(), r::id.desc()))
        .limit(q.limit + 1)
        .load(conn)?)
}

/// Rewrites the stored codes of every comment of a site with `code` (after a codebook edit).
/// Returns how many rows changed.
pub fn recode_comments(
    conn: &mut DbConn,
    site: &str,
    code: &dyn Fn(&str) -> Vec<String>,
) -> Result<usize, StoreError> {
    let mut changed = 0;
    macro_rules! recode {
        ($t:ident) => {
            let rows: Vec<(String, String, String)> = $t::table
                .filter($t::site_id.eq(site).and($t::comment.is_not_null()))
                .select(($t::id, $t::comment.assume_not_null(), $t::codes_json))
                .load(conn)?;
            for (id, text, old) in rows {
                let new = serde_json::to_string(&code(&text)).expect("serialises");
                if new != old {
                    diesel::update($t::table.find(&id))
                        .set($t::codes_json.eq(&new))
                        .execute(conn)?;
                    changed += 1;
                }
            }
        };
    }
    recode!(ratings);
    recode!(plan_feedback);
    Ok(changed)
}

/// How many ratings a site has (all, hidden included): for load tests and operators.
pub fn count_ratings(conn: &mut DbConn, site: &str) -> Result<i64, StoreError> {
    Ok(ratings::table
        .filter(ratings::site_id.eq(site))
        .count()
        .get_result(conn)?)
}

/// Writes one open code of a site's codebook (created when `create`), recodes every stored
/// comment with the edited codebook and bumps the site version, in one transaction. `check`
/// runs first on the stored code (for `If-Match`) and may refuse. Returns the new site version
/// and how many comments changed codes.
pub fn write_code<E>(
    conn: &mut DbConn,
    site: &str,
    code: &crate::domain::Code,
    create: bool,
    check: impl FnOnce(Option<&crate::domain::Code>) -> Result<(), E>,
    recode: impl FnOnce(&mut DbConn, &crate::domain::Codebook) -> Result<usize, StoreError>,
) -> Result<(i64, usize), E>
where
    E: From<StoreError>,
{
    write_transaction(conn, |c| {
        if super::site::next_version(c, site, None)?.is_none() {
            return Err(StoreError::Other(format!("no site `{site}`")).into());
        }
        let (mut data, version) = super::site::load_site(c, site)?
            .ok_or_else(|| StoreError::Other(format!("no site `{site}`")))?;
        let existing = data
            .codebook
            .codes
            .iter()
            .find(|k| k.id == code.id)
            .cloned();
        check(existing.as_ref())?;
        let row = (
            codebook_codes::category_id.eq(&code.category),
            codebook_codes::name_zh.eq(&code.name.zh),
            codebook_codes::name_en.eq(&code.name.en),
            codebook_codes::frequency.eq(code.frequency.as_str()),
            codebook_codes::sentiment.eq(code.sentiment.as_str()),
            codebook_codes::keywords_zh_json
                .eq(serde_json::to_string(&code.keywords.zh).expect("serialises")),
            codebook_codes::keywords_en_json
                .eq(serde_json::to_string(&code.keywords.en).expect("serialises")),
        );
        if create {
            diesel::insert_into(codebook_codes::table)
                .values((
                    codebook_codes::site_id.eq(site),
                    codebook_codes::id.eq(&code.id),
                    row,
                ))
                .execute(c)
                .map_err(StoreError::from)?;
            data.codebook.codes.push(code.clone());
        } else {
            diesel::update(codebook_codes::table.find((site, &code.id)))
                .set(row)
                .execute(c)
                .map_err(StoreError::from)?;
            for k in data.codebook.codes.iter_mut().filter(|k| k.id == code.id) {
                *k = code.clone();
            }
        }
        let changed = recode(c, &data.codebook)?;
        Ok((version, changed))
    })
}

/// The planner's per-place statistics for a site from its stored aggregates and visit records
/// (the learned dwell).
pub fn load_stats(
    conn: &mut DbConn,
    data: &crate::domain::SiteData,
) -> Result<std::collections::HashMap<String, planner::model::PlaceStats>, StoreError> {
    let agg = load_aggregates(conn, &data.site.id)?;
    let mut stats = crate::feedback::aggregates::site_stats(data, &agg);
    let visits = super::visits::load_visit_stats(conn, data)?;
    crate::feedback::visits::apply(&mut stats, data, &visits);
    Ok(stats)
}
