//! Plan and directions latency in process on the built-in Eling seed (no HTTP, no database).
//! Run: `cargo bench --bench plan_latency` (prints p50/p90/p99 per scenario).

use heritage_guide::model::build_snapshot;
use heritage_guide::seed::{self, SeedFiles};
use planner::model::{DirectionsRequest, PlanRequest};
use std::time::Instant;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// CPU time of this thread in milliseconds (unaffected by other processes on the machine).
fn thread_cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

fn report(name: &str, mut samples: Vec<f64>) {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "{name:<44} n={:<5} p50={:>7.3} ms  p90={:>7.3} ms  p99={:>7.3} ms  max={:>7.3} ms",
        samples.len(),
        percentile(&samples, 0.5),
        percentile(&samples, 0.9),
        percentile(&samples, 0.99),
        samples.last().unwrap()
    );
}

fn main() {
    let t = Instant::now();
    let data = seed::parse(&SeedFiles::embedded()).expect("seed");
    let parse_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let snap = build_snapshot(data, 1, Default::default()).expect("snapshot");
    println!(
        "seed parse {parse_ms:.1} ms; snapshot build (graph, matrices, rendered bodies) {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );

    let scenarios: Vec<(&str, serde_json::Value)> = vec![
        (
            "3 h, photography+film, standard",
            serde_json::json!({"start":"factory-main-square","start_time":"2026-05-16T10:00:00+08:00","budget_min":180,"interests":["photography","film"]}),
        ),
        (
            "3 h, views, step_free, avoid_paid",
            serde_json::json!({"start":"factory-main-square","start_time":"2026-05-16T14:00:00+08:00","budget_min":180,"interests":["views"],"profile":"step_free","avoid_paid":true}),
        ),
        (
            "5 h, all interests, from a point",
            serde_json::json!({"start":{"lat":29.5539,"lon":106.5357},"start_time":"2026-05-16T09:30:00+08:00","budget_min":300,"interests":["photography","film","fans","history","architecture","shopping","food","views"]}),
        ),
        (
            "8 h full day from Liziba station, lunch+dinner",
            serde_json::json!({"start":"liziba-station","start_time":"2026-05-16T10:00:00+08:00","budget_min":480,"interests":["photography","history"]}),
        ),
        (
            "8 h full day, December, from the factory",
            serde_json::json!({"start":"factory-main-square","start_time":"2026-12-16T11:00:00+08:00","budget_min":480,"lang":"zh"}),
        ),
        (
            "1.5 h, easy, end at Liziba station",
            serde_json::json!({"start":"factory-main-square","end":"liziba-station","start_time":"2026-05-16T16:00:00+08:00","budget_min":90,"profile":"easy"}),
        ),
    ];
    let n = 300;
    for (name, body) in scenarios {
        let req: PlanRequest = match serde_json::from_value(body) {
            Ok(r) => r,
            Err(e) => {
                println!("{name}: request does not parse: {e}");
                continue;
            }
        };
        let mut samples = Vec::with_capacity(n);
        let mut cpu = Vec::with_capacity(n);
        let mut stops = 0;
        for _ in 0..n {
            let t = Instant::now();
            let c = thread_cpu_ms();
            let plan = snap.planning.plan(&req);
            cpu.push(thread_cpu_ms() - c);
            samples.push(t.elapsed().as_secs_f64() * 1e3);
            if let Ok(p) = plan {
                stops = serde_json::to_value(&p).unwrap()["stops"]
                    .as_array()
                    .map(|s| s.len())
                    .unwrap_or(0);
            } else if let Err(e) = plan {
                println!("{name}: {} {}", e.code, e.message);
                break;
            }
        }
        report(&format!("plan wall: {name} ({stops} stops)"), samples);
        report(&format!("plan cpu:  {name} ({stops} stops)"), cpu);
    }
    let d: DirectionsRequest = serde_json::from_value(
        serde_json::json!({"from":"factory-main-square","to":"liziba-viewing-platform"}),
    )
    .unwrap();
    let mut samples = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        let _ = snap.planning.directions(&d);
        samples.push(t.elapsed().as_secs_f64() * 1e3);
    }
    report("directions: factory square → Liziba platform", samples);
}
