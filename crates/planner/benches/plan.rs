//! Criterion benchmarks: model build, a 3-hour plan and a directions request on a synthetic
//! steep 60-place site. `cargo bench -p planner` (for percentiles, see the `plan_latency`
//! example).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use planner::model::{DirectionsRequest, Endpoint, PlanRequest};
use planner::synthetic;

fn benches(c: &mut Criterion) {
    let site = synthetic::site(7, 60);
    let model = site.model();
    let start = synthetic::position(200.0, 480.0);
    let plan_req = PlanRequest {
        start: Endpoint::Point {
            lat: start[1],
            lon: start[0],
        },
        end: Some(Endpoint::Place(site.places[0].id.clone())),
        start_time: "2026-05-02T13:30:00+08:00".into(),
        budget_min: 180,
        interests: vec!["photography".into(), "history".into()],
        profile: None,
        avoid_paid: false,
        max_fee_cny: None,
        areas: None,
        must: vec![],
        avoid: vec![],
        lang: None,
        pace: None,
        meals: None,
    };
    let dir_req = DirectionsRequest {
        from: Endpoint::Point {
            lat: start[1],
            lon: start[0],
        },
        to: Endpoint::Place(site.places[1].id.clone()),
        profile: Some("step_free".into()),
        lang: None,
    };
    c.bench_function("model_build_60_places", |b| {
        b.iter(|| black_box(site.model()))
    });
    c.bench_function("plan_3h_60_places", |b| {
        b.iter(|| black_box(model.plan(&plan_req).unwrap()))
    });
    c.bench_function("directions_point_to_place", |b| {
        b.iter(|| black_box(model.directions(&dir_req).unwrap()))
    });
}

criterion_group! {
    name = plan;
    config = Criterion::default().sample_size(30);
    targets = benches
}
criterion_main!(plan);
