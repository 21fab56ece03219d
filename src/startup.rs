//! Building and running the application: pool, migrations, first seed, snapshots, the
//! background tasks and the HTTP server (built by `api::server`).

use crate::api;
use crate::config::Settings;
use crate::seed::{self, SeedFiles};
use crate::state::AppState;
use crate::store::{self, site::WriteOutcome, Pool};
use std::net::TcpListener;
use std::sync::Arc;

/// Connects, migrates and (on an empty database) loads the seed. Blocking.
pub fn prepare_database(settings: &Settings) -> Result<(Pool, store::Backend), String> {
    let (pool, backend) =
        store::connect(&settings.database_url, settings.db_pool_size).map_err(|e| e.to_string())?;
    let mut conn = pool
        .get()
        .map_err(|e| format!("cannot reach the database: {e}"))?;
    let ran = store::migrate(&mut conn).map_err(|e| e.to_string())?;
    if ran > 0 {
        tracing::info!(
            migrations = ran,
            backend = backend.as_str(),
            "applied migrations"
        );
    }
    let sites = store::site::list_sites(&mut conn).map_err(|e| e.to_string())?;
    if sites.is_empty() {
        let files = match &settings.seed_dir {
            Some(dir) => SeedFiles::from_dir(dir).map_err(join_errors)?,
            None => SeedFiles::embedded(),
        };
        let outcome = load_seed(&mut conn, &files)?;
        tracing::info!(?outcome, "loaded the seed into an empty database");
    }
    for (site, _) in &sites {
        let missing =
            store::feedback::aggregates_missing(&mut conn, site).map_err(|e| e.to_string())?;
        if missing {
            let r = store::feedback::rebuild_aggregates(&mut conn, site, false)
                .map_err(|e| e.to_string())?;
            tracing::info!(site, places = r.places, "rebuilt the feedback aggregates");
        }
    }
    Ok((pool, backend))
}

fn join_errors(errs: Vec<seed::SeedError>) -> String {
    errs.iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Validates and writes a seed in one transaction.
pub fn load_seed(conn: &mut store::DbConn, files: &SeedFiles) -> Result<WriteOutcome, String> {
    let data = seed::parse(files).map_err(join_errors)?;
    let hash = seed::content_hash(&data);
    store::site::write_site(conn, &data, &hash).map_err(|e| e.to_string())
}

/// How often the stored site versions are compared with the snapshots, in case a change
/// notification was lost (Redis down, or no Redis with several instances).
pub const RECONCILE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(10);

/// Keeps the snapshots current: reloads a site when another instance announces a newer version,
/// compares every version after missed notifications, and polls every [`RECONCILE_INTERVAL`].
async fn follow_changes(state: Arc<AppState>) {
    use crate::cache::Notice;
    use tokio::sync::broadcast::error::RecvError;
    let mut rx = state.cache.subscribe();
    let mut tick = tokio::time::interval(RECONCILE_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        let check = tokio::select! {
            n = rx.recv() => match n {
                Ok(Notice::Changed(ev)) => {
                    ev.origin != state.cache.instance()
                        && state.snapshot(&ev.site).map(|s| s.version < ev.version).unwrap_or(true)
                }
                Ok(Notice::Resync) | Err(RecvError::Lagged(_)) => true,
                Err(RecvError::Closed) => return,
            },
            _ = tick.tick() => true,
        };
        if !check {
            continue;
        }
        let st = state.clone();
        match tokio::task::spawn_blocking(move || st.reconcile_blocking()).await {
            Ok(Ok(sites)) if !sites.is_empty() => {
                tracing::info!(?sites, "reloaded sites changed by another instance")
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "could not compare site versions"),
            Err(e) => tracing::warn!(error = %e, "site reload task failed"),
        }
    }
}

pub struct Application {
    port: u16,
    server: api::server::Server,
    pub state: Arc<AppState>,
}

impl Application {
    /// Prepares everything and binds (port 0 picks a free port).
    pub async fn build(settings: Settings) -> Result<Application, String> {
        let s2 = settings.clone();
        let (pool, backend) = tokio::task::spawn_blocking(move || prepare_database(&s2))
            .await
            .map_err(|e| e.to_string())??;
        let secret = settings.resolve_jwt_secret()?;
        let cache = match &settings.redis_url {
            Some(url) => crate::cache::Cache::with_redis(url, &settings.redis_namespace).await?,
            None => crate::cache::Cache::in_process(&settings.redis_namespace),
        };
        let state = Arc::new(AppState::with_services(
            pool,
            backend,
            settings.clone(),
            crate::auth::TokenService::new(&secret),
            cache,
        ));
        let st = state.clone();
        tokio::task::spawn_blocking(move || st.reload_all_blocking())
            .await
            .map_err(|e| e.to_string())??;
        tokio::spawn(follow_changes(state.clone()));
        crate::services::publication::spawn(state.clone());
        crate::services::plans::spawn(state.clone());
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| format!("cannot bind {}: {e}", settings.bind))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let server = api::server::serve(listener, state.clone(), settings.workers)?;
        Ok(Application {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn server(self) -> api::server::Server {
        self.server
    }
}
