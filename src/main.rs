//! The `heritage-guide` command: serve the API, migrate, load a seed, purge expired plans, solve
//! orienteering instances.

use clap::{Parser, Subcommand};
use heritage_guide::config::{Overrides, Settings};
use heritage_guide::seed::SeedFiles;
use heritage_guide::startup::{self, Application};
use heritage_guide::store;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "heritage-guide",
    version,
    about = "Visitor-guide backend for industrial-heritage sites"
)]
struct Cli {
    /// TOML config file (default: ./heritage-guide.toml when present).
    #[arg(long, env = "HG_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "HG_BIND", global = true)]
    bind: Option<String>,
    /// Database URL: sqlite://PATH or postgres://… [default: sqlite://data/heritage-guide.db].
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    /// Redis URL; unset means the in-process cache.
    #[arg(long, env = "REDIS_URL", global = true, hide_env_values = true)]
    redis_url: Option<String>,
    /// HTTP worker threads [default: one per core].
    #[arg(long, env = "HG_WORKERS", global = true)]
    workers: Option<usize>,
    /// Database pool size [default: 8].
    #[arg(long, env = "HG_DB_POOL_SIZE", global = true)]
    db_pool_size: Option<u32>,
    /// Folder for local state [default: data].
    #[arg(long, env = "HG_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// Publish a snapshot with fresh rating aggregates at most every N minutes; 0: only on an
    /// operator's request [default: 10].
    #[arg(long, env = "HG_SNAPSHOT_INTERVAL_MIN", global = true)]
    snapshot_interval_min: Option<f64>,
    /// Let plans try one place few visitors have rated yet, at a bounded cost [default: true].
    #[arg(long, env = "HG_EXPLORATION", global = true)]
    exploration: Option<bool>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (applies migrations and loads the seed on an empty database).
    Serve {
        /// Seed folder for an empty database [default: the built-in Eling seed].
        #[arg(long, env = "HG_SEED_DIR")]
        seed_dir: Option<PathBuf>,
    },
    /// Apply pending migrations.
    Migrate {
        /// Revert every migration instead (drops all data).
        #[arg(long)]
        revert_all: bool,
    },
    /// Validate a seed folder and load it (one transaction; loading the same data twice changes nothing).
    Seed {
        /// Seed folder [default: the built-in Eling seed].
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Only validate; write nothing.
        #[arg(long)]
        check: bool,
    },
    /// Rating aggregates.
    Aggregates {
        #[command(subcommand)]
        action: AggregatesCommand,
    },
    /// Stored plans.
    Plans {
        #[command(subcommand)]
        action: PlansCommand,
    },
    /// Visit records.
    Visits {
        #[command(subcommand)]
        action: VisitsCommand,
    },
    /// Manage operator and admin accounts.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Solve an orienteering instance (Tsiligirides/Chao format) and print JSON.
    OpSolve {
        file: PathBuf,
        #[arg(long, default_value_t = 100)]
        time_limit_ms: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum AggregatesCommand {
    /// Recompute the aggregates from the raw ratings and plan feedback and store them (the
    /// numbers equal those kept up to date on every write).
    Rebuild {
        /// Only this site [default: every site].
        #[arg(long)]
        site: Option<String>,
        /// Only compare; write nothing; exit 1 when the stored aggregates differ.
        #[arg(long)]
        check: bool,
    },
}

#[derive(Subcommand)]
enum PlansCommand {
    /// Delete every expired plan now and print how many were removed (the server also does
    /// this every HG_PLAN_PURGE_INTERVAL_MIN minutes). Feedback on them is kept.
    Purge,
}

#[derive(Subcommand)]
enum VisitsCommand {
    /// Import visit records from a file (CSV with a header, or JSON lines; see
    /// docs/visits-format.md): every line is checked first and nothing is written when one is
    /// wrong; records already stored are not added again.
    Import {
        /// The site the visits are of.
        #[arg(long)]
        site: String,
        /// csv or ndjson [default: by the file name's extension, else by its content].
        #[arg(long, value_parser = ["csv", "ndjson"])]
        format: Option<String>,
        /// The file (`-` for standard input).
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input (one line).
    Add {
        #[arg(long)]
        username: String,
        /// admin or operator.
        #[arg(long, value_parser = ["admin", "operator"])]
        role: String,
    },
    /// Disable an account (its tokens stop working at once).
    Disable { username: String },
    /// Enable a disabled account.
    Enable { username: String },
}

fn read_password() -> String {
    use std::io::BufRead;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .unwrap_or_else(|e| {
            fail(&format!(
                "cannot read the password from standard input: {e}"
            ))
        });
    let p = line.trim_end_matches(['\r', '\n']).to_string();
    if p.is_empty() {
        fail("no password on standard input (write it as one line)");
    }
    p
}

fn user_command(cli: &Cli, action: &UserCommand) {
    use heritage_guide::auth::Role;
    use heritage_guide::services::accounts;
    let s = settings(cli, None);
    let mut conn = migrated_connection(&s);
    let (user, verb) = match action {
        UserCommand::Add { username, role } => {
            let role =
                Role::parse_account(role).unwrap_or_else(|| fail("role must be admin or operator"));
            let password = read_password();
            let u = accounts::add_user(&mut conn, username, role, &password)
                .unwrap_or_else(|e| fail(&e.to_string()));
            (u, "created")
        }
        UserCommand::Disable { username } | UserCommand::Enable { username } => {
            let disable = matches!(action, UserCommand::Disable { .. });
            let change = accounts::AccountChange {
                disabled: Some(disable),
                ..Default::default()
            };
            let u = accounts::change_user(&mut conn, username, &change)
                .unwrap_or_else(|e| fail(&e.to_string()));
            (u, if disable { "disabled" } else { "enabled" })
        }
    };
    println!("{verb} {} ({})", user.username, user.role);
}

fn settings(cli: &Cli, seed_dir: Option<PathBuf>) -> Settings {
    let o = Overrides {
        bind: cli.bind.clone(),
        database_url: cli.database_url.clone(),
        redis_url: cli.redis_url.clone(),
        seed_dir,
        workers: cli.workers,
        db_pool_size: cli.db_pool_size,
        data_dir: cli.data_dir.clone(),
        snapshot_interval_min: cli.snapshot_interval_min,
        exploration: cli.exploration,
        security: heritage_guide::config::SecurityOverrides::from_env()
            .unwrap_or_else(|e| fail(&e)),
    };
    Settings::load(cli.config.as_deref(), o).unwrap_or_else(|e| fail(&e))
}

/// One connection to the configured database, with the migrations applied.
fn migrated_connection(s: &Settings) -> store::PooledConn {
    let (pool, _) = store::connect(&s.database_url, 1).unwrap_or_else(|e| fail(&e.to_string()));
    let mut conn = pool
        .get()
        .unwrap_or_else(|e| fail(&format!("cannot reach the database: {e}")));
    store::migrate(&mut conn).unwrap_or_else(|e| fail(&e.to_string()));
    conn
}

fn fail(msg: &str) -> ! {
    eprintln!("error: {msg}");
    std::process::exit(2)
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HG_LOG").unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match &cli.command {
        Command::Serve { seed_dir } => serve_command(&cli, seed_dir.clone()),
        Command::Migrate { revert_all } => migrate_command(&cli, *revert_all),
        Command::Seed { dir, check } => seed_command(&cli, dir.as_deref(), *check),
        Command::Aggregates {
            action: AggregatesCommand::Rebuild { site, check },
        } => aggregates_command(&cli, site.as_deref(), *check),
        Command::Plans {
            action: PlansCommand::Purge,
        } => plans_purge_command(&cli),
        Command::User { action } => user_command(&cli, action),
        Command::Visits {
            action: VisitsCommand::Import { site, format, file },
        } => visits_import_command(&cli, site, format.as_deref(), file),
        Command::OpSolve {
            file,
            time_limit_ms,
            seed,
        } => op_solve_command(file, *time_limit_ms, *seed),
    }
}

/// `serve`: the API until the process is stopped.
fn serve_command(cli: &Cli, seed_dir: Option<PathBuf>) {
    let s = settings(cli, seed_dir.clone());
    tracing::info!(settings = %s.redacted(), "starting");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let res: Result<(), String> = rt.block_on(async move {
        let app = Application::build(s).await?;
        tracing::info!(
            "listening on http://{}",
            app.state
                .settings
                .bind
                .replace(":0", &format!(":{}", app.port()))
        );
        app.server().await.map_err(|e| e.to_string())
    });
    if let Err(e) = res {
        fail(&e);
    }
}

/// `migrate`: applies (or reverts) the migrations.
fn migrate_command(cli: &Cli, revert_all: bool) {
    let s = settings(cli, None);
    let (pool, backend) =
        store::connect(&s.database_url, 1).unwrap_or_else(|e| fail(&e.to_string()));
    let mut conn = pool
        .get()
        .unwrap_or_else(|e| fail(&format!("cannot reach the database: {e}")));
    let n = if revert_all {
        store::revert_all(&mut conn)
    } else {
        store::migrate(&mut conn)
    }
    .unwrap_or_else(|e| fail(&e.to_string()));
    println!(
        "{} {n} migration(s) on {}",
        if revert_all { "reverted" } else { "applied" },
        backend.as_str()
    );
}

/// `seed`: checks a seed, or loads it into the database.
fn seed_command(cli: &Cli, dir: Option<&std::path::Path>, check: bool) {
    let files = match dir {
        Some(d) => SeedFiles::from_dir(d).unwrap_or_else(|errs| {
            fail(
                &errs
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        }),
        None => SeedFiles::embedded(),
    };
    if check {
        match heritage_guide::seed::parse(&files) {
            Ok(d) => println!(
                "seed is valid: site {} with {} places, {} nodes, {} edges, {} findings",
                d.site.id,
                d.places.len(),
                d.nodes.len(),
                d.edges.len(),
                d.findings.len()
            ),
            Err(errs) => fail(
                &errs
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        }
        return;
    }
    let s = settings(cli, None);
    let mut conn = migrated_connection(&s);
    let outcome = startup::load_seed(&mut conn, &files).unwrap_or_else(|e| fail(&e));
    println!("{outcome:?}");
}

/// `aggregates rebuild`: recomputes the stored aggregates from the raw feedback (or checks them).
fn aggregates_command(cli: &Cli, site: Option<&str>, check: bool) {
    let s = settings(cli, None);
    let mut conn = migrated_connection(&s);
    let sites: Vec<String> = match site {
        Some(id) => vec![id.to_string()],
        None => store::site::list_sites(&mut conn)
            .unwrap_or_else(|e| fail(&e.to_string()))
            .into_iter()
            .map(|(id, _)| id)
            .collect(),
    };
    let mut differed = false;
    for id in sites {
        let r = store::feedback::rebuild_aggregates(&mut conn, &id, check)
            .unwrap_or_else(|e| fail(&e.to_string()));
        differed |= r.changed;
        println!(
            "site {}: {} places, {} crowding slots: {}",
            r.site,
            r.places,
            r.slots,
            match (r.changed, check) {
                (false, _) => "stored aggregates already equal the raw rows",
                (true, true) => "stored aggregates DIFFER from the raw rows",
                (true, false) => "stored aggregates differed and were rebuilt",
            }
        );
    }
    if check && differed {
        std::process::exit(1);
    }
}

/// `plans purge`: deletes the expired plans once.
fn plans_purge_command(cli: &Cli) {
    let s = settings(cli, None);
    let mut conn = migrated_connection(&s);
    let n = heritage_guide::services::plans::purge_blocking(&mut conn)
        .unwrap_or_else(|e| fail(&e.to_string()));
    let left = store::plans::count(&mut conn).unwrap_or_else(|e| fail(&e.to_string()));
    println!("removed {n} expired plan(s); {left} plan(s) kept");
}

/// `visits import`: validates a visits file and imports it (idempotently, audited as the
/// command line's).
fn visits_import_command(cli: &Cli, site: &str, format: Option<&str>, file: &std::path::Path) {
    use heritage_guide::services::visits::{self as svc, Format, Importer};
    let body = if file.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b)
            .unwrap_or_else(|e| fail(&format!("cannot read standard input: {e}")));
        b
    } else {
        std::fs::read(file)
            .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", file.display())))
    };
    let text = std::str::from_utf8(&body)
        .unwrap_or_else(|e| fail(&format!("{} is not UTF-8: {e}", file.display())));
    let format = match format {
        Some("csv") => Format::Csv,
        Some(_) => Format::Ndjson,
        None => Format::guess(&file.to_string_lossy(), text),
    };
    let s = settings(cli, None);
    let salt = heritage_guide::feedback::visits::resolve_salt(&s).unwrap_or_else(|e| fail(&e));
    let mut conn = migrated_connection(&s);
    let (data, version) = store::site::load_site(&mut conn, site)
        .unwrap_or_else(|e| fail(&e.to_string()))
        .unwrap_or_else(|| fail(&format!("no site `{site}`")));
    let records = match svc::parse_file(&data, text, format, &salt, chrono::Utc::now()) {
        Ok(r) => r,
        Err(e) => {
            for err in &e.errors {
                eprintln!("{}: {err}", file.display());
            }
            if e.total > e.errors.len() {
                eprintln!("… and {} more", e.total - e.errors.len());
            }
            eprintln!("error: {} line(s) refused; nothing was imported", e.total);
            std::process::exit(1);
        }
    };
    let who = Importer {
        actor: "command-line".into(),
        role: heritage_guide::auth::Role::Admin,
        source: store::audit::AuditSource::Import,
    };
    let out = svc::import(&mut conn, site, version, format, &body, &records, &who)
        .unwrap_or_else(|e| fail(&e.to_string()));
    let r = &out.report;
    println!(
        "site {}: {} record(s): {} added, {} updated, {} already stored{}; {} visits stored",
        out.site,
        r.records,
        r.added,
        r.updated,
        r.unchanged,
        if r.added + r.updated == 0 {
            " (nothing new)"
        } else {
            ""
        },
        out.stored_visits
    );
}

/// `op-solve`: solves one orienteering instance and prints the solution as JSON.
fn op_solve_command(file: &std::path::Path, time_limit_ms: u64, seed: u64) {
    let text = std::fs::read_to_string(file)
        .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", file.display())));
    let inst = planner::op::parse_instance(&text)
        .unwrap_or_else(|e| fail(&format!("{}: {e}", file.display())));
    let sol = planner::op::solve(&inst, time_limit_ms, seed);
    println!("{}", serde_json::to_string(&sol).expect("serialises"));
}
