//! Shared application state: the database pool and the current snapshot of every site.

use crate::api::error::ApiError;
use crate::config::Settings;
use crate::model::{build_snapshot, Snapshot};
use crate::store::{self, Backend, Pool};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

pub struct AppState {
    pub pool: Pool,
    pub backend: Backend,
    pub settings: Settings,
    snapshots: RwLock<BTreeMap<String, Arc<Snapshot>>>,
}

impl AppState {
    pub fn new(pool: Pool, backend: Backend, settings: Settings) -> AppState {
        AppState {
            pool,
            backend,
            settings,
            snapshots: RwLock::new(BTreeMap::new()),
        }
    }

    /// The current snapshot of a site, or a 404 problem.
    pub fn snapshot(&self, site: &str) -> Result<Arc<Snapshot>, ApiError> {
        self.snapshots
            .read()
            .expect("snapshot lock")
            .get(site)
            .cloned()
            .ok_or_else(|| ApiError::not_found("site", site))
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
            if let Some((data, version)) =
                store::site::load_site(&mut conn, &id).map_err(|e| e.to_string())?
            {
                let snap = build_snapshot(data, version, HashMap::new())?;
                self.install(snap);
            }
        }
        Ok(())
    }
}
