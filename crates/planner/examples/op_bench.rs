//! Runs the orienteering solver on the public OP benchmark folder and compares with the
//! best-known scores.
//!
//! From the root of the repository checkout:
//!
//! ```text
//! cargo run --release -p planner --example op_bench -- ../shared/bench/op [time_limit_ms] [seed]
//! ```
//!
//! The first argument is the shared benchmark folder of instances (default `../shared/bench/op`,
//! relative to the working directory).

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use planner::op;

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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = args
        .get(1)
        .map(String::as_str)
        .unwrap_or("../shared/bench/op");
    let limit_ms: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(95);
    let seed: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
    let dir = Path::new(dir);
    let tsv = std::fs::read_to_string(dir.join("best_known.tsv")).expect("best_known.tsv");
    let mut best: HashMap<(String, String), f64> = HashMap::new();
    let mut order: Vec<(String, String)> = Vec::new();
    for line in tsv.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 5 {
            continue;
        }
        let key = (f[0].to_string(), f[1].to_string());
        best.insert(key.clone(), f[4].parse().expect("best score"));
        order.push(key);
    }
    println!(
        "{:<16} {:<40} {:>7} {:>7} {:>7} {:>8} {:>8} {:>9} {:>7}",
        "set", "file", "score", "best", "gap%", "ms", "best@ms", "length", "iters"
    );
    let mut per_set: Vec<(String, usize, usize, f64, f64)> = Vec::new();
    let (mut all_gap, mut max_ms, mut count, mut at_best) = (0.0, 0.0f64, 0usize, 0usize);
    let mut max_best_ms = 0.0f64;
    let mut max_cpu_ms = 0.0f64;
    for (set, file) in &order {
        let text = std::fs::read_to_string(dir.join(set).join(file)).expect("instance file");
        let inst = op::parse_instance(&text).expect("valid instance");
        let t = Instant::now();
        let c0 = thread_cpu_ms();
        let sol = op::solve(&inst, limit_ms, seed);
        let cpu_ms = thread_cpu_ms() - c0;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        max_cpu_ms = max_cpu_ms.max(cpu_ms);
        assert!(inst.is_feasible(&sol.route), "{file}: infeasible route");
        let bk = best[&(set.clone(), file.clone())];
        let gap = if bk > 0.0 {
            100.0 * (bk - sol.score) / bk
        } else {
            0.0
        };
        println!(
            "{set:<16} {file:<40} {:>7} {:>7} {:>7.2} {:>8.1} {:>8.1} {:>9.3} {:>7}",
            sol.score, bk, gap, ms, sol.time_to_best_ms, sol.length, sol.iterations
        );
        max_best_ms = max_best_ms.max(sol.time_to_best_ms);
        let hit = sol.score >= bk - 1e-9;
        match per_set.iter_mut().find(|s| &s.0 == set) {
            Some(s) => {
                s.1 += 1;
                s.2 += usize::from(hit);
                s.3 += gap;
                s.4 = s.4.max(ms);
            }
            None => per_set.push((set.clone(), 1, usize::from(hit), gap, ms)),
        }
        all_gap += gap;
        max_ms = max_ms.max(ms);
        count += 1;
        at_best += usize::from(hit);
    }
    println!();
    for (set, n, hits, gap, ms) in &per_set {
        println!(
            "{set:<16} {hits}/{n} at best known, mean gap {:.3}%, max {:.1} ms",
            gap / *n as f64,
            ms
        );
    }
    println!(
        "all: {at_best}/{count} at best known, mean gap {:.3}%, max {:.1} ms wall clock ({:.1} ms thread CPU), best found by {:.1} ms at the latest (limit {limit_ms} ms, seed {seed})",
        all_gap / count as f64,
        max_ms,
        max_cpu_ms,
        max_best_ms
    );
}
