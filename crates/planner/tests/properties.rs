//! Property tests: random synthetic sites and requests; every plan is checked against the
//! request by an independent checker.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, Duration, FixedOffset, Timelike};
use proptest::prelude::*;

use planner::graph::EdgeKind;
use planner::hours::OpeningHours;
use planner::model::{Endpoint, Plan, PlanRequest, PlanningModel, Rule, SolverOptions};
use planner::solar::{sunrise_local_min, sunset_local_min};
use planner::synthetic::{self, SyntheticSite};

fn sites() -> &'static Vec<(SyntheticSite, PlanningModel)> {
    static SITES: OnceLock<Vec<(SyntheticSite, PlanningModel)>> = OnceLock::new();
    SITES.get_or_init(|| {
        (0..4)
            .map(|seed| {
                let s = synthetic::site(100 + seed, 25 + 12 * seed as usize);
                let m = s.model();
                (s, m)
            })
            .collect()
    })
}

#[derive(Clone, Debug)]
struct Case {
    site: usize,
    req: PlanRequest,
}

fn case() -> impl Strategy<Value = Case> {
    (
        0..4usize,
        (0.0..450.0f64, 0.0..540.0f64, any::<bool>(), 0..200usize),
        (1..28u32, 6..22u32, 0..60u32, 20..600u32),
        (
            prop::collection::vec(0..8usize, 0..3),
            0..3usize,
            any::<bool>(),
            prop::option::of(0.0..40.0f64),
        ),
        (
            prop::option::of(prop::collection::vec(0..3usize, 1..3)),
            prop::collection::vec(0..200usize, 0..2),
            prop::collection::vec(0..200usize, 0..3),
        ),
        (prop::option::of(0..200usize), any::<bool>()),
    )
        .prop_map(
            |(
                site,
                (x, y, start_place, sp),
                (day, hour, minute, budget),
                (ints, prof, avoid_paid, fee),
                (areas, must, avoid),
                (end, zh),
            )| {
                let s = &sites()[site].0;
                let n = s.places.len();
                let interests = [
                    "photography",
                    "film",
                    "fans",
                    "history",
                    "architecture",
                    "shopping",
                    "food",
                    "views",
                ];
                let area_ids = ["factory", "liziba", "eling-park"];
                let start = if start_place {
                    Endpoint::Place(s.places[sp % n].id.clone())
                } else {
                    let p = synthetic::position(x, y);
                    Endpoint::Point {
                        lat: p[1],
                        lon: p[0],
                    }
                };
                let mut avoid_ids: Vec<String> =
                    avoid.iter().map(|&i| s.places[i % n].id.clone()).collect();
                avoid_ids.dedup();
                let must_ids: Vec<String> = must
                    .iter()
                    .map(|&i| s.places[i % n].id.clone())
                    .filter(|id| !avoid_ids.contains(id))
                    .collect();
                let req = PlanRequest {
                    start,
                    end: end.map(|e| Endpoint::Place(s.places[e % n].id.clone())),
                    start_time: format!("2026-06-{day:02}T{hour:02}:{minute:02}:00+08:00"),
                    budget_min: budget,
                    interests: ints.iter().map(|&i| interests[i].to_string()).collect(),
                    profile: Some(["standard", "step_free", "easy"][prof].to_string()),
                    avoid_paid,
                    max_fee_cny: fee,
                    areas: areas.map(|a| a.iter().map(|&i| area_ids[i].to_string()).collect()),
                    must: must_ids,
                    avoid: avoid_ids,
                    lang: Some(if zh { "zh" } else { "en" }.into()),
                    pace: None,
                    meals: None,
                };
                Case { site, req }
            },
        )
}

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

/// Checks a plan against its request; returns what is wrong.
fn check(
    site: &SyntheticSite,
    model: &PlanningModel,
    req: &PlanRequest,
    plan: &Plan,
) -> Result<(), String> {
    let places: HashMap<&str, &planner::model::PlaceSpec> =
        site.places.iter().map(|p| (p.id.as_str(), p)).collect();
    let start = t(&plan.start_time);
    let end = t(&plan.end_time);
    let budget_s = f64::from(req.budget_min) * 60.0;
    if (end - start).num_seconds() as f64 > budget_s + 1.0
        || plan.totals.duration_s > budget_s + 1e-6
    {
        return Err(format!("over budget: {} s", plan.totals.duration_s));
    }
    let expected_legs = plan.stops.len() + usize::from(req.end.is_some());
    if plan.legs.len() != expected_legs {
        return Err(format!(
            "{} legs for {} stops",
            plan.legs.len(),
            plan.stops.len()
        ));
    }
    let mut prev = start;
    let mut fees = 0.0;
    let mut seen_areas: Vec<&str> = Vec::new();
    let mut kind_counts: HashMap<&str, u32> = HashMap::new();
    for (i, s) in plan.stops.iter().enumerate() {
        let p = places.get(s.place_id.as_str()).ok_or("unknown stop")?;
        let leg = &plan.legs[i];
        if leg.to != Endpoint::Place(s.place_id.clone()) {
            return Err(format!("leg {i} does not lead to stop {i}"));
        }
        let arrive = t(&s.arrive);
        let depart = t(&s.depart);
        let expect = prev + Duration::milliseconds((leg.duration_s * 1000.0).round() as i64);
        if (arrive - expect).num_milliseconds().abs() > 1500 {
            return Err(format!("stop {i}: arrive {arrive} but leg ends {expect}"));
        }
        let service = arrive + Duration::milliseconds((s.wait_min * 60_000.0).round() as i64);
        let dwell = (depart - service).num_seconds();
        // The stop's own visit at the pace's length (at least 5 min), plus what was visited at
        // the same spot; a reported dwell that matches the times.
        // Meal places last at least 40 min in plans that plan a meal.
        let meal_place = p.kind == "restaurant"
            || (p.kind == "cafe" && p.tags.iter().any(|t| t == "restaurants"));
        let own_s = if s.meal || (meal_place && req.budget_min >= 240 && dwell >= 2400) {
            f64::from(p.dwell_min.max(40)) * 60.0
        } else {
            (f64::from(p.dwell_min) * 60.0).max(300.0)
        };
        // Reported minutes are rounded to a tenth (3 s), the times to the second.
        if (dwell as f64 - s.dwell_min * 60.0).abs() > 7.0
            || (s.also_here.iter().all(|a| !a.visited)
                && (dwell as f64 - own_s).abs() > 7.0 + s.queue_min * 60.0)
            || s.wait_min < -1e-9
        {
            return Err(format!("stop {i}: dwell {dwell} s, wait {}", s.wait_min));
        }
        // Open through the whole visit (from 4 s in: the wait is rounded to a tenth of a
        // minute).
        let hours = OpeningHours::parse(&p.hours).unwrap();
        let mut m = service + Duration::seconds(4);
        while m < depart {
            if !hours.is_open_at(m.weekday(), m.hour() * 60 + m.minute()) {
                return Err(format!("stop {i} ({}) closed at {m}", p.id));
            }
            m += Duration::minutes(1);
        }
        // Daylight.
        for f in &site.findings {
            if let Rule::Daylight { kinds, tags } = &f.rule {
                if kinds.contains(&p.kind) || p.tags.iter().any(|x| tags.contains(x)) {
                    let date = service.date_naive();
                    let lat = site.site.center_lat;
                    let lon = site.site.center_lon;
                    let rise = sunrise_local_min(date, lat, lon, 480).unwrap();
                    let set = sunset_local_min(date, lat, lon, 480).unwrap();
                    let start_min = f64::from(service.hour() * 60 + service.minute());
                    let end_min = start_min + (depart - service).num_seconds() as f64 / 60.0;
                    if start_min < rise - 1.0 || end_min > set + 1.0 {
                        return Err(format!("stop {i} ({}) outside daylight", p.id));
                    }
                }
            }
        }
        if p.closed || req.avoid.contains(&p.id) {
            return Err(format!("closed or avoided place {}", p.id));
        }
        if let Some(a) = &req.areas {
            if !a.contains(&p.area) {
                return Err(format!("{} outside the areas", p.id));
            }
        }
        if req.avoid_paid && p.fee_cny > 0.0 {
            return Err(format!("paid {}", p.id));
        }
        fees += p.fee_cny;
        // Area order: no `first` stop after a `then` stop.
        for f in &site.findings {
            if let Rule::AreaOrder { first, then } = &f.rule {
                // The order is waived (and the waiver explained) for a start nearer `then`.
                let waived = plan.explanations.iter().any(|c| {
                    c.finding_id.as_deref() == Some(f.id.as_str())
                        && (c.text.starts_with("Starting near") || c.text.starts_with("从"))
                });
                if &p.area == first && seen_areas.contains(&then.as_str()) && !waived {
                    return Err(format!("{} after a {then} stop", p.id));
                }
            }
        }
        seen_areas.push(p.area.as_str());
        *kind_counts.entry(p.kind.as_str()).or_default() += 1;
        prev = depart;
    }
    if let Some(cap) = req.max_fee_cny {
        if fees > cap + 1e-9 {
            return Err(format!("fees {fees} over {cap}"));
        }
    }
    for f in &site.findings {
        if let Rule::CommercialSameness {
            kinds,
            max_per_plan,
        } = &f.rule
        {
            let n: u32 = kinds
                .iter()
                .map(|k| kind_counts.get(k.as_str()).copied().unwrap_or(0))
                .sum();
            let musts = plan
                .stops
                .iter()
                .filter(|s| req.must.contains(&s.place_id) && kinds.contains(&s.kind))
                .count() as u32;
            if n - musts > *max_per_plan {
                return Err(format!("{n} commercial stops"));
            }
        }
    }
    for m in &req.must {
        if !plan.stops.iter().any(|s| &s.place_id == m) {
            return Err(format!("must {m} missing"));
        }
    }
    if let (Some(_), Some(last)) = (&req.end, plan.legs.last()) {
        if Some(&last.to) != req.end.as_ref() {
            return Err("last leg does not reach the end".into());
        }
        let expect = prev + Duration::milliseconds((last.duration_s * 1000.0).round() as i64);
        if (end - expect).num_milliseconds().abs() > 1500 {
            return Err("end time does not add up".into());
        }
    }
    // Legs join end to end and obey the profile.
    let g = model.graph();
    for (i, leg) in plan.legs.iter().enumerate() {
        if i > 0 {
            let a = plan.legs[i - 1].geometry.coordinates.last().unwrap();
            let b = leg.geometry.coordinates.first().unwrap();
            if (a[0] - b[0]).abs() > 1e-9 || (a[1] - b[1]).abs() > 1e-9 {
                return Err(format!(
                    "leg {i} starts away from where leg {} ended",
                    i - 1
                ));
            }
        }
        for e in &leg.edges {
            let edge = &g.edges()[g.edge_index(&e.id).unwrap()];
            if edge.closed {
                return Err(format!("closed edge {}", e.id));
            }
            if plan.request.profile.as_deref() == Some("step_free")
                && (edge.kind == EdgeKind::Stairs || !edge.step_free)
            {
                return Err(format!("step-free plan uses {}", e.id));
            }
        }
    }
    if let (Endpoint::Point { lat, lon }, Some(first)) = (&req.start, plan.legs.first()) {
        let c = first.geometry.coordinates[0];
        if (c[0] - lon).abs() > 1e-9 || (c[1] - lat).abs() > 1e-9 {
            return Err("first leg does not start at the start point".into());
        }
    }
    Ok(())
}

proptest! {
    // A fixed seed keeps CI reproducible; set PROPTEST_CASES higher locally to search wider.
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, rng_seed: proptest::test_runner::RngSeed::Fixed(20261128), ..ProptestConfig::default() })]

    #[test]
    fn every_plan_is_feasible(c in case()) {
        let (site, model) = &sites()[c.site];
        match model.plan(&c.req) {
            Ok(plan) => {
                if let Err(e) = check(site, model, &c.req, &plan) {
                    return Err(TestCaseError::fail(format!("{e}\n{:?}", c.req)));
                }
            }
            Err(e) => {
                prop_assert!(matches!(e.status, 400 | 404 | 422), "{e:?}");
                prop_assert!(e.field.is_some(), "{e:?}");
                // Only infeasibility of must-visits, the end or the profile is expected here.
                prop_assert!(e.status == 422 || e.code == "too_far_from_site", "{e:?} for {:?}", c.req);
            }
        }
    }

    #[test]
    fn exact_and_heuristic_plans_agree_on_small_candidate_sets(c in case()) {
        let (_, model) = &sites()[c.site];
        let mut req = c.req.clone();
        req.areas = Some(vec!["liziba".into()]);
        req.must.clear();
        req.budget_min = req.budget_min.min(150);
        // Same heuristic settings on both sides, so sets too large for the exact solver compare
        // like with like.
        let mut exact_model = model.clone();
        exact_model.set_solver_options(SolverOptions {
            heuristic_iterations: 300,
            heuristic_time_cap_ms: 10_000,
            ..SolverOptions::default()
        });
        let exact = exact_model.plan(&req);
        let mut heuristic_model = model.clone();
        heuristic_model.set_solver_options(SolverOptions {
            exact_max_candidates: 0,
            heuristic_iterations: 300,
            heuristic_time_cap_ms: 10_000,
            ..SolverOptions::default()
        });
        let heur = heuristic_model.plan(&req);
        match (exact, heur) {
            // The heuristic never beats the exact solver (that would disprove its optimality)
            // and comes within 1 % of it (it matches exactly in all but about 1 case in 1000).
            (Ok(a), Ok(b)) => {
                let (x, y) = (a.totals.score, b.totals.score);
                prop_assert!(y <= x + 1e-9, "heuristic {y} beats exact {x}");
                // With variety decay, stop and walking costs the objective is no longer a sum
                // of independent values: the local search may miss a two-step exchange (a
                // low-value stop that opens the way to a better one). On these low-value
                // synthetic sites (stops worth 0.1–1.7 points) that is at most about two stops'
                // cost; on the real site sets this small are solved exactly.
                let slack = 0.01 * x.abs().max(1.0) + 2.0 * planner::pace_params(Default::default()).stop_cost;
                prop_assert!(y >= x - slack, "exact {x} vs heuristic {y}");
            }
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (a, b) => prop_assert!(false, "{:?} vs {:?}", a.map(|p| p.totals.score), b.map(|p| p.totals.score)),
        }
    }
}
