//! The in-process implementation: a bounded map with expiry, fixed-window counters and a
//! broadcast channel. Right for one instance; the fallback when Redis is down.

use super::backend::{CacheBackend, CacheError, ChangeEvent, Hit, Notice};
use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// Entries kept at most; the soonest to expire go first.
pub const MAX_ENTRIES: usize = 4096;
/// Counters kept at most before expired ones are swept.
const MAX_COUNTERS: usize = 100_000;

pub struct LocalCache {
    entries: Mutex<HashMap<String, (Instant, Vec<u8>)>>,
    counters: Mutex<HashMap<String, (Instant, u64)>>,
    changes: broadcast::Sender<Notice>,
}

impl Default for LocalCache {
    fn default() -> Self {
        LocalCache::new()
    }
}

impl LocalCache {
    pub fn new() -> LocalCache {
        LocalCache {
            entries: Mutex::new(HashMap::new()),
            counters: Mutex::new(HashMap::new()),
            changes: broadcast::channel(64).0,
        }
    }

    fn get_now(&self, key: &str) -> Option<Vec<u8>> {
        let mut m = self.entries.lock().expect("cache lock");
        match m.get(key) {
            Some((exp, v)) if *exp > Instant::now() => Some(v.clone()),
            Some(_) => {
                m.remove(key);
                None
            }
            None => None,
        }
    }

    fn put_now(&self, key: &str, value: Vec<u8>, ttl: Duration) {
        let mut m = self.entries.lock().expect("cache lock");
        let now = Instant::now();
        if m.len() >= MAX_ENTRIES && !m.contains_key(key) {
            m.retain(|_, (exp, _)| *exp > now);
            if m.len() >= MAX_ENTRIES {
                if let Some(k) = m
                    .iter()
                    .min_by_key(|(_, (exp, _))| *exp)
                    .map(|(k, _)| k.clone())
                {
                    m.remove(&k);
                }
            }
        }
        m.insert(key.to_string(), (now + ttl, value));
    }

    fn hit_now(&self, key: &str, window: Duration) -> Hit {
        let mut m = self.counters.lock().expect("counter lock");
        let now = Instant::now();
        if m.len() >= MAX_COUNTERS {
            m.retain(|_, (end, _)| *end > now);
        }
        let e = m.entry(key.to_string()).or_insert((now + window, 0));
        if e.0 <= now {
            *e = (now + window, 0);
        }
        e.1 += 1;
        Hit {
            count: e.1,
            reset_in: e.0 - now,
        }
    }
}

impl CacheBackend for LocalCache {
    fn kind(&self) -> &'static str {
        "in-process"
    }

    fn healthy(&self) -> bool {
        true
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Vec<u8>>, CacheError>> {
        Box::pin(async move { Ok(self.get_now(key)) })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), CacheError>> {
        Box::pin(async move {
            self.put_now(key, value, ttl);
            Ok(())
        })
    }

    fn hit<'a>(&'a self, key: &'a str, window: Duration) -> BoxFuture<'a, Result<Hit, CacheError>> {
        Box::pin(async move { Ok(self.hit_now(key, window)) })
    }

    fn peek<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Hit, CacheError>> {
        Box::pin(async move {
            let m = self.counters.lock().expect("counter lock");
            let now = Instant::now();
            Ok(match m.get(key) {
                Some((end, n)) if *end > now => Hit {
                    count: *n,
                    reset_in: *end - now,
                },
                _ => Hit {
                    count: 0,
                    reset_in: Duration::ZERO,
                },
            })
        })
    }

    fn publish<'a>(&'a self, event: &'a ChangeEvent) -> BoxFuture<'a, Result<(), CacheError>> {
        Box::pin(async move {
            let _ = self.changes.send(Notice::Changed(event.clone()));
            Ok(())
        })
    }

    fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.changes.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_counters_reset_per_window() {
        let c = LocalCache::new();
        c.put_now("a", b"1".to_vec(), Duration::from_millis(30));
        assert_eq!(c.get_now("a").as_deref(), Some(&b"1"[..]));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(c.get_now("a"), None);
        let w = Duration::from_millis(50);
        assert_eq!(c.hit_now("k", w).count, 1);
        assert_eq!(c.hit_now("k", w).count, 2);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(c.hit_now("k", w).count, 1);
    }

    #[test]
    fn the_map_stays_bounded() {
        let c = LocalCache::new();
        for i in 0..MAX_ENTRIES + 10 {
            c.put_now(&i.to_string(), vec![0], Duration::from_secs(60));
        }
        assert!(c.entries.lock().unwrap().len() <= MAX_ENTRIES);
    }
}
