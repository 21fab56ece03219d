//! The Redis implementation. Every call is bounded ([`OP_TIMEOUT`]); the first failure marks
//! Redis down so later calls fail at once (the facade falls back to memory) while a background
//! task pings and reconnects every [`HEALTH_INTERVAL`]. A second task holds the pub/sub
//! subscription and re-establishes it after an outage, announcing [`Notice::Resync`] because
//! notifications may have been missed meanwhile.

use super::backend::{CacheBackend, CacheError, ChangeEvent, Hit, Notice};
use futures_util::future::BoxFuture;
use futures_util::StreamExt;
use redis::aio::MultiplexedConnection;
use redis::AsyncConnectionConfig;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::{broadcast, Notify};

/// Longest wait to connect.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// Longest wait for one command.
pub const OP_TIMEOUT: Duration = Duration::from_millis(250);
/// How often the background task checks or re-establishes the connection.
pub const HEALTH_INTERVAL: Duration = Duration::from_secs(1);

pub struct RedisCache {
    client: redis::Client,
    conn: Mutex<Option<MultiplexedConnection>>,
    healthy: AtomicBool,
    channel: String,
    notices: broadcast::Sender<Notice>,
    went_down: Notify,
}

impl RedisCache {
    /// Connects (bounded; a failure only leaves Redis marked down) and starts the health and
    /// subscription tasks. Must be called within a Tokio runtime.
    pub async fn start(url: &str, channel: &str) -> Result<Arc<RedisCache>, String> {
        let client = redis::Client::open(url)
            .map_err(|e| format!("bad Redis URL: {}", crate::config::redact(&e.to_string())))?;
        let me = Arc::new(RedisCache {
            client,
            conn: Mutex::new(None),
            healthy: AtomicBool::new(false),
            channel: channel.to_string(),
            notices: broadcast::channel(256).0,
            went_down: Notify::new(),
        });
        me.check().await;
        if !me.healthy() {
            tracing::warn!("Redis is not reachable; serving from memory until it is");
        }
        tokio::spawn(health_loop(Arc::downgrade(&me)));
        tokio::spawn(subscribe_loop(Arc::downgrade(&me)));
        Ok(me)
    }

    fn config() -> AsyncConnectionConfig {
        AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(OP_TIMEOUT))
    }

    /// Pings the current connection, or makes one; updates the health flag.
    async fn check(&self) {
        let current = self.conn.lock().expect("redis lock").clone();
        let ok = match current {
            Some(mut c) => ping(&mut c).await.is_ok(),
            None => {
                let cfg = Self::config();
                let made = tokio::time::timeout(
                    CONNECT_TIMEOUT,
                    self.client
                        .get_multiplexed_async_connection_with_config(&cfg),
                )
                .await;
                match made {
                    Ok(Ok(mut c)) => {
                        let ok = ping(&mut c).await.is_ok();
                        if ok {
                            *self.conn.lock().expect("redis lock") = Some(c);
                        }
                        ok
                    }
                    _ => false,
                }
            }
        };
        if ok {
            if !self.healthy.swap(true, Ordering::SeqCst) {
                tracing::info!("Redis is reachable");
            }
        } else {
            self.mark_down("no answer to PING");
        }
    }

    fn mark_down(&self, why: &str) {
        *self.conn.lock().expect("redis lock") = None;
        if self.healthy.swap(false, Ordering::SeqCst) {
            tracing::warn!(reason = why, "Redis is down; serving from memory");
            self.went_down.notify_waiters();
        }
    }

    /// Runs one command within [`OP_TIMEOUT`], or fails at once when Redis is down.
    async fn run<T, F>(&self, f: impl FnOnce(MultiplexedConnection) -> F) -> Result<T, CacheError>
    where
        F: std::future::Future<Output = redis::RedisResult<T>>,
    {
        if !self.healthy() {
            return Err(CacheError("Redis is down".into()));
        }
        let Some(conn) = self.conn.lock().expect("redis lock").clone() else {
            return Err(CacheError("Redis is not connected".into()));
        };
        match tokio::time::timeout(OP_TIMEOUT, f(conn)).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                let msg = crate::config::redact(&e.to_string());
                if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() {
                    self.mark_down(&msg);
                }
                Err(CacheError(msg))
            }
            Err(_) => {
                self.mark_down("a command timed out");
                Err(CacheError("timed out".into()))
            }
        }
    }
}

async fn ping(c: &mut MultiplexedConnection) -> Result<(), ()> {
    let r = tokio::time::timeout(OP_TIMEOUT, redis::cmd("PING").query_async::<String>(c)).await;
    match r {
        Ok(Ok(p)) if p == "PONG" => Ok(()),
        _ => Err(()),
    }
}

async fn health_loop(me: Weak<RedisCache>) {
    loop {
        tokio::time::sleep(HEALTH_INTERVAL).await;
        let Some(c) = me.upgrade() else { return };
        c.check().await;
    }
}

async fn subscribe_loop(me: Weak<RedisCache>) {
    loop {
        let Some(c) = me.upgrade() else { return };
        if !c.healthy() {
            drop(c);
            tokio::time::sleep(HEALTH_INTERVAL / 2).await;
            continue;
        }
        let (client, channel, notices) = (c.client.clone(), c.channel.clone(), c.notices.clone());
        let connected = tokio::time::timeout(CONNECT_TIMEOUT, async {
            let mut ps = client.get_async_pubsub().await?;
            ps.subscribe(&channel).await?;
            Ok::<_, redis::RedisError>(ps)
        })
        .await;
        let ps = match connected {
            Ok(Ok(ps)) => ps,
            _ => {
                drop(c);
                tokio::time::sleep(HEALTH_INTERVAL / 2).await;
                continue;
            }
        };
        tracing::debug!(channel, "subscribed to site changes");
        let _ = notices.send(Notice::Resync);
        let mut stream = ps.into_on_message();
        loop {
            tokio::select! {
                msg = stream.next() => match msg {
                    Some(m) => {
                        let payload: Vec<u8> = m.get_payload_bytes().to_vec();
                        match serde_json::from_slice::<ChangeEvent>(&payload) {
                            Ok(ev) => { let _ = notices.send(Notice::Changed(ev)); }
                            Err(e) => tracing::warn!(error = %e, "ignoring a malformed change notification"),
                        }
                    }
                    None => break,
                },
                _ = c.went_down.notified() => break,
                _ = tokio::time::sleep(HEALTH_INTERVAL * 5) => {
                    if !c.healthy() { break; }
                }
            }
        }
        drop(c);
        tokio::time::sleep(HEALTH_INTERVAL / 2).await;
    }
}

impl CacheBackend for RedisCache {
    fn kind(&self) -> &'static str {
        "redis"
    }

    fn healthy(&self) -> bool {
        self.healthy.load(Ordering::SeqCst)
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, CacheError>> {
        Box::pin(self.run(move |mut c| async move {
            redis::cmd("GET")
                .arg(key)
                .query_async::<Option<Vec<u8>>>(&mut c)
                .await
        }))
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), CacheError>> {
        Box::pin(self.run(move |mut c| async move {
            redis::cmd("SET")
                .arg(key)
                .arg(value)
                .arg("PX")
                .arg(ttl.as_millis().max(1) as u64)
                .query_async::<()>(&mut c)
                .await
        }))
    }

    fn hit<'a>(&'a self, key: &'a str, window: Duration) -> BoxFuture<'a, Result<Hit, CacheError>> {
        Box::pin(self.run(move |mut c| async move {
            let ms = window.as_millis().max(1) as u64;
            let (count, pttl): (u64, i64) = redis::pipe()
                .atomic()
                .cmd("SET")
                .arg(key)
                .arg(0)
                .arg("PX")
                .arg(ms)
                .arg("NX")
                .ignore()
                .cmd("INCR")
                .arg(key)
                .cmd("PTTL")
                .arg(key)
                .query_async(&mut c)
                .await?;
            Ok(Hit {
                count,
                reset_in: Duration::from_millis(pttl.max(1) as u64),
            })
        }))
    }

    fn peek<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Hit, CacheError>> {
        Box::pin(self.run(move |mut c| async move {
            let (count, pttl): (Option<u64>, i64) = redis::pipe()
                .cmd("GET")
                .arg(key)
                .cmd("PTTL")
                .arg(key)
                .query_async(&mut c)
                .await?;
            Ok(Hit {
                count: count.unwrap_or(0),
                reset_in: Duration::from_millis(pttl.max(0) as u64),
            })
        }))
    }

    fn publish<'a>(&'a self, event: &'a ChangeEvent) -> BoxFuture<'a, Result<(), CacheError>> {
        let payload = serde_json::to_vec(event).expect("serialises");
        Box::pin(self.run(move |mut c| async move {
            redis::cmd("PUBLISH")
                .arg(&self.channel)
                .arg(payload)
                .query_async::<i64>(&mut c)
                .await
                .map(|_| ())
        }))
    }

    fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.notices.subscribe()
    }
}
