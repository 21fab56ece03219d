//! Prints a plan on a synthetic steep site as JSON.
//!
//! `cargo run --example plan_demo -- [places] [budget_min] [profile]`

use planner::model::{Endpoint, PlanRequest};
use planner::synthetic;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(60);
    let budget: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(180);
    let profile = args.get(3).cloned();
    let site = synthetic::site(7, n);
    let mut model = site.model();
    if let Ok(it) = std::env::var("ITERS") {
        let mut o = model.solver_options();
        o.heuristic_iterations = it.parse().unwrap();
        model.set_solver_options(o);
    }
    let start = synthetic::position(200.0, 480.0);
    let req = PlanRequest {
        start: Endpoint::Point {
            lat: start[1],
            lon: start[0],
        },
        end: Some(Endpoint::Place(site.places[0].id.clone())),
        start_time: "2026-05-02T13:30:00+08:00".into(),
        budget_min: budget,
        interests: vec!["photography".into(), "history".into()],
        profile,
        avoid_paid: false,
        max_fee_cny: None,
        areas: None,
        must: vec![],
        avoid: vec![],
        lang: Some("en".into()),
        pace: None,
        meals: None,
    };
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let _ = model.plan(&req);
        eprintln!("warm run {:?}", t.elapsed());
    }
    let t = std::time::Instant::now();
    match model.plan(&req) {
        Ok(plan) => {
            eprintln!("planned in {:?}", t.elapsed());
            println!("{}", serde_json::to_string_pretty(&plan).unwrap());
        }
        Err(e) => eprintln!("error: {e:?}"),
    }
}
