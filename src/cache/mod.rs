//! Cache, rate limits and change notifications behind one interface, [`CacheBackend`], with two
//! implementations: in-process ([`local::LocalCache`], the default, one instance) and Redis
//! ([`remote::RedisCache`], `REDIS_URL`, many instances).
//!
//! Redis is never the source of truth: every Redis call is bounded in time, a failure marks
//! Redis down (later calls skip it at once while a background task reconnects), and the
//! [`Cache`] facade then answers from the in-process implementation. Nothing fails because Redis
//! does.

pub mod backend;
pub mod local;
pub mod remote;

pub use backend::{CacheBackend, CacheError, ChangeEvent, Hit, Notice};

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// Outcome of a rate-limit check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateDecision {
    pub allowed: bool,
    /// Seconds until the window resets (for `Retry-After`).
    pub retry_after_s: u64,
    pub remaining: u64,
}

/// The cache the application uses: Redis when configured and healthy, else in-process.
#[derive(Clone)]
pub struct Cache {
    local: Arc<local::LocalCache>,
    remote: Option<Arc<remote::RedisCache>>,
    namespace: String,
    instance: String,
}

impl Cache {
    /// The in-process cache only.
    pub fn in_process(namespace: &str) -> Cache {
        Cache {
            local: Arc::new(local::LocalCache::new()),
            remote: None,
            namespace: namespace.to_string(),
            instance: uuid::Uuid::new_v4().simple().to_string(),
        }
    }

    /// Redis at `url` (connecting in the background), with the in-process cache as fallback.
    pub async fn with_redis(url: &str, namespace: &str) -> Result<Cache, String> {
        let mut c = Cache::in_process(namespace);
        let channel = format!("{namespace}:site-changes");
        c.remote = Some(remote::RedisCache::start(url, &channel).await?);
        Ok(c)
    }

    /// This process's id in change notifications.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// `in-process`, or for Redis `ok` / `unreachable` (as `readyz` reports it).
    pub fn status(&self) -> &'static str {
        match &self.remote {
            None => "in-process",
            Some(r) if r.healthy() => "ok",
            Some(_) => "unreachable",
        }
    }

    pub fn redis_configured(&self) -> bool {
        self.remote.is_some()
    }

    /// The backend calls go to now.
    fn primary(&self) -> &dyn CacheBackend {
        match &self.remote {
            Some(r) if r.healthy() => r.as_ref(),
            _ => self.local.as_ref(),
        }
    }

    pub fn key(&self, parts: &[&str]) -> String {
        let mut k = self.namespace.clone();
        for p in parts {
            k.push(':');
            k.push_str(p);
        }
        k
    }

    pub async fn get(&self, key: &str) -> Option<Vec<u8>> {
        match self.primary().get(key).await {
            Ok(v) => v,
            Err(e) => {
                tracing::debug!(error = %e, "cache get fell back to memory");
                self.local.get(key).await.ok().flatten()
            }
        }
    }

    pub async fn put(&self, key: &str, value: Vec<u8>, ttl: Duration) {
        if let Err(e) = self.primary().put(key, value.clone(), ttl).await {
            tracing::debug!(error = %e, "cache put fell back to memory");
            let _ = self.local.put(key, value, ttl).await;
        }
    }

    /// Counts a hit on `key` and says whether it stays within `limit` per `window`.
    pub async fn rate(&self, key: &str, limit: u32, window: Duration) -> RateDecision {
        let hit = match self.primary().hit(key, window).await {
            Ok(h) => h,
            Err(e) => {
                tracing::debug!(error = %e, "rate limit fell back to memory");
                self.local
                    .hit(key, window)
                    .await
                    .expect("the in-process limiter cannot fail")
            }
        };
        let retry = hit.reset_in.as_secs() + u64::from(hit.reset_in.subsec_nanos() > 0);
        RateDecision {
            allowed: hit.count <= u64::from(limit),
            retry_after_s: retry.max(1),
            remaining: u64::from(limit).saturating_sub(hit.count),
        }
    }

    /// Whether `key` has reached `limit` in its window, without counting a hit.
    pub async fn exhausted(&self, key: &str, limit: u32) -> Option<u64> {
        let hit = match self.primary().peek(key).await {
            Ok(h) => h,
            Err(_) => self.local.peek(key).await.ok()?,
        };
        (hit.count >= u64::from(limit)).then(|| hit.reset_in.as_secs().max(1))
    }

    /// Announces a site's new version to the other instances (best effort).
    pub async fn publish_change(&self, site: &str, version: i64) {
        let ev = ChangeEvent {
            site: site.to_string(),
            version,
            origin: self.instance.clone(),
        };
        if let Err(e) = self.primary().publish(&ev).await {
            tracing::warn!(error = %e, site, version, "could not announce a site change; other instances catch up by polling");
        }
    }

    /// Change notifications from every instance (Redis), or from this one (in-process).
    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        match &self.remote {
            Some(r) => r.subscribe(),
            None => self.local.subscribe(),
        }
    }
}

/// Pings Redis within `timeout` (connect and answer together).
pub async fn ping_redis(url: &str, timeout: Duration) -> Result<(), String> {
    let client = redis::Client::open(url)
        .map_err(|e| format!("bad Redis URL: {}", crate::config::redact(&e.to_string())))?;
    let fut = async {
        let mut c = client
            .get_multiplexed_async_connection()
            .await
            .map_err(|e| e.to_string())?;
        let pong: String = redis::cmd("PING")
            .query_async(&mut c)
            .await
            .map_err(|e| e.to_string())?;
        if pong == "PONG" {
            Ok(())
        } else {
            Err(format!("unexpected answer {pong}"))
        }
    };
    tokio::time::timeout(timeout, fut)
        .await
        .map_err(|_| "timed out".to_string())?
}
