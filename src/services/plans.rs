//! The lifetime of stored plans: when a new plan expires, what of a plan a reader who is not its
//! owner sees, and the purge of expired plans (once from the command line, or periodically in
//! the background of every instance).

use crate::state::AppState;
use crate::store::{self, plans, StoreError};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// RFC 3339 UTC text with milliseconds, the timestamp format of every table.
fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// When a plan made at `now` expires with a retention of `days` (`None`: kept for good).
pub fn expiry(now: chrono::DateTime<chrono::Utc>, days: u32) -> Option<String> {
    (days > 0).then(|| stamp(now + chrono::Duration::days(i64::from(days))))
}

/// Removes every expired plan now; returns how many. Blocking.
pub fn purge_blocking(conn: &mut store::DbConn) -> Result<usize, StoreError> {
    plans::purge_expired(conn, &store::now_text())
}

/// The plan document as a reader who is not its owner sees it: nothing that tells where the
/// visitor stood or meant to end. Removed: `request.start` and `request.end`; the first leg
/// (it leads from the start) and, when the plan has an end, the last leg (it leads there), each
/// replaced by `null` so that leg `i` still leads to stop `i`. What stays: the stops, the legs
/// between stops, times and totals (from which only the walking time of the hidden legs can be
/// inferred, not where they began or ended). `location_hidden: true` marks such a view.
pub fn public_view(plan: &Value) -> Value {
    let mut v = plan.clone();
    if let Some(r) = v.get_mut("request").and_then(Value::as_object_mut) {
        r.remove("start");
        r.remove("end");
    }
    let stops = v["stops"].as_array().map_or(0, Vec::len);
    if let Some(legs) = v.get_mut("legs").and_then(Value::as_array_mut) {
        if let Some(first) = legs.first_mut() {
            *first = Value::Null;
        }
        // A leg after the last stop leads to the requested end.
        if legs.len() > stops {
            if let Some(last) = legs.last_mut() {
                *last = Value::Null;
            }
        }
    }
    v["location_hidden"] = Value::Bool(true);
    v
}

/// The background purge's period (zero: no background purge).
fn interval(state: &AppState) -> Duration {
    Duration::from_secs_f64((state.settings.plan_purge_interval_min * 60.0).max(0.0))
}

/// One round of the background purge. With many instances sharing the database, the first to
/// claim the round in the shared cache does it and the others skip it; when the cache is
/// unreachable each instance purges on its own, which is still safe (see
/// [`plans::purge_expired`]).
pub async fn tick(state: &Arc<AppState>) -> Result<usize, StoreError> {
    // The claim lasts a little less than a round, so the next round of this instance finds it
    // free again.
    let claim = interval(state).mul_f64(0.9);
    let key = state.cache.key(&["plans", "purge-round"]);
    if !state.cache.rate(&key, 1, claim).await.allowed {
        return Ok(0);
    }
    let st = state.clone();
    tokio::task::spawn_blocking(move || -> Result<usize, StoreError> {
        let mut conn = st.pool.get()?;
        purge_blocking(&mut conn)
    })
    .await
    .map_err(|e| StoreError::Other(format!("blocking task failed: {e}")))?
}

/// Starts the background purge (no-op when the interval is 0). It runs on the blocking pool
/// with one pooled connection, in short statements, so requests are not held up.
pub fn spawn(state: Arc<AppState>) {
    let every = interval(&state);
    if every.is_zero() {
        return;
    }
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match tick(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "purged expired plans"),
                Err(e) => tracing::warn!(error = %e, "purging expired plans failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_public_view_hides_where_the_visitor_started_and_ended() {
        let plan = json!({
            "request": {"start": {"lat": 29.55, "lon": 106.53}, "end": "liziba-station", "budget_min": 60},
            "stops": [{"place_id": "a"}, {"place_id": "b"}],
            "legs": [{"from": {"lat": 29.55, "lon": 106.53}}, {"from": "a"}, {"from": "b", "to": "liziba-station"}],
        });
        let v = public_view(&plan);
        assert_eq!(v["request"], json!({"budget_min": 60}));
        assert_eq!(v["legs"], json!([null, {"from": "a"}, null]));
        assert_eq!(v["location_hidden"], true);
        // Without an end, the leg to the last stop stays.
        let plan = json!({"request": {"start": "x"}, "stops": [{"place_id": "a"}, {"place_id": "b"}],
                          "legs": [{"from": "x"}, {"from": "a"}]});
        assert_eq!(public_view(&plan)["legs"], json!([null, {"from": "a"}]));
    }

    #[test]
    fn expiry_is_days_after_creation_or_never() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-11T10:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(expiry(now, 30).as_deref(), Some("2027-01-10T10:00:00.000Z"));
        assert_eq!(expiry(now, 0), None);
    }
}
