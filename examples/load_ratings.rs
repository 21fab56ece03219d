//! Sustained rating writes against a running server, then a count of the stored rows: every
//! acknowledged write (201) must be in the database, and the aggregates must equal a rebuild.
//!
//! Each request rates a distinct (visitor, place) pair with its own `Idempotency-Key`, so the
//! number of acknowledged writes is the number of rows there must be. Visitor tokens are signed
//! with the server's secret (`HG_JWT_SECRET`), so token issuing is not part of the measurement.
//!
//! ```sh
//! cargo run --release --example load_ratings -- --url http://127.0.0.1:18081 \
//!     --database-url sqlite:///tmp/x.db --secret "$HG_JWT_SECRET" --duration-s 20
//! ```
//! `scripts/load-ratings.sh` starts a server with a fresh database and runs this on both backends.

use clap::Parser;
use heritage_guide::auth::{Role, TokenService};
use heritage_guide::store::{self, feedback as fstore};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    /// Base URL of the server.
    #[arg(long)]
    url: String,
    /// The server's database, to count the rows after the run.
    #[arg(long)]
    database_url: String,
    /// The server's token signing secret.
    #[arg(long, env = "HG_JWT_SECRET", hide_env_values = true)]
    secret: String,
    #[arg(long, default_value = "eling-no2-factory")]
    site: String,
    /// How long to write, in seconds.
    #[arg(long, default_value_t = 20)]
    duration_s: u64,
    /// Requests in flight.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
}

#[derive(Default)]
struct Counters {
    sent: AtomicU64,
    acked: AtomicU64,
    failed: AtomicU64,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let tokens = TokenService::new(args.secret.as_bytes());
    let places = places(&args.url, &args.site).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()
        .unwrap();
    let next = Arc::new(AtomicU64::new(0));
    let counts = Arc::new(Counters::default());
    let deadline = Instant::now() + Duration::from_secs(args.duration_s);
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.concurrency {
        let (client, next, counts, places) =
            (client.clone(), next.clone(), counts.clone(), places.clone());
        let (url, site, tokens) = (args.url.clone(), args.site.clone(), tokens.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut token_of: Option<(u64, String)> = None;
            while Instant::now() < deadline {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let visitor = n / places.len() as u64;
                let place = &places[(n % places.len() as u64) as usize];
                let token = match &token_of {
                    Some((v, t)) if *v == visitor => t.clone(),
                    _ => {
                        let sub = format!("visitor:load-{visitor}");
                        let t = tokens.sign(&tokens.claims(&sub, Role::Visitor, Some(&site), 3600));
                        token_of = Some((visitor, t.clone()));
                        t
                    }
                };
                let body = serde_json::json!({
                    "overall": 1 + n % 5,
                    "value_for_money": 1 + (n / 7) % 5,
                    "crowding": 1 + (n / 3) % 5,
                    "photos_ok": n % 2 == 0,
                    "comment": if n % 4 == 0 { "rooftop fee too high, but great photos" } else { "人很多，但是很出片" },
                });
                let t0 = Instant::now();
                counts.sent.fetch_add(1, Ordering::Relaxed);
                let res = client
                    .post(format!("{url}/v1/sites/{site}/places/{place}/ratings"))
                    .bearer_auth(&token)
                    .header("Idempotency-Key", format!("load-{n}"))
                    .json(&body)
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status().as_u16() == 201 => {
                        counts.acked.fetch_add(1, Ordering::Relaxed);
                        latencies.push(t0.elapsed());
                    }
                    Ok(r) => {
                        counts.failed.fetch_add(1, Ordering::Relaxed);
                        eprintln!("{}: {}", r.status(), r.text().await.unwrap_or_default());
                    }
                    Err(e) => {
                        counts.failed.fetch_add(1, Ordering::Relaxed);
                        eprintln!("transport error: {e}");
                    }
                }
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for w in workers {
        latencies.extend(w.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    let (db, site) = (args.database_url.clone(), args.site.clone());
    let (rows, consistent) = tokio::task::spawn_blocking(move || {
        let (pool, _) = store::connect(&db, 1).expect("database");
        let mut c = pool.get().expect("connection");
        let rows = fstore::count_ratings(&mut c, &site).expect("count");
        let check = fstore::rebuild_aggregates(&mut c, &site, true).expect("rebuild check");
        (rows, !check.changed)
    })
    .await
    .unwrap();
    let acked = counts.acked.load(Ordering::Relaxed);
    let report = serde_json::json!({
        "backend": store::DbTarget::parse(&args.database_url).map(|t| t.backend.as_str()).unwrap_or("?"),
        "duration_s": (elapsed * 10.0).round() / 10.0,
        "concurrency": args.concurrency,
        "sent": counts.sent.load(Ordering::Relaxed),
        "acknowledged": acked,
        "failed": counts.failed.load(Ordering::Relaxed),
        "writes_per_s": (acked as f64 / elapsed).round(),
        "latency_ms": {"p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99), "max": pct(1.0)},
        "rows_after": rows,
        "lost_acknowledged_writes": acked as i64 - rows,
        "aggregates_equal_rebuild": consistent,
    });
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
    if rows < acked as i64 || !consistent {
        std::process::exit(1);
    }
}

/// The ids of the site's places.
async fn places(url: &str, site: &str) -> Arc<Vec<String>> {
    let v: serde_json::Value = reqwest::get(format!("{url}/v1/sites/{site}/places?limit=200"))
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("places");
    Arc::new(
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_string())
            .collect(),
    )
}
