//! Feedback writes as the API makes them: a rating or plan feedback stored idempotently with
//! the reply its author sees, and the views of stored feedback for the public, its author and
//! operators.

use crate::feedback::visits::VisitSource;
use crate::store::feedback::{
    self as fstore, FeedbackError, Idem, PlanFeedbackInput, PlanFeedbackRecord, RatingInput,
    RatingRecord, Reply,
};
use crate::store::visits::{replace_source_visits, time_text, NewVisit};
use crate::store::DbConn;
use serde_json::{json, Value};

/// Who sees a stored feedback: the visitor who wrote it, an operator, or the public.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Author,
    Operator,
    Public,
}

/// A stored feedback as the API shows it to one of the [`View`]s.
pub trait FeedbackView {
    fn to_json(&self, view: View) -> Value;
}

macro_rules! feedback_view {
    ($t:ty, $own:ident) => {
        impl FeedbackView for $t {
            /// The API representation: the public never sees hidden comments, moderation or
            /// visitor ids; the author sees the moderation flags; operators see everything.
            fn to_json(&self, view: View) -> Value {
                let mut v = $own(self);
                let show_comment = view != View::Public || !self.comment_hidden;
                v["comment"] = json!(self.comment.as_ref().filter(|_| show_comment));
                v["comment_lang"] = json!(self.comment_lang.as_ref().filter(|_| show_comment));
                v["codes"] = json!(if show_comment {
                    self.codes()
                } else {
                    vec![]
                });
                v["revision"] = json!(self.revision);
                v["created_at"] = json!(self.created_at);
                v["updated_at"] = json!(self.updated_at);
                if view != View::Public {
                    v["hidden"] = json!(self.hidden);
                    v["comment_hidden"] = json!(self.comment_hidden);
                }
                if view == View::Operator {
                    v["visitor_id"] = json!(self.visitor_id);
                    v["moderation"] = json!({
                        "hidden": self.hidden,
                        "comment_hidden": self.comment_hidden,
                        "reason": self.moderation_reason,
                        "by": self.moderated_by,
                        "at": self.moderated_at,
                    });
                }
                v
            }
        }
    };
}

/// The fields of a rating of its own; [`FeedbackView::to_json`] adds the shared ones.
fn rating_json(r: &RatingRecord) -> Value {
    json!({
        "id": r.id,
        "site": r.site_id,
        "place_id": r.place_id,
        "overall": r.overall,
        "value_for_money": r.value_for_money,
        "crowding": r.crowding,
        "findability": r.findability,
        "photos_ok": r.photos_ok,
        "visited_at": r.visited_at,
    })
}

/// The fields of a plan feedback of its own.
fn plan_feedback_json(r: &PlanFeedbackRecord) -> Value {
    let skipped: Vec<Value> = r
        .skipped()
        .into_iter()
        .map(|s| json!({"place_id": s.place_id, "reason": s.reason}))
        .collect();
    json!({
        "id": r.id,
        "plan_id": r.plan_id,
        "site": r.site_id,
        "snapshot_version": r.snapshot_version,
        "followed": r.followed,
        "overall": r.overall,
        "skipped": skipped,
    })
}

feedback_view!(RatingRecord, rating_json);
feedback_view!(PlanFeedbackRecord, plan_feedback_json);

/// The author's reply to a write: 201 with the record for a first one, 200 for a replacement.
fn authored<T: FeedbackView>((rec, replaced): (T, bool)) -> (u16, String) {
    let mut body = rec.to_json(View::Author);
    body["replaced"] = json!(replaced);
    (if replaced { 200 } else { 201 }, body.to_string())
}

/// Stores a rating (replacing the visitor's earlier one for the place) with the aggregates, once
/// per idempotency key. Its `visited_at` is also a visit record (an arrival without departure,
/// under `visitor_hash`), replacing the rating's earlier one.
pub fn submit_rating(
    conn: &mut DbConn,
    input: &RatingInput,
    visitor_hash: &str,
    idem: Option<&Idem>,
) -> Result<Reply, FeedbackError> {
    fstore::idempotent_write(conn, &input.visitor_id, idem, |c| {
        store_rating(c, input, visitor_hash)
    })
}

/// Writes a rating and its visit record; the author's reply.
fn store_rating(
    c: &mut DbConn,
    input: &RatingInput,
    visitor_hash: &str,
) -> Result<(u16, String), FeedbackError> {
    let (rec, replaced) = fstore::write_rating(c, input)?;
    let visit: Vec<NewVisit> = input
        .visited_at
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| NewVisit {
            place_id: input.place_id.clone(),
            visitor_hash: visitor_hash.to_string(),
            arrived: t.with_timezone(&chrono::Utc),
            left: None,
        })
        .into_iter()
        .collect();
    replace_source_visits(c, &input.site_id, VisitSource::Rating, &rec.id, &visit)?;
    Ok(authored((rec, replaced)))
}

/// A visit of a plan feedback as its author sees it.
fn visit_json(v: &NewVisit) -> Value {
    json!({
        "place": v.place_id,
        "arrived": time_text(v.arrived),
        "left": v.left.map(time_text),
    })
}

/// A visitor's rating as the API receives it: its weight and any hold are decided by the
/// evidence rules ([`super::evidence`]) in the write's transaction, then it is stored as
/// [`submit_rating`] does. `at`: when the visit was (its `visited_at`, or now).
pub fn submit_visitor_rating(
    conn: &mut DbConn,
    input: &RatingInput,
    visitor_hash: &str,
    on_site_fix: bool,
    at: chrono::DateTime<chrono::Utc>,
    idem: Option<&Idem>,
) -> Result<Reply, FeedbackError> {
    fstore::idempotent_write(conn, &input.visitor_id, idem, |c| {
        let (weight, held) = super::evidence::rating_weight_and_hold(
            c,
            &input.site_id,
            &input.visitor_id,
            &input.place_id,
            on_site_fix,
            at,
            chrono::Utc::now(),
        )?;
        let input = RatingInput {
            evidence_weight: weight,
            held,
            ..input.clone()
        };
        store_rating(c, &input, visitor_hash)
    })
}

/// A visitor's plan feedback as the API receives it: skips already counted that day are marked
/// not to count and a burst is held ([`super::evidence`]), then it is stored as
/// [`submit_plan_feedback`] does.
pub fn submit_visitor_plan_feedback(
    conn: &mut DbConn,
    input: &PlanFeedbackInput,
    visits: &[NewVisit],
    idem: Option<&Idem>,
) -> Result<Reply, FeedbackError> {
    fstore::idempotent_write(conn, &input.visitor_id, idem, |c| {
        let mut input = input.clone();
        input.held = super::evidence::check_skips(
            c,
            &input.site_id,
            &input.visitor_id,
            &input.plan_id,
            &mut input.skipped,
            chrono::Utc::now(),
        )?;
        store_plan_feedback(c, &input, visits)
    })
}

/// Stores a plan feedback (replacing the visitor's earlier one for the plan) with the
/// aggregates and its visit records (replacing the earlier feedback's), once per idempotency
/// key.
pub fn submit_plan_feedback(
    conn: &mut DbConn,
    input: &PlanFeedbackInput,
    visits: &[NewVisit],
    idem: Option<&Idem>,
) -> Result<Reply, FeedbackError> {
    fstore::idempotent_write(conn, &input.visitor_id, idem, |c| {
        store_plan_feedback(c, input, visits)
    })
}

/// Writes a plan feedback and its visit records; the author's reply.
fn store_plan_feedback(
    c: &mut DbConn,
    input: &PlanFeedbackInput,
    visits: &[NewVisit],
) -> Result<(u16, String), FeedbackError> {
    let (rec, replaced) = fstore::write_plan_feedback(c, input)?;
    replace_source_visits(
        c,
        &input.site_id,
        VisitSource::PlanFeedback,
        &rec.id,
        visits,
    )?;
    let (status, body) = authored((rec, replaced));
    let mut v: Value = serde_json::from_str(&body).expect("our own JSON");
    v["visits"] = json!(visits.iter().map(visit_json).collect::<Vec<_>>());
    Ok((status, v.to_string()))
}
