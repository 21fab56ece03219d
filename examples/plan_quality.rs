//! Plan-quality figures on the scenario grid of `docs/plan-quality.md`, as a Markdown table.
//!
//! Run: `cargo run --release --example plan_quality` (add `-- --list` to print every scenario
//! with its stops or error).

use heritage_guide::quality::{self, Outcome, PlanView, Site};
use std::time::Instant;

fn main() {
    let list = std::env::args().any(|a| a == "--list");
    let t = Instant::now();
    let site = Site::embedded();
    let build_s = t.elapsed().as_secs_f64();
    let scenarios = quality::grid();
    let t = Instant::now();
    let runs = quality::run_grid(site.model(), &scenarios, quality::default_threads());
    let plan_s = t.elapsed().as_secs_f64();

    if list {
        for r in &runs {
            match &r.outcome {
                Outcome::Planned(v) => {
                    let p = PlanView::read(v, r.scenario.day.naive());
                    let stops: Vec<&str> = p.stops.iter().map(|s| s.place_id.as_str()).collect();
                    println!("{}: {}", r.scenario, stops.join(" → "));
                }
                Outcome::Rejected {
                    status,
                    code,
                    message,
                } => println!("{}: {status} {code}: {message}", r.scenario),
                Outcome::Unsupported(e) => println!("{}: request not accepted: {e}", r.scenario),
            }
        }
        println!();
    }

    let m = quality::metrics(&site, &runs);
    print!("{}", m.markdown());
    println!();
    for (k, n) in quality::outcome_counts(&runs) {
        println!("- {k}: {n}");
    }
    println!(
        "\n{} scenarios; model build {build_s:.2} s, planning {plan_s:.2} s on {} threads",
        runs.len(),
        quality::default_threads()
    );
}
