//! Settings: defaults, then an optional TOML config file, then environment, then flags.
//! Secrets (database and Redis passwords) never reach the logs.

use serde::Deserialize;
use std::path::PathBuf;

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/heritage-guide.db";

#[derive(Clone, Debug)]
pub struct Settings {
    /// Address to listen on (`HG_BIND`, `--bind`).
    pub bind: String,
    /// `sqlite://PATH` or `postgres://…` (`DATABASE_URL`, `--database-url`).
    pub database_url: String,
    /// Redis URL; unset means the in-process cache (`REDIS_URL`, `--redis-url`).
    pub redis_url: Option<String>,
    /// Seed folder for the first start; unset means the seed built into the binary.
    pub seed_dir: Option<PathBuf>,
    /// HTTP worker threads; unset means one per core.
    pub workers: Option<usize>,
    /// Database connections in the pool.
    pub db_pool_size: u32,
    /// Folder for local state (SQLite file, generated secrets).
    pub data_dir: PathBuf,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            bind: DEFAULT_BIND.to_string(),
            database_url: DEFAULT_DATABASE_URL.to_string(),
            redis_url: None,
            seed_dir: None,
            workers: None,
            db_pool_size: 8,
            data_dir: PathBuf::from("data"),
        }
    }
}

/// The config file's shape; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub bind: Option<String>,
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
    pub seed_dir: Option<PathBuf>,
    pub workers: Option<usize>,
    pub db_pool_size: Option<u32>,
    pub data_dir: Option<PathBuf>,
}

/// Values given by environment or flags (clap merges the two, flags winning).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub bind: Option<String>,
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
    pub seed_dir: Option<PathBuf>,
    pub workers: Option<usize>,
    pub db_pool_size: Option<u32>,
    pub data_dir: Option<PathBuf>,
}

impl Settings {
    /// Layers the config file (when given or when `heritage-guide.toml` exists) and overrides on
    /// the defaults.
    pub fn load(config_file: Option<&std::path::Path>, o: Overrides) -> Result<Settings, String> {
        let mut s = Settings::default();
        let implicit = PathBuf::from("heritage-guide.toml");
        let path = match config_file {
            Some(p) => Some(p.to_path_buf()),
            None if implicit.exists() => Some(implicit),
            None => None,
        };
        if let Some(p) = path {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| format!("cannot read config file {}: {e}", p.display()))?;
            let f: FileSettings =
                toml::from_str(&text).map_err(|e| format!("config file {}: {e}", p.display()))?;
            s.apply(
                f.bind,
                f.database_url,
                f.redis_url,
                f.seed_dir,
                f.workers,
                f.db_pool_size,
                f.data_dir,
            );
        }
        s.apply(
            o.bind,
            o.database_url,
            o.redis_url,
            o.seed_dir,
            o.workers,
            o.db_pool_size,
            o.data_dir,
        );
        if s.redis_url.as_deref() == Some("") {
            s.redis_url = None;
        }
        if s.db_pool_size == 0 {
            return Err("db_pool_size must be at least 1".into());
        }
        Ok(s)
    }

    #[allow(clippy::too_many_arguments)]
    fn apply(
        &mut self,
        bind: Option<String>,
        database_url: Option<String>,
        redis_url: Option<String>,
        seed_dir: Option<PathBuf>,
        workers: Option<usize>,
        db_pool_size: Option<u32>,
        data_dir: Option<PathBuf>,
    ) {
        if let Some(v) = bind {
            self.bind = v;
        }
        if let Some(v) = database_url {
            self.database_url = v;
        }
        if let Some(v) = redis_url {
            self.redis_url = Some(v);
        }
        if let Some(v) = seed_dir {
            self.seed_dir = Some(v);
        }
        if let Some(v) = workers {
            self.workers = Some(v);
        }
        if let Some(v) = db_pool_size {
            self.db_pool_size = v;
        }
        if let Some(v) = data_dir {
            self.data_dir = v;
        }
    }

    /// The settings as they may be logged: passwords replaced.
    pub fn redacted(&self) -> String {
        format!(
            "bind={} database={} redis={} seed={} pool={}",
            self.bind,
            crate::store::redact(&self.database_url),
            self.redis_url
                .as_deref()
                .map(crate::store::redact)
                .unwrap_or_else(|| "in-process".into()),
            self.seed_dir
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "built-in".into()),
            self.db_pool_size,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_defaults_file_then_overrides() {
        let dir = std::env::temp_dir().join(format!("hg-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(&file, "bind = \"0.0.0.0:9000\"\ndb_pool_size = 3\n").unwrap();
        let s = Settings::load(
            Some(&file),
            Overrides {
                db_pool_size: Some(5),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(s.bind, "0.0.0.0:9000");
        assert_eq!(s.db_pool_size, 5);
        assert_eq!(s.database_url, DEFAULT_DATABASE_URL);
        std::fs::write(&file, "bogus = 1\n").unwrap();
        assert!(Settings::load(Some(&file), Overrides::default())
            .unwrap_err()
            .contains("bogus"));
    }

    #[test]
    fn redacts_passwords() {
        let s = Settings {
            database_url: "postgres://app:secret@db/x".into(),
            redis_url: Some("redis://:hunter2@cache:6379".into()),
            ..Default::default()
        };
        let r = s.redacted();
        assert!(!r.contains("secret") && !r.contains("hunter2"), "{r}");
    }
}
