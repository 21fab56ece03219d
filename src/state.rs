//! Shared application state: the database pool and the current snapshot of every site.

use crate::config::Settings;
use crate::model::{build_snapshot, Snapshot};
use crate::store::{self, Backend, Pool};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// No site with this id is loaded.
#[derive(Debug, thiserror::Error)]
#[error("no site with id `{0}`")]
pub struct UnknownSite(pub String);

pub struct AppState {
    pub pool: Pool,
    pub backend: Backend,
    pub settings: Settings,
    /// Signs and verifies access tokens.
    pub tokens: crate::auth::TokenService,
    /// Response cache, rate limits and change notifications (Redis or in-process).
    pub cache: crate::cache::Cache,
    /// A readiness check of the database is under way (one that hangs is not joined by more).
    pub db_probe_running: std::sync::atomic::AtomicBool,
    /// Salt of the hashes standing for visitors in visit records.
    pub visitor_salt: Vec<u8>,
    snapshots: RwLock<BTreeMap<String, Arc<Snapshot>>>,
}

impl AppState {
    /// State with the in-process cache and the signing secret of the settings (an ephemeral
    /// random one when the settings cannot provide it; `startup` refuses that case first).
    pub fn new(pool: Pool, backend: Backend, settings: Settings) -> AppState {
        let secret = settings.resolve_jwt_secret().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "using an ephemeral token signing secret");
            uuid::Uuid::new_v4().as_bytes().repeat(3)
        });
        let cache = crate::cache::Cache::in_process(&settings.redis_namespace);
        AppState::with_services(
            pool,
            backend,
            settings,
            crate::auth::TokenService::new(&secret),
            cache,
        )
    }

    pub fn with_services(
        pool: Pool,
        backend: Backend,
        settings: Settings,
        tokens: crate::auth::TokenService,
        cache: crate::cache::Cache,
    ) -> AppState {
        let visitor_salt = crate::feedback::visits::resolve_salt(&settings).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "using an ephemeral visitor salt");
            uuid::Uuid::new_v4().as_bytes().repeat(2)
        });
        AppState {
            pool,
            backend,
            settings,
            tokens,
            cache,
            db_probe_running: std::sync::atomic::AtomicBool::new(false),
            visitor_salt,
            snapshots: RwLock::new(BTreeMap::new()),
        }
    }

    /// The current snapshot of a site.
    pub fn snapshot(&self, site: &str) -> Result<Arc<Snapshot>, UnknownSite> {
        self.snapshots
            .read()
            .expect("snapshot lock")
            .get(site)
            .cloned()
            .ok_or_else(|| UnknownSite(site.to_string()))
    }

    pub fn all_snapshots(&self) -> Vec<Arc<Snapshot>> {
        self.snapshots
            .read()
            .expect("snapshot lock")
            .values()
            .cloned()
            .collect()
    }

    /// Swaps in a new snapshot; requests holding the old one finish on it.
    pub fn install(&self, snap: Arc<Snapshot>) {
        let id = snap.data.site.id.clone();
        let mut map = self.snapshots.write().expect("snapshot lock");
        if map
            .get(&id)
            .map(|old| old.version <= snap.version)
            .unwrap_or(true)
        {
            map.insert(id, snap);
        }
    }

    /// Rebuilds every site's snapshot from the store (blocking: call off the async workers).
    pub fn reload_all_blocking(&self) -> Result<(), String> {
        let mut conn = self.pool.get().map_err(|e| e.to_string())?;
        let sites = store::site::list_sites(&mut conn).map_err(|e| e.to_string())?;
        for (id, _) in sites {
            self.reload_site_blocking(&mut conn, &id)?;
        }
        Ok(())
    }

    /// Rebuilds one site's snapshot from the store and swaps it in (blocking). Returns the
    /// version installed, `None` when the site is unknown.
    pub fn reload_site_blocking(
        &self,
        conn: &mut store::DbConn,
        id: &str,
    ) -> Result<Option<i64>, String> {
        match store::site::load_site(conn, id).map_err(|e| e.to_string())? {
            Some((data, version)) => {
                let stats = store::feedback::load_stats(conn, &data).map_err(|e| e.to_string())?;
                let snap = build_snapshot(data, version, stats)?;
                self.install(snap);
                Ok(Some(version))
            }
            None => Ok(None),
        }
    }

    /// Reloads the sites whose stored version is newer than their snapshot (blocking); returns
    /// their ids. Used after a change notification, after missed notifications, and by the
    /// periodic check.
    pub fn reconcile_blocking(&self) -> Result<Vec<String>, String> {
        let mut conn = self.pool.get().map_err(|e| e.to_string())?;
        let sites = store::site::list_sites(&mut conn).map_err(|e| e.to_string())?;
        let mut reloaded = Vec::new();
        for (id, version) in sites {
            let current = self.snapshot(&id).map(|s| s.version).ok();
            if current.is_none_or(|v| v < version) {
                self.reload_site_blocking(&mut conn, &id)?;
                reloaded.push(id);
            }
        }
        Ok(reloaded)
    }
}
