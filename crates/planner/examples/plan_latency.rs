//! Plan latency (and solution quality against a long run) on synthetic steep ~60-place sites.
//!
//! `cargo run --release --example plan_latency -- [requests] [iterations]`
//!
//! Prints p50, p90, p99 and max latency of `PlanningModel::plan` for 3-hour plans from random
//! points and times, one core, and the mean objective relative to a 20× longer search.

use std::time::Instant;

use planner::model::{Endpoint, PlanRequest, PlanningModel};
use planner::rng::SplitMix64;
use planner::synthetic;

fn request(r: &mut SplitMix64, site: &synthetic::SyntheticSite) -> PlanRequest {
    let start = synthetic::position(r.unit() * 400.0, r.unit() * 500.0);
    let interests = [
        "photography",
        "film",
        "history",
        "architecture",
        "food",
        "views",
        "shopping",
    ];
    let mut chosen = Vec::new();
    for _ in 0..r.below(3) {
        let i = interests[r.below(interests.len())].to_string();
        if !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    let end = (r.unit() < 0.5)
        .then(|| Endpoint::Place(site.places[r.below(site.places.len())].id.clone()));
    let profile = ["standard", "standard", "step_free", "easy"][r.below(4)];
    PlanRequest {
        start: Endpoint::Point {
            lat: start[1],
            lon: start[0],
        },
        end,
        start_time: format!(
            "2026-05-{:02}T{:02}:{:02}:00+08:00",
            1 + r.below(28),
            8 + r.below(8),
            r.below(60)
        ),
        budget_min: 180,
        interests: chosen,
        profile: Some(profile.into()),
        avoid_paid: r.unit() < 0.2,
        max_fee_cny: None,
        areas: None,
        must: vec![],
        avoid: vec![],
        lang: Some("en".into()),
        pace: None,
        meals: None,
    }
}

/// CPU time of the calling thread in milliseconds (unaffected by other processes' load).
fn thread_cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec and the clock id is a constant.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1000.0 + ts.tv_nsec as f64 / 1e6
}

fn pct(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n_req: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(300);
    let iters: Option<u32> = args.get(2).and_then(|s| s.parse().ok());
    let quality = args.iter().any(|a| a == "--quality");
    let models: Vec<(synthetic::SyntheticSite, PlanningModel)> = (0..5)
        .map(|seed| {
            let site = synthetic::site(seed, 60);
            let mut model = site.model();
            if let Some(it) = iters {
                let mut o = model.solver_options();
                o.heuristic_iterations = it;
                model.set_solver_options(o);
            }
            (site, model)
        })
        .collect();
    let mut r = SplitMix64::new(42);
    let mut times = Vec::with_capacity(n_req);
    let mut cpu = Vec::with_capacity(n_req);
    let mut ratios = Vec::new();
    let mut stops = 0usize;
    let mut errors = 0usize;
    for k in 0..n_req {
        let (site, model) = &models[k % models.len()];
        let req = request(&mut r, site);
        let t = Instant::now();
        let c0 = thread_cpu_ms();
        let res = model.plan(&req);
        cpu.push(thread_cpu_ms() - c0);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        match res {
            Ok(plan) => {
                stops += plan.stops.len();
                if quality {
                    let mut long = model.clone();
                    let mut o = long.solver_options();
                    o.heuristic_iterations *= 20;
                    o.heuristic_time_cap_ms = 10_000;
                    long.set_solver_options(o);
                    let best = long.plan(&req).unwrap().totals.score;
                    if best > 0.0 {
                        ratios.push(plan.totals.score / best);
                    }
                }
            }
            Err(_) => errors += 1,
        }
    }
    times.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    println!(
        "{n_req} plans (3 h budget, 60 places, 5 synthetic sites), {:.1} stops on average, {errors} errors",
        stops as f64 / (n_req - errors).max(1) as f64
    );
    for (what, v) in [("wall clock", &times), ("thread CPU", &cpu)] {
        println!(
            "  {what:<10}: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            pct(v, 0.5),
            pct(v, 0.9),
            pct(v, 0.99),
            v.last().copied().unwrap_or(0.0)
        );
    }
    if quality && !ratios.is_empty() {
        let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
        let min = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let equal = ratios.iter().filter(|&&x| x > 1.0 - 1e-9).count();
        println!(
            "quality vs 20x iterations: mean {:.4}, min {:.4}, equal or better in {equal}/{}",
            mean,
            min,
            ratios.len()
        );
    }
}
