//! Persistence: one diesel connection type over SQLite and PostgreSQL, an r2d2 pool and the embedded
//! migrations of both backends.

pub mod audit;
pub mod edits;
pub mod feedback;
pub mod plans;
pub mod schema;
pub mod site;
pub mod tokens;
pub mod users;
pub mod visits;

use crate::config::redact;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::Duration;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either backend; queries are written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which backend a database URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL (expected sqlite://PATH or postgres://…): {0}")]
    BadUrl(String),
    #[error("database connection failed: {0}")]
    Connect(String),
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("{0}")]
    Other(String),
}

/// A parsed database URL: the backend and what its driver needs.
#[derive(Clone, Debug)]
pub struct DbTarget {
    pub backend: Backend,
    /// For SQLite the file path (or `:memory:`); for PostgreSQL the URL as given.
    pub location: String,
}

impl DbTarget {
    pub fn parse(url: &str) -> Result<DbTarget, StoreError> {
        if let Some(rest) = url.strip_prefix("sqlite://") {
            if rest.is_empty() {
                return Err(StoreError::BadUrl(redact(url)));
            }
            return Ok(DbTarget {
                backend: Backend::Sqlite,
                location: rest.to_string(),
            });
        }
        if let Some(rest) = url.strip_prefix("sqlite:") {
            if rest.is_empty() {
                return Err(StoreError::BadUrl(redact(url)));
            }
            return Ok(DbTarget {
                backend: Backend::Sqlite,
                location: rest.to_string(),
            });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbTarget {
                backend: Backend::Postgres,
                location: url.to_string(),
            });
        }
        Err(StoreError::BadUrl(redact(url)))
    }
}

/// r2d2 manager that opens the backend named by the URL and sets SQLite up for a server
/// (foreign keys, WAL, busy timeout).
#[derive(Clone, Debug)]
pub struct DbManager {
    target: DbTarget,
}

impl r2d2::ManageConnection for DbManager {
    type Connection = DbConn;
    type Error = StoreError;

    fn connect(&self) -> Result<DbConn, StoreError> {
        match self.target.backend {
            Backend::Sqlite => {
                let mut c = SqliteConnection::establish(&self.target.location)
                    .map_err(|e| StoreError::Connect(e.to_string()))?;
                // FULL: a commit is on disk before it returns, so an acknowledged write
                // survives a power failure too (WAL keeps readers and the writer apart).
                // The WAL journal mode is set once, when the pool is built (see `connect`).
                c.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                     PRAGMA synchronous = FULL;",
                )
                .map_err(|e| StoreError::Connect(e.to_string()))?;
                Ok(DbConn::Sqlite(c))
            }
            Backend::Postgres => PgConnection::establish(&self.target.location)
                .map(DbConn::Pg)
                .map_err(|e| StoreError::Connect(redact(&e.to_string()))),
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), StoreError> {
        conn.batch_execute("SELECT 1").map_err(StoreError::Query)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

pub type Pool = r2d2::Pool<DbManager>;
pub type PooledConn = r2d2::PooledConnection<DbManager>;

/// Opens a pool for the URL, creating the SQLite file's folder when needed.
pub fn connect(url: &str, max_size: u32) -> Result<(Pool, Backend), StoreError> {
    let target = DbTarget::parse(url)?;
    if target.backend == Backend::Sqlite && target.location != ":memory:" {
        if let Some(parent) = std::path::Path::new(&target.location).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    StoreError::Connect(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
        }
    }
    if target.backend == Backend::Sqlite {
        // Switch the file to WAL once, before several pooled connections race for the lock
        // this needs (the mode is stored in the file).
        let mut c = SqliteConnection::establish(&target.location)
            .map_err(|e| StoreError::Connect(e.to_string()))?;
        c.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;")
            .map_err(|e| StoreError::Connect(e.to_string()))?;
    }
    let backend = target.backend;
    let pool = r2d2::Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(10))
        .build(DbManager { target })?;
    Ok((pool, backend))
}

/// Applies every pending migration; returns how many ran.
pub fn migrate(conn: &mut DbConn) -> Result<usize, StoreError> {
    let ran = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConn::Pg(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
    };
    ran.map_err(|e| StoreError::Migration(e.to_string()))
}

/// Reverts every applied migration (used by tests and `migrate --revert-all`).
pub fn revert_all(conn: &mut DbConn) -> Result<usize, StoreError> {
    let ran = match conn {
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConn::Pg(c) => c
            .revert_all_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
    };
    ran.map_err(|e| StoreError::Migration(e.to_string()))
}

/// Reverts the most recent applied migration; returns its version.
pub fn revert_last(conn: &mut DbConn) -> Result<String, StoreError> {
    let ran = match conn {
        DbConn::Sqlite(c) => c
            .revert_last_migration(SQLITE_MIGRATIONS)
            .map(|v| v.to_string()),
        DbConn::Pg(c) => c
            .revert_last_migration(POSTGRES_MIGRATIONS)
            .map(|v| v.to_string()),
    };
    ran.map_err(|e| StoreError::Migration(e.to_string()))
}

/// Names of a table's columns in their order, for tests of migrations; empty for an unknown
/// table.
pub fn column_names(conn: &mut DbConn, table: &str) -> Result<Vec<String>, StoreError> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    if !table
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(StoreError::Other(format!("not a table name: {table}")));
    }
    let sql = match conn {
        DbConn::Sqlite(_) => format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"),
        DbConn::Pg(_) => format!(
            "SELECT column_name::TEXT AS name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = '{table}' ORDER BY ordinal_position"
        ),
    };
    let rows: Vec<Name> = diesel::sql_query(sql).load(conn)?;
    Ok(rows.into_iter().map(|n| n.name).collect())
}

/// Names of the tables the migrations created, for tests of up → down → up.
pub fn table_names(conn: &mut DbConn) -> Result<Vec<String>, StoreError> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let sql = match conn {
        DbConn::Sqlite(_) => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> '__diesel_schema_migrations' ORDER BY name"
        }
        DbConn::Pg(_) => {
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_name <> '__diesel_schema_migrations' ORDER BY table_name"
        }
    };
    let rows: Vec<Name> = diesel::sql_query(sql).load(conn)?;
    Ok(rows.into_iter().map(|n| n.name).collect())
}

/// Seconds since the Unix epoch.
pub fn now_s() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Current UTC time as RFC 3339 text, the portable timestamp format of every table.
pub fn now_text() -> String {
    time_text(chrono::Utc::now())
}

/// An instant as [`now_text`] stores it (milliseconds, UTC), so text order is time order.
pub fn time_text(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Runs `f` in a write transaction: `BEGIN IMMEDIATE` on SQLite (so concurrent writers queue on
/// the busy timeout instead of failing on a lock upgrade), `BEGIN` on PostgreSQL. Rolls back on
/// an error or a panic. Not nestable.
pub fn write_transaction<T, E: From<StoreError>>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E> {
    let begin = match conn {
        DbConn::Sqlite(_) => "BEGIN IMMEDIATE",
        DbConn::Pg(_) => "BEGIN",
    };
    conn.batch_execute(begin).map_err(StoreError::Query)?;
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(conn)));
    match res {
        Ok(Ok(v)) => match conn.batch_execute("COMMIT") {
            Ok(()) => Ok(v),
            Err(e) => {
                let _ = conn.batch_execute("ROLLBACK");
                Err(StoreError::Query(e).into())
            }
        },
        Ok(Err(e)) => {
            let _ = conn.batch_execute("ROLLBACK");
            Err(e)
        }
        Err(panic) => {
            let _ = conn.batch_execute("ROLLBACK");
            std::panic::resume_unwind(panic)
        }
    }
}

/// Whether a query failed on a unique constraint.
pub fn is_unique_violation(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::Query(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _
        ))
    )
}
