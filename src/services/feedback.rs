//! Feedback writes as the API makes them: a rating or plan feedback stored idempotently with
//! the reply its author sees, and the views of stored feedback for the public, its author and
//! operators.

use crate::store::feedback::{
    self as fstore, FeedbackError, Idem, PlanFeedbackInput, PlanFeedbackRecord, RatingInput,
    RatingRecord, Reply,
};
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
/// per idempotency key.
pub fn submit_rating(
    conn: &mut DbConn,
    input: &RatingInput,
    idem: Option<&Idem>,
) -> Result<Reply, FeedbackError> {
    fstore::idempotent_write(conn, &input.visitor_id, idem, |c| {
        fstore::write_rating(c, input).map(authored)
    })
}

/// Stores a plan feedback (replacing the visitor's earlier one for the plan) with the
/// aggregates, once per idempotency key.
pub fn submit_plan_feedback(
    conn: &mut DbConn,
    input: &PlanFeedbackInput,
    idem: Option<&Idem>,
) -> Result<Reply, FeedbackError> {
    fstore::idempotent_write(conn, &input.visitor_id, idem, |c| {
        fstore::write_plan_feedback(c, input).map(authored)
    })
}
