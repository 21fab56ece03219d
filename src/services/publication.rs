//! Publishing snapshots with fresh aggregates: the planner reads rating aggregates through the
//! site snapshot, and a new snapshot version is published at most every
//! `snapshot_interval_min` minutes when the aggregates changed, or at once on an operator's
//! request. Each publication bumps the site version (which plans record) and is logged in
//! `snapshot_publications`. Instances that did not publish pick the new version up from the
//! database on their next tick.

use crate::feedback::aggregates::{fingerprint, has_feedback, site_stats, SiteAggregates};
use crate::feedback::PublicationReason;
use crate::state::AppState;
use crate::store::{self, feedback as fstore, StoreError};
use std::sync::Arc;
use std::time::Duration;

/// A publication that happened.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Published {
    pub site: String,
    pub version: i64,
    pub stats_hash: String,
    pub places_with_stats: usize,
    pub reason: PublicationReason,
}

/// Publishes a new snapshot of `site` with its current aggregates and installs it. Unless
/// `force`, nothing happens when the aggregates are those of the last publication or that
/// publication is younger than the interval. Blocking; [`publish`] also tells other instances.
pub fn publish_blocking(
    state: &AppState,
    site: &str,
    force: bool,
    reason: PublicationReason,
    actor: Option<&str>,
) -> Result<Option<Published>, StoreError> {
    let mut conn = state.pool.get()?;
    let Some((data, _)) = store::site::load_site(&mut conn, site)? else {
        return Ok(None);
    };
    let stats = fstore::load_stats(&mut conn, &data)?;
    let hash = fingerprint(&stats);
    let no_feedback = fingerprint(&site_stats(&data, &SiteAggregates::default()));
    let Some(version) = fstore::publish(
        &mut conn,
        site,
        fstore::StatsHashes {
            current: &hash,
            without_feedback: &no_feedback,
        },
        reason,
        actor,
        force,
        chrono::Duration::from_std(interval(state)).unwrap_or(chrono::Duration::MAX),
    )?
    else {
        return Ok(None);
    };
    state
        .reload_site_blocking(&mut conn, site)
        .map_err(StoreError::Other)?;
    tracing::info!(
        site,
        version,
        reason = reason.as_str(),
        "published a snapshot with fresh aggregates"
    );
    Ok(Some(Published {
        site: site.to_string(),
        version,
        stats_hash: hash,
        places_with_stats: stats.values().filter(|s| has_feedback(s)).count(),
        reason,
    }))
}

/// [`publish_blocking`] off the async workers, then a change notice to the other instances.
pub async fn publish(
    state: &Arc<AppState>,
    site: &str,
    force: bool,
    reason: PublicationReason,
    actor: Option<String>,
) -> Result<Option<Published>, StoreError> {
    let st = state.clone();
    let sid = site.to_string();
    let published =
        blocking(move || publish_blocking(&st, &sid, force, reason, actor.as_deref())).await?;
    if let Some(p) = &published {
        state.cache.publish_change(site, p.version).await;
    }
    Ok(published)
}

fn interval(state: &AppState) -> Duration {
    Duration::from_secs_f64((state.settings.snapshot_interval_min * 60.0).max(0.0))
}

/// One round of the background publisher: publish the sites whose aggregates changed (when
/// due), and forget idempotency keys older than a day. (Sites another instance published are
/// picked up by the site-version reconciliation.)
pub async fn tick(state: &Arc<AppState>) -> Result<(), StoreError> {
    let st = state.clone();
    let sites = blocking(move || -> Result<_, StoreError> {
        let mut conn = st.pool.get()?;
        let sites = store::site::list_sites(&mut conn)?;
        fstore::purge_idempotency_keys(&mut conn, chrono::Duration::hours(24))?;
        Ok(sites)
    })
    .await?;
    for (site, _) in sites {
        publish(state, &site, false, PublicationReason::Interval, None).await?;
    }
    Ok(())
}

/// Starts the background publisher (no-op when the interval is 0: publication on request only).
pub fn spawn(state: Arc<AppState>) {
    let every = interval(&state);
    if every.is_zero() {
        return;
    }
    // Check often enough to publish soon after the interval has passed.
    let period = every.clamp(Duration::from_millis(500), Duration::from_secs(30));
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            if let Err(e) = tick(&state).await {
                tracing::warn!(error = %e, "snapshot publication failed");
            }
        }
    });
}

/// Runs database work on the blocking thread pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Other(format!("blocking task failed: {e}")))?
}
