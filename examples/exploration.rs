//! Exploration figures on the plan-quality scenario grid (`docs/plan-quality.md`) with the
//! embedded seed and no feedback yet: how many plans try a little-rated place, what it costs
//! (the share of the best plan's value given up, bounded at 5 %) and which places are tried.
//!
//! Run: `cargo run --release --example exploration [-- SEEDS]` (plan ids per scenario,
//! default 4).

use heritage_guide::feedback::aggregates::{site_stats, SiteAggregates};
use heritage_guide::model::build_snapshot;
use heritage_guide::quality::{self, Site};
use heritage_guide::seed::{self, SeedFiles};
use planner::model::PlanRequest;
use std::collections::BTreeMap;

fn main() {
    let seeds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    // The server's stats before any feedback: every place's prior alone.
    let data = seed::parse(&SeedFiles::embedded()).expect("the embedded seed parses");
    let stats = site_stats(&data, &SiteAggregates::default());
    let site = Site::from_snapshot(build_snapshot(data, 1, stats).expect("the seed builds"));
    let model = site.model();
    let (mut plans, mut explored) = (0usize, 0usize);
    let mut costs: Vec<f64> = Vec::new();
    let mut places: BTreeMap<String, usize> = BTreeMap::new();
    for (k, scenario) in quality::grid().iter().enumerate() {
        let Ok(req) = serde_json::from_value::<PlanRequest>(scenario.request()) else {
            continue;
        };
        for s in 0..seeds {
            let seed = (k as u64) << 16 | s;
            let Ok(plan) = model.plan_exploring(&req, seed) else {
                continue;
            };
            plans += 1;
            if let Some(e) = plan.exploration {
                explored += 1;
                costs.push(e.cost_share);
                *places.entry(e.place_id).or_default() += 1;
            }
        }
    }
    costs.sort_by(f64::total_cmp);
    let mean = costs.iter().sum::<f64>() / costs.len().max(1) as f64;
    println!(
        "plans: {plans}, exploring: {explored} ({:.1} %)",
        100.0 * explored as f64 / plans.max(1) as f64
    );
    println!(
        "cost share: mean {:.3}, median {:.3}, max {:.3}",
        mean,
        costs.get(costs.len() / 2).copied().unwrap_or(0.0),
        costs.last().copied().unwrap_or(0.0)
    );
    let mut by: Vec<_> = places.into_iter().collect();
    by.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for (p, n) in by {
        println!("- {p}: {n}");
    }
}
