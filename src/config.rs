//! Settings: defaults, then an optional TOML config file, then environment, then flags.
//! Secrets (database and Redis passwords, the token signing secret) never reach the logs.

use serde::Deserialize;
use std::path::PathBuf;

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/heritage-guide.db";
/// The shortest token signing secret accepted in production, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;
/// Fewest distinct characters in a signing secret (32 spaces or `a`×32 are long, not secret).
pub const MIN_SECRET_DISTINCT: usize = 8;

/// Why a signing secret is weak: shorter than [`MIN_SECRET_BYTES`], blank, or too few distinct
/// characters.
pub fn weak_secret(s: &str) -> Option<String> {
    if s.len() < MIN_SECRET_BYTES {
        return Some(format!(
            "it has {} bytes; at least {MIN_SECRET_BYTES} are required",
            s.len()
        ));
    }
    if s.trim().is_empty() {
        return Some("it is blank".into());
    }
    let distinct = s.chars().collect::<std::collections::HashSet<_>>().len();
    (distinct < MIN_SECRET_DISTINCT).then(|| {
        format!(
            "it has {distinct} distinct characters; at least {MIN_SECRET_DISTINCT} are required"
        )
    })
}
/// The shortest visitor salt accepted, in bytes.
pub const MIN_SALT_BYTES: usize = 16;

/// File under the data folder holding the generated signing secret.
pub const SECRET_FILE: &str = "jwt-secret";

/// A secret value: shown as `***` by `Debug`, so settings can be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Limits on requests, per client and per window.
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    /// Requests per minute per client IP (`HG_RATE_LIMIT_PER_MIN`); 0 turns the limit off.
    pub per_ip_per_min: u32,
    /// Requests per minute per bearer token (`HG_TOKEN_RATE_LIMIT_PER_MIN`); 0 turns it off.
    pub per_token_per_min: u32,
    /// Failed sign-ins per username from one client IP per 15 minutes, and ten times as many from
    /// all addresses together (`HG_LOGIN_ATTEMPTS_PER_USERNAME`); 0 turns both off.
    pub login_per_username: u32,
    /// Sign-in attempts per client IP per 15 minutes (`HG_LOGIN_ATTEMPTS_PER_IP`); 0 turns it off.
    pub login_per_ip: u32,
    /// Plans asked for with one visitor's token per hour (`HG_PLANS_PER_TOKEN_PER_HOUR`); 0
    /// turns it off.
    pub plans_per_token_per_hour: u32,
    /// Plans asked for from one client IP per hour, with a token or without
    /// (`HG_PLANS_PER_IP_PER_HOUR`); 0 turns it off.
    pub plans_per_ip_per_hour: u32,
    /// Visitor tokens issued to one client IP per hour (`HG_VISITOR_TOKENS_PER_IP_PER_HOUR`); 0
    /// turns it off.
    pub visitor_tokens_per_ip_per_hour: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            per_ip_per_min: 1200,
            per_token_per_min: 600,
            login_per_username: 5,
            login_per_ip: 30,
            // A visitor replans a few dozen times a day at most.
            plans_per_token_per_hour: 60,
            // A venue Wi-Fi or a carrier NAT puts hundreds of visitors behind one address.
            plans_per_ip_per_hour: 3000,
            visitor_tokens_per_ip_per_hour: 2000,
        }
    }
}

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
    /// `HG_ENV=production`: refuse to start without a strong signing secret.
    pub production: bool,
    /// HS256 signing secret for tokens (`HG_JWT_SECRET`); unset outside production means one
    /// generated once and kept in `data_dir/jwt-secret`.
    pub jwt_secret: Option<Secret>,
    /// Salt of the hashes that stand for visitors in visit records (`HG_VISITOR_SALT`, at least
    /// 16 bytes); unset means one derived from the token signing secret.
    pub visitor_salt: Option<Secret>,
    /// Access token lifetime in seconds (`HG_ACCESS_TOKEN_TTL_S`).
    pub access_token_ttl_s: u64,
    /// Refresh token lifetime in seconds (`HG_REFRESH_TOKEN_TTL_S`).
    pub refresh_token_ttl_s: u64,
    /// Visitor token lifetime in seconds (`HG_VISITOR_TOKEN_TTL_S`).
    pub visitor_token_ttl_s: u64,
    /// Rate limits.
    pub limits: Limits,
    /// Take the client IP from `X-Forwarded-For` (only behind a trusted proxy; `HG_TRUST_PROXY`).
    pub trust_proxy: bool,
    /// Prefix of every Redis key and channel (`HG_REDIS_NAMESPACE`), so deployments can share a server.
    pub redis_namespace: String,
    /// A new snapshot with fresh rating aggregates is published at most every this many minutes
    /// (`HG_SNAPSHOT_INTERVAL_MIN`, fractions allowed); 0 publishes only on an operator's request.
    pub snapshot_interval_min: f64,
    /// Plans may hold one exploratory stop: a place few visitors have rated yet, tried when a
    /// draw from its score's posterior is high and the plan keeps 95 % of the best plan's value
    /// (`HG_EXPLORATION`, default true; see docs/learning.md).
    pub exploration: bool,
    /// Plans expire this many days after they are made (`HG_PLAN_RETENTION_DAYS`); 0 keeps them
    /// for good.
    pub plan_retention_days: u32,
    /// Expired plans are deleted every this many minutes (`HG_PLAN_PURGE_INTERVAL_MIN`, fractions
    /// allowed); 0 leaves it to `heritage-guide plans purge`.
    pub plan_purge_interval_min: f64,
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
            production: false,
            jwt_secret: None,
            visitor_salt: None,
            access_token_ttl_s: 900,
            refresh_token_ttl_s: 30 * 24 * 3600,
            visitor_token_ttl_s: 24 * 3600,
            limits: Limits::default(),
            trust_proxy: false,
            redis_namespace: "hg".to_string(),
            snapshot_interval_min: 10.0,
            exploration: true,
            plan_retention_days: 30,
            plan_purge_interval_min: 60.0,
        }
    }
}

/// Operator and security settings as the config file and the environment give them.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityOverrides {
    pub env: Option<String>,
    pub jwt_secret: Option<String>,
    pub visitor_salt: Option<String>,
    pub access_token_ttl_s: Option<u64>,
    pub refresh_token_ttl_s: Option<u64>,
    pub visitor_token_ttl_s: Option<u64>,
    pub rate_limit_per_min: Option<u32>,
    pub token_rate_limit_per_min: Option<u32>,
    pub login_attempts_per_username: Option<u32>,
    pub login_attempts_per_ip: Option<u32>,
    pub plans_per_token_per_hour: Option<u32>,
    pub plans_per_ip_per_hour: Option<u32>,
    pub visitor_tokens_per_ip_per_hour: Option<u32>,
    pub plan_retention_days: Option<u32>,
    pub plan_purge_interval_min: Option<f64>,
    pub trust_proxy: Option<bool>,
    pub redis_namespace: Option<String>,
}

impl SecurityOverrides {
    /// Reads the `HG_*` variables of the security settings.
    pub fn from_env() -> Result<SecurityOverrides, String> {
        fn var(name: &str) -> Option<String> {
            std::env::var(name).ok().filter(|v| !v.is_empty())
        }
        fn num<T: std::str::FromStr>(name: &str) -> Result<Option<T>, String> {
            var(name)
                .map(|v| {
                    v.parse::<T>()
                        .map_err(|_| format!("{name} must be a number"))
                })
                .transpose()
        }
        let trust_proxy = match var("HG_TRUST_PROXY").as_deref() {
            None => None,
            Some("1" | "true" | "yes") => Some(true),
            Some("0" | "false" | "no") => Some(false),
            Some(_) => return Err("HG_TRUST_PROXY must be true or false".into()),
        };
        Ok(SecurityOverrides {
            env: var("HG_ENV"),
            jwt_secret: var("HG_JWT_SECRET"),
            visitor_salt: var("HG_VISITOR_SALT"),
            access_token_ttl_s: num("HG_ACCESS_TOKEN_TTL_S")?,
            refresh_token_ttl_s: num("HG_REFRESH_TOKEN_TTL_S")?,
            visitor_token_ttl_s: num("HG_VISITOR_TOKEN_TTL_S")?,
            rate_limit_per_min: num("HG_RATE_LIMIT_PER_MIN")?,
            token_rate_limit_per_min: num("HG_TOKEN_RATE_LIMIT_PER_MIN")?,
            login_attempts_per_username: num("HG_LOGIN_ATTEMPTS_PER_USERNAME")?,
            login_attempts_per_ip: num("HG_LOGIN_ATTEMPTS_PER_IP")?,
            plans_per_token_per_hour: num("HG_PLANS_PER_TOKEN_PER_HOUR")?,
            plans_per_ip_per_hour: num("HG_PLANS_PER_IP_PER_HOUR")?,
            visitor_tokens_per_ip_per_hour: num("HG_VISITOR_TOKENS_PER_IP_PER_HOUR")?,
            plan_retention_days: num("HG_PLAN_RETENTION_DAYS")?,
            plan_purge_interval_min: num("HG_PLAN_PURGE_INTERVAL_MIN")?,
            trust_proxy,
            redis_namespace: var("HG_REDIS_NAMESPACE"),
        })
    }
}

/// One layer of settings: the config file's shape (every key optional), and the values the
/// environment and flags give (clap merges the two, flags winning).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    pub bind: Option<String>,
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
    pub seed_dir: Option<PathBuf>,
    pub workers: Option<usize>,
    pub db_pool_size: Option<u32>,
    pub data_dir: Option<PathBuf>,
    pub snapshot_interval_min: Option<f64>,
    pub exploration: Option<bool>,
    #[serde(flatten)]
    pub security: SecurityOverrides,
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
            let f: Overrides =
                toml::from_str(&text).map_err(|e| format!("config file {}: {e}", p.display()))?;
            s.apply(f)?;
        }
        s.apply(o)?;
        if !(s.snapshot_interval_min.is_finite() && s.snapshot_interval_min >= 0.0) {
            return Err("snapshot_interval_min must be a number of minutes ≥ 0".into());
        }
        if s.redis_url.as_deref() == Some("") {
            s.redis_url = None;
        }
        if s.db_pool_size == 0 {
            return Err("db_pool_size must be at least 1".into());
        }
        Ok(s)
    }

    /// Lays one layer over the settings: what it gives replaces what is there.
    fn apply(&mut self, o: Overrides) -> Result<(), String> {
        if let Some(v) = o.bind {
            self.bind = v;
        }
        if let Some(v) = o.database_url {
            self.database_url = v;
        }
        if let Some(v) = o.redis_url {
            self.redis_url = Some(v);
        }
        if let Some(v) = o.seed_dir {
            self.seed_dir = Some(v);
        }
        if let Some(v) = o.workers {
            self.workers = Some(v);
        }
        if let Some(v) = o.db_pool_size {
            self.db_pool_size = v;
        }
        if let Some(v) = o.data_dir {
            self.data_dir = v;
        }
        if let Some(v) = o.snapshot_interval_min {
            self.snapshot_interval_min = v;
        }
        if let Some(v) = o.exploration {
            self.exploration = v;
        }
        self.apply_security(o.security)
    }

    fn apply_security(&mut self, o: SecurityOverrides) -> Result<(), String> {
        if let Some(env) = o.env {
            self.production = match env.as_str() {
                "production" => true,
                "development" | "test" => false,
                other => {
                    return Err(format!(
                        "env must be production, development or test, not `{other}`"
                    ))
                }
            };
        }
        if let Some(v) = o.jwt_secret {
            self.jwt_secret = Some(Secret(v));
        }
        if let Some(v) = o.visitor_salt {
            if v.len() < MIN_SALT_BYTES {
                return Err(format!(
                    "the visitor salt (HG_VISITOR_SALT) must be at least {MIN_SALT_BYTES} bytes"
                ));
            }
            self.visitor_salt = Some(Secret(v));
        }
        let l = &mut self.limits;
        l.per_ip_per_min = o.rate_limit_per_min.unwrap_or(l.per_ip_per_min);
        l.per_token_per_min = o.token_rate_limit_per_min.unwrap_or(l.per_token_per_min);
        l.login_per_username = o
            .login_attempts_per_username
            .unwrap_or(l.login_per_username);
        l.login_per_ip = o.login_attempts_per_ip.unwrap_or(l.login_per_ip);
        l.plans_per_token_per_hour = o
            .plans_per_token_per_hour
            .unwrap_or(l.plans_per_token_per_hour);
        l.plans_per_ip_per_hour = o.plans_per_ip_per_hour.unwrap_or(l.plans_per_ip_per_hour);
        l.visitor_tokens_per_ip_per_hour = o
            .visitor_tokens_per_ip_per_hour
            .unwrap_or(l.visitor_tokens_per_ip_per_hour);
        self.plan_retention_days = o.plan_retention_days.unwrap_or(self.plan_retention_days);
        self.plan_purge_interval_min = o
            .plan_purge_interval_min
            .unwrap_or(self.plan_purge_interval_min);
        if !(self.plan_purge_interval_min.is_finite() && self.plan_purge_interval_min >= 0.0) {
            return Err("plan_purge_interval_min must be a number of minutes ≥ 0".into());
        }
        if self.plan_retention_days > 36_500 {
            return Err(
                "plan_retention_days must be at most 36500 (0 keeps plans for good)".into(),
            );
        }
        self.access_token_ttl_s = o.access_token_ttl_s.unwrap_or(self.access_token_ttl_s);
        self.refresh_token_ttl_s = o.refresh_token_ttl_s.unwrap_or(self.refresh_token_ttl_s);
        self.visitor_token_ttl_s = o.visitor_token_ttl_s.unwrap_or(self.visitor_token_ttl_s);
        self.trust_proxy = o.trust_proxy.unwrap_or(self.trust_proxy);
        if let Some(ns) = o.redis_namespace {
            self.redis_namespace = ns;
        }
        for (name, v) in [
            ("access_token_ttl_s", self.access_token_ttl_s),
            ("refresh_token_ttl_s", self.refresh_token_ttl_s),
            ("visitor_token_ttl_s", self.visitor_token_ttl_s),
        ] {
            if v == 0 {
                return Err(format!("{name} must be at least 1"));
            }
        }
        Ok(())
    }

    /// The token signing secret. A configured secret is used as given (in production it must
    /// not be weak: see [`weak_secret`]); without one, production refuses to start and
    /// other modes generate a secret once and keep it in `data_dir/jwt-secret`.
    pub fn resolve_jwt_secret(&self) -> Result<Vec<u8>, String> {
        if let Some(Secret(s)) = &self.jwt_secret {
            if let Some(why) = weak_secret(s) {
                if self.production {
                    return Err(format!(
                        "the token signing secret (HG_JWT_SECRET) is too weak: {why}"
                    ));
                }
                tracing::warn!(
                    "the token signing secret is weak ({why}); production mode would refuse it"
                );
            }
            return Ok(s.as_bytes().to_vec());
        }
        if self.production {
            return Err(
                "no token signing secret: set HG_JWT_SECRET (at least 32 bytes) in production"
                    .into(),
            );
        }
        load_or_generate_secret(&self.data_dir.join(SECRET_FILE))
    }

    /// The settings as they may be logged: passwords replaced.
    pub fn redacted(&self) -> String {
        format!(
            "bind={} database={} redis={} seed={} pool={} env={} signing_key={}",
            self.bind,
            redact(&self.database_url),
            self.redis_url
                .as_deref()
                .map(redact)
                .unwrap_or_else(|| "in-process".into()),
            self.seed_dir
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "built-in".into()),
            self.db_pool_size,
            if self.production {
                "production"
            } else {
                "development"
            },
            if self.jwt_secret.is_some() {
                "set"
            } else {
                "generated"
            },
        )
    }
}

/// Reads the generated secret, or creates it (random, 48 bytes, owner-only) without racing
/// other processes starting at the same time.
fn load_or_generate_secret(path: &std::path::Path) -> Result<Vec<u8>, String> {
    use base64::Engine;
    use rand::RngCore;
    let read = |p: &std::path::Path| -> Result<Option<Vec<u8>>, String> {
        match std::fs::read_to_string(p) {
            Ok(t) if t.trim().len() >= MIN_SECRET_BYTES => Ok(Some(t.trim().as_bytes().to_vec())),
            Ok(_) => Err(format!("{} holds no usable secret", p.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {}: {e}", p.display())),
        }
    };
    if let Some(s) = read(path)? {
        return Ok(s);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut raw = [0u8; 48];
    rand::rng().fill_bytes(&mut raw);
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
    let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
    {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts
            .open(&tmp)
            .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        f.write_all(text.as_bytes())
            .and_then(|_| f.sync_all())
            .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    }
    // A hard link fails when another process created the file first; then its secret wins.
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            tracing::info!(path = %path.display(), "generated a token signing secret");
            Ok(text.into_bytes())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            read(path)?.ok_or_else(|| format!("{} vanished", path.display()))
        }
        Err(e) => Err(format!("cannot write {}: {e}", path.display())),
    }
}

/// A database URL with any password replaced, for logs and errors.
pub fn redact(url: &str) -> String {
    if let Some(scheme_end) = url.find("://") {
        let (scheme, rest) = url.split_at(scheme_end + 3);
        if let Some(at) = rest.find('@') {
            let creds = &rest[..at];
            if let Some(colon) = creds.find(':') {
                return format!("{scheme}{}:***{}", &creds[..colon], &rest[at..]);
            }
        }
    }
    url.to_string()
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
    fn production_refuses_a_missing_or_weak_secret_and_development_generates_one() {
        let dir = std::env::temp_dir().join(format!("hg-secret-{}", uuid::Uuid::new_v4()));
        let mut s = Settings {
            data_dir: dir.clone(),
            production: true,
            ..Default::default()
        };
        assert!(s
            .resolve_jwt_secret()
            .unwrap_err()
            .contains("HG_JWT_SECRET"));
        s.jwt_secret = Some(Secret("short".into()));
        assert!(s.resolve_jwt_secret().unwrap_err().contains("too weak"));
        for weak in [" ".repeat(32), "x".repeat(32), "abab".repeat(16)] {
            s.jwt_secret = Some(Secret(weak.clone()));
            let e = s.resolve_jwt_secret().unwrap_err();
            assert!(e.contains("too weak"), "{weak:?}: {e}");
        }
        let good = "k3J9-vQ2m_Lp8xZr4Tn7Wc1Ys6Hd0Fb5".to_string();
        s.jwt_secret = Some(Secret(good.clone()));
        assert_eq!(s.resolve_jwt_secret().unwrap(), good.into_bytes());
        s.production = false;
        s.jwt_secret = None;
        let a = s.resolve_jwt_secret().unwrap();
        assert!(a.len() >= MIN_SECRET_BYTES);
        assert_eq!(s.resolve_jwt_secret().unwrap(), a, "kept and reused");
        assert!(dir.join(SECRET_FILE).exists());
        assert!(!format!("{s:?}").contains(std::str::from_utf8(&a).unwrap()));
        s.jwt_secret = Some(Secret("hunter2-hunter2-hunter2-hunter2-hunter2".into()));
        assert!(!format!("{s:?}").contains("hunter2") && !s.redacted().contains("hunter2"));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn env_selects_production_and_rejects_unknown_modes() {
        let mut s = Settings::default();
        s.apply_security(SecurityOverrides {
            env: Some("production".into()),
            rate_limit_per_min: Some(7),
            ..Default::default()
        })
        .unwrap();
        assert!(s.production);
        assert_eq!(s.limits.per_ip_per_min, 7);
        assert!(s
            .apply_security(SecurityOverrides {
                env: Some("prod".into()),
                ..Default::default()
            })
            .is_err());
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
