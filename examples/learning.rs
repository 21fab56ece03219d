//! Whether the feedback loop learns: simulated visitors use the real server (in-process, SQLite
//! in a temporary folder, exploration on, snapshots published by an operator every block) only
//! through its HTTP API, rating places against truths planted on the embedded Eling seed. Prints
//! the planted truths, a Markdown table per block and a summary; exits non-zero when a check
//! fails. See `docs/learning.md`.
//!
//! Run: `cargo run --release --example learning [-- --visitors N] [--block N] [--seed N]`
//! (defaults 500 visitors, blocks of 50, seed 2026; in a debug build use fewer visitors, e.g.
//! `cargo run --example learning -- --visitors 100`). Plan ids are random uuids and seed the
//! exploration draws, so figures vary slightly between runs of the same seed.

#[path = "../tests/api/learning_sim.rs"]
mod sim;

use sim::{Config, Report, Server, World};

fn arg(name: &str) -> Option<u64> {
    let args: Vec<String> = std::env::args().collect();
    let i = args.iter().position(|a| a == name)?;
    match args.get(i + 1).and_then(|v| v.parse().ok()) {
        Some(v) => Some(v),
        None => {
            eprintln!("{name} takes a whole number");
            std::process::exit(2);
        }
    }
}

#[tokio::main]
async fn main() {
    let d = Config::default();
    let cfg = Config {
        visitors: arg("--visitors").map_or(d.visitors, |v| v as usize),
        block: arg("--block").map_or(d.block, |v| (v as usize).max(1)),
        seed: arg("--seed").unwrap_or(d.seed),
    };
    let world = World::embedded();
    let server = match Server::start(None).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("the server did not start: {e}");
            std::process::exit(1);
        }
    };
    let report = sim::run(&server, &world, &cfg).await;
    server.remove_files();
    println!("## Planted truths\n\n{}", Report::truths_markdown(&world));
    println!(
        "## Blocks of {} visitors\n\n{}",
        cfg.block,
        report.markdown()
    );
    println!("## Summary\n\n{}", report.summary());
    let mut failed = report.invariant_failures();
    failed.extend(report.learning_failures());
    if failed.is_empty() {
        println!("All checks hold.");
    } else {
        for f in &failed {
            eprintln!("CHECK FAILED: {f}");
        }
        std::process::exit(1);
    }
}
