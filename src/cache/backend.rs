//! The interface both cache implementations provide, and the values they exchange.

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::broadcast;

/// A failed cache call (Redis down, slow or confused); callers fall back.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cache: {0}")]
pub struct CacheError(pub String);

/// A site's data changed: instances holding an older version reload it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeEvent {
    pub site: String,
    pub version: i64,
    /// The instance that made the change.
    pub origin: String,
}

/// What subscribers receive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    Changed(ChangeEvent),
    /// Notifications may have been missed (the subscription was re-established): compare
    /// every site's version with the store.
    Resync,
}

/// A fixed-window counter after one hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    /// Hits in the current window, this one included.
    pub count: u64,
    /// Time until the window ends.
    pub reset_in: Duration,
}

/// The interface both implementations provide.
pub trait CacheBackend: Send + Sync + 'static {
    /// `in-process` or `redis`.
    fn kind(&self) -> &'static str;
    /// Whether calls are expected to work now (Redis: connected and answering).
    fn healthy(&self) -> bool;
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, CacheError>>;
    fn put<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), CacheError>>;
    /// Counts one hit of `key` in a fixed window of `window`.
    fn hit<'a>(&'a self, key: &'a str, window: Duration) -> BoxFuture<'a, Result<Hit, CacheError>>;
    /// The hits counted on `key` in its current window, without counting one.
    fn peek<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Hit, CacheError>>;
    /// Tells every instance (this one included) about a change.
    fn publish<'a>(&'a self, event: &'a ChangeEvent) -> BoxFuture<'a, Result<(), CacheError>>;
    /// Change notifications.
    fn subscribe(&self) -> broadcast::Receiver<Notice>;
}
