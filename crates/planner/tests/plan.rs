//! Visit plans on the hand-drawn site in `common` and on synthetic sites.

mod common;

use std::collections::HashMap;

use chrono::DateTime;
use common::*;
use planner::model::{Endpoint, Finding, PlaceStats, PlanRequest, Rule, Signal};
use planner::synthetic;

// 2026-05-05 is a Tuesday.
const TUE_10: &str = "2026-05-05T10:00:00+08:00";

fn ids(plan: &planner::model::Plan) -> Vec<&str> {
    plan.stops.iter().map(|s| s.place_id.as_str()).collect()
}

fn photographer(start: Endpoint, time: &str, budget: u32) -> PlanRequest {
    let mut r = request(start, time, budget);
    r.interests = vec!["photography".into()];
    r
}

#[test]
fn factory_comes_before_liziba_and_the_order_is_explained() {
    let m = model();
    let plan = m
        .plan(&photographer(place_ep("testbed-square"), TUE_10, 180))
        .unwrap();
    let areas: Vec<&str> = plan.stops.iter().map(|s| s.area.as_str()).collect();
    assert!(
        areas.contains(&"factory") && areas.contains(&"liziba"),
        "{areas:?}"
    );
    let first_liziba = areas.iter().position(|a| *a == "liziba").unwrap();
    assert!(
        areas[first_liziba..].iter().all(|a| *a == "liziba"),
        "{areas:?}"
    );
    assert!(plan
        .explanations
        .iter()
        .any(|c| c.finding_id.as_deref() == Some("route-factory-then-liziba")));
    assert_eq!(plan.snapshot_version, 7);
    assert_eq!(plan.site, "mini");
    assert!(plan.id.is_empty());
    assert_eq!(plan.legs.len(), plan.stops.len());
    // Every stop says why, citing findings by id and in words.
    for s in &plan.stops {
        assert!(!s.why.is_empty(), "{}", s.place_id);
        assert!(s
            .why
            .iter()
            .all(|c| !c.text.is_empty() && c.text.len() > 10));
        assert!(!s.summary.is_empty());
    }
    let museum = plan
        .stops
        .iter()
        .find(|s| s.place_id == "memory-museum")
        .unwrap();
    assert!(
        museum
            .why
            .iter()
            .any(|c| c.finding_id.as_deref() == Some("popularity-history")),
        "{:?}",
        museum.why
    );
    let sq = plan
        .stops
        .iter()
        .find(|s| s.place_id == "testbed-square")
        .unwrap();
    assert!(sq
        .why
        .iter()
        .any(|c| c.finding_id.as_deref() == Some("popularity-photo-spot")
            && c.text.to_lowercase().contains("photography")));
}

#[test]
fn times_add_up_and_legs_join_the_stops() {
    let m = model();
    let mut req = photographer(point_ep(40.0, 195.0), TUE_10, 150);
    req.end = Some(place_ep("liziba-station"));
    let plan = m.plan(&req).unwrap();
    assert_eq!(plan.legs.len(), plan.stops.len() + 1);
    let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().timestamp() as f64;
    let mut prev_depart = t(&plan.start_time);
    for (i, s) in plan.stops.iter().enumerate() {
        let leg = &plan.legs[i];
        assert_eq!(leg.to, place_ep(&s.place_id));
        let arrive = t(&s.arrive);
        assert!(
            (arrive - (prev_depart + leg.duration_s)).abs() <= 1.0,
            "stop {i}"
        );
        assert!(s.arrive.ends_with("+08:00"));
        prev_depart = t(&s.depart);
    }
    let last = plan.legs.last().unwrap();
    assert_eq!(last.to, place_ep("liziba-station"));
    assert!((t(&plan.end_time) - (prev_depart + last.duration_s)).abs() <= 1.0);
    assert!(plan.totals.duration_s <= 150.0 * 60.0 + 1e-6);
    let walk: f64 = plan.legs.iter().map(|l| l.duration_s).sum();
    assert!((plan.totals.walk_s - walk).abs() < 1e-6);
    // Leg i starts where leg i-1 ended.
    for w in plan.legs.windows(2) {
        let a = w[0].geometry.coordinates.last().unwrap();
        let b = w[1].geometry.coordinates.first().unwrap();
        assert!((a[0] - b[0]).abs() < 1e-9 && (a[1] - b[1]).abs() < 1e-9);
    }
}

#[test]
fn same_request_same_plan() {
    let site = synthetic::site(3, 60);
    let m = site.model();
    let req = photographer(
        Endpoint::Place(site.places[5].id.clone()),
        "2026-05-09T13:00:00+08:00",
        180,
    );
    let a = serde_json::to_string(&m.plan(&req).unwrap()).unwrap();
    let b = serde_json::to_string(&m.plan(&req).unwrap()).unwrap();
    assert_eq!(a, b);
}

fn poor_value_stats() -> HashMap<String, PlaceStats> {
    let mut stats = HashMap::new();
    stats.insert(
        "love-rooftop".to_string(),
        PlaceStats {
            count: 24,
            overall: Signal::of(24.0, 2.4),
            value_for_money: Signal::of(24.0, 1.3),
            ..PlaceStats::default()
        },
    );
    stats
}

#[test]
fn poorly_rated_paid_rooftop_gives_way_to_the_free_one() {
    let req = photographer(place_ep("testbed-square"), TUE_10, 120);
    let before = model().plan(&req).unwrap();
    assert!(ids(&before).contains(&"love-rooftop"), "{:?}", ids(&before));
    let paid = before
        .stops
        .iter()
        .find(|s| s.place_id == "love-rooftop")
        .unwrap();
    assert!(paid.why.iter().any(
        |c| c.finding_id.as_deref() == Some("paid-rooftop-poor-value") && c.text.contains("¥30")
    ));

    let after = model_with(poor_value_stats(), places()).plan(&req).unwrap();
    assert!(!ids(&after).contains(&"love-rooftop"), "{:?}", ids(&after));
    let free = after
        .stops
        .iter()
        .find(|s| s.place_id == "free-rooftop")
        .expect("free rooftop offered");
    let cited: Vec<&str> = free
        .why
        .iter()
        .map(|c| c.finding_id.as_deref().unwrap_or(""))
        .collect();
    assert!(cited.contains(&"free-rooftops-good"), "{cited:?}");
    assert!(cited.contains(&"paid-rooftop-poor-value"), "{cited:?}");
    let text = &free
        .why
        .iter()
        .find(|c| c.finding_id.as_deref() == Some("paid-rooftop-poor-value"))
        .unwrap()
        .text;
    assert!(
        text.contains("¥30") && text.contains("1.3/5") && text.contains("24 visitors"),
        "{text}"
    );
}

#[test]
fn crowding_reports_warn_and_lower_utility() {
    let mut req = request(place_ep("liziba-station"), "2026-05-05T09:05:00+08:00", 40);
    req.must = vec!["liziba-platform".into()];
    let calm = model().plan(&req).unwrap();
    assert!(
        calm.warnings.iter().all(|w| w.code != "crowded"),
        "{:?}",
        calm.warnings
    );
    let mut slots = vec![1.5; 168];
    for h in 9..13 {
        slots[24 + h] = 4.8; // Tuesday 09–13 h
    }
    let mut stats = HashMap::new();
    stats.insert(
        "liziba-platform".to_string(),
        PlaceStats {
            count: 40,
            crowding: Signal::of(40.0, 2.0),
            crowding_by_hour: slots.iter().map(|&v| Some(Signal::of(3.0, v))).collect(),
            ..PlaceStats::default()
        },
    );
    let m = model_with(stats, places());
    let busy = m.plan(&req).unwrap();
    assert!(
        busy.warnings
            .iter()
            .any(|w| w.code == "crowded" && w.message.contains("liziba platform")),
        "{:?}",
        busy.warnings
    );
    assert!(busy.stops[0].utility < calm.stops[0].utility);
    // With other places to see first, the visit moves out of the crowded hours, or is warned.
    let mut free_req = photographer(place_ep("testbed-square"), "2026-05-05T11:00:00+08:00", 240);
    free_req.must = vec!["liziba-platform".into()];
    let plan = m.plan(&free_req).unwrap();
    let stop = plan
        .stops
        .iter()
        .find(|s| s.place_id == "liziba-platform")
        .unwrap();
    let hour: u32 = stop.arrive[11..13].parse().unwrap();
    let warned = plan
        .warnings
        .iter()
        .any(|w| w.code == "crowded" && w.message.contains("liziba platform"));
    assert!(
        hour >= 13 || warned,
        "visited at {} without a warning",
        stop.arrive
    );
}

#[test]
fn filters_and_fees_are_respected() {
    let m = model();
    let mut req = photographer(place_ep("testbed-square"), TUE_10, 240);
    req.avoid_paid = true;
    let plan = m.plan(&req).unwrap();
    assert!(plan.stops.iter().all(|s| s.fee_cny == 0.0));
    assert_eq!(plan.totals.fee_cny, 0.0);

    let mut req = photographer(place_ep("testbed-square"), TUE_10, 240);
    req.max_fee_cny = Some(20.0);
    assert!(m
        .plan(&req)
        .unwrap()
        .stops
        .iter()
        .all(|s| s.place_id != "love-rooftop"));

    let mut req = photographer(place_ep("testbed-square"), TUE_10, 240);
    req.areas = Some(vec!["liziba".into()]);
    let plan = m.plan(&req).unwrap();
    assert!(!plan.stops.is_empty());
    assert!(plan.stops.iter().all(|s| s.area == "liziba"));

    let mut req = photographer(place_ep("testbed-square"), TUE_10, 240);
    req.avoid = vec!["liziba-platform".into(), "testbed-square".into()];
    let plan = m.plan(&req).unwrap();
    assert!(plan.stops.iter().all(|s| !req.avoid.contains(&s.place_id)));
}

#[test]
fn closed_places_are_never_planned() {
    let mut ps = places();
    ps[3].closed = true; // liziba-platform
    let m = model_with(HashMap::new(), ps);
    let plan = m
        .plan(&photographer(place_ep("testbed-square"), TUE_10, 240))
        .unwrap();
    assert!(plan.stops.iter().all(|s| s.place_id != "liziba-platform"));
    let mut req = photographer(place_ep("testbed-square"), TUE_10, 240);
    req.must = vec!["liziba-platform".into()];
    let err = m.plan(&req).unwrap_err();
    assert_eq!(
        (err.status, err.code, err.field.as_deref()),
        (422, "infeasible", Some("must[0]"))
    );
}

#[test]
fn daylight_places_are_left_before_sunset() {
    let m = model();
    // 21 December: sunset about 18:00.
    let req = photographer(place_ep("testbed-square"), "2026-12-21T17:20:00+08:00", 120);
    let plan = m.plan(&req).unwrap();
    let sunset = DateTime::parse_from_rfc3339(plan.sunset.as_deref().unwrap()).unwrap();
    assert_eq!(&plan.sunset.as_deref().unwrap()[11..13], "17");
    for s in &plan.stops {
        if ["rooftop", "viewpoint", "photo_spot"].contains(&s.kind.as_str()) {
            assert!(
                DateTime::parse_from_rfc3339(&s.depart).unwrap() <= sunset,
                "{} {}",
                s.place_id,
                s.depart
            );
        }
    }
    let mut late = photographer(place_ep("testbed-square"), "2026-12-21T18:30:00+08:00", 120);
    late.must = vec!["free-rooftop".into()];
    let err = m.plan(&late).unwrap_err();
    assert_eq!(
        (err.status, err.code, err.field.as_deref()),
        (422, "infeasible", Some("must"))
    );
}

#[test]
fn profile_constraints() {
    let m = model();
    let mut req = photographer(place_ep("testbed-square"), TUE_10, 240);
    req.profile = Some("step_free".into());
    let plan = m.plan(&req).unwrap();
    for leg in &plan.legs {
        assert!(leg
            .edges
            .iter()
            .all(|e| e.kind != planner::graph::EdgeKind::Stairs));
    }
    assert!(plan.stops.iter().all(|s| s.place_id != "tower-cafe"));
    req.must = vec!["tower-cafe".into()];
    let err = m.plan(&req).unwrap_err();
    assert_eq!(
        (err.status, err.code, err.field.as_deref()),
        (422, "unreachable", Some("must[0]"))
    );
}

#[test]
fn request_errors_name_their_field() {
    let m = model();
    let check = |req: PlanRequest, status: u16, code: &str, field: &str| {
        let err = m.plan(&req).unwrap_err();
        assert_eq!(
            (err.status, err.code, err.field.as_deref()),
            (status, code, Some(field)),
            "{}",
            err.message
        );
    };
    let base = || photographer(place_ep("testbed-square"), TUE_10, 120);
    let mut r = base();
    r.budget_min = 0;
    check(r, 400, "invalid_field", "budget_min");
    let mut r = base();
    r.budget_min = 1441;
    check(r, 400, "invalid_field", "budget_min");
    let mut r = base();
    r.start_time = "2026-05-05 10:00".into();
    check(r, 400, "invalid_field", "start_time");
    let mut r = base();
    r.interests = vec!["photography".into(), "karaoke".into()];
    check(r, 400, "unknown_interest", "interests");
    let mut r = base();
    r.profile = Some("bike".into());
    check(r, 400, "invalid_field", "profile");
    let mut r = base();
    r.lang = Some("fr".into());
    check(r, 400, "invalid_field", "lang");
    let mut r = base();
    r.areas = Some(vec!["moon".into()]);
    check(r, 400, "unknown_area", "areas");
    let mut r = base();
    r.max_fee_cny = Some(-1.0);
    check(r, 400, "invalid_field", "max_fee_cny");
    let mut r = base();
    r.must = vec!["free-rooftop".into(), "nowhere".into()];
    check(r, 404, "unknown_place", "must[1]");
    let mut r = base();
    r.avoid = vec!["nowhere".into()];
    check(r, 404, "unknown_place", "avoid[0]");
    let mut r = base();
    r.must = vec!["free-rooftop".into()];
    r.avoid = vec!["free-rooftop".into()];
    check(r, 400, "conflict", "must[0]");
    let mut r = base();
    r.start = place_ep("nowhere");
    check(r, 404, "unknown_place", "start");
    let mut r = base();
    r.start = point_ep(0.0, 2000.0);
    check(r, 422, "too_far_from_site", "start");
    let mut r = base();
    r.must = vec!["love-rooftop".into()];
    r.avoid_paid = true;
    check(r, 422, "infeasible", "must[0]");
    // The memory museum is closed on Mondays (2026-05-04).
    let mut r = photographer(place_ep("testbed-square"), "2026-05-04T10:00:00+08:00", 120);
    r.must = vec!["memory-museum".into()];
    check(r, 422, "place_closed", "must[0]");
    // Open on Tuesdays, but not after 17:00.
    let mut r = photographer(place_ep("testbed-square"), "2026-05-05T17:30:00+08:00", 120);
    r.must = vec!["memory-museum".into()];
    check(r, 422, "infeasible", "must");
    // The end is too far for the budget.
    let mut r = base();
    r.budget_min = 2;
    r.end = Some(place_ep("liziba-platform"));
    check(r, 422, "infeasible", "end");
    let mut r = base();
    r.profile = Some("step_free".into());
    r.end = Some(place_ep("tower-cafe"));
    check(r, 422, "unreachable", "end");
}

#[test]
fn tiny_budgets_give_an_empty_plan_with_a_warning() {
    let m = model();
    let plan = m
        .plan(&request(place_ep("liziba-station"), TUE_10, 1))
        .unwrap();
    assert!(plan.stops.is_empty());
    assert!(plan.warnings.iter().any(|w| w.code == "no_stops"));
}

#[test]
fn chinese_explanations() {
    let m = model();
    let mut req = photographer(place_ep("testbed-square"), TUE_10, 180);
    req.lang = Some("zh".into());
    let plan = m.plan(&req).unwrap();
    let order = plan
        .explanations
        .iter()
        .find(|c| c.finding_id.as_deref() == Some("route-factory-then-liziba"))
        .unwrap();
    assert!(order.text.contains("先逛贰厂"), "{}", order.text);
    let sq = plan
        .stops
        .iter()
        .find(|s| s.place_id == "testbed-square")
        .unwrap();
    assert!(sq.summary.contains("兴趣"), "{}", sq.summary);
}

#[test]
fn request_json_matches_the_api() {
    let req: PlanRequest = serde_json::from_str(
        r#"{"start": {"lat": 29.5537, "lon": 106.5348}, "end": "liziba-station",
            "start_time": "2026-05-05T10:00:00+08:00", "budget_min": 180,
            "interests": ["photography"], "profile": "easy", "must": ["free-rooftop"]}"#,
    )
    .unwrap();
    assert_eq!(req.end, Some(place_ep("liziba-station")));
    assert!(!req.avoid_paid && req.avoid.is_empty() && req.lang.is_none());
    let err = serde_json::from_str::<PlanRequest>(
        r#"{"start": "a", "start_time": "2026-05-05T10:00:00+08:00", "budget_min": 60, "speed": 2}"#,
    );
    assert!(err.is_err());
    let plan = model()
        .plan(&photographer(place_ep("testbed-square"), TUE_10, 60))
        .unwrap();
    let v = serde_json::to_value(&plan).unwrap();
    for key in [
        "id",
        "site",
        "snapshot_version",
        "request",
        "stops",
        "legs",
        "totals",
        "explanations",
        "warnings",
    ] {
        assert!(v.get(key).is_some(), "{key}");
    }
    assert!(v["totals"]["duration_s"].is_number());
    assert!(v["stops"][0]["why"][0]["finding_id"].is_string());
}

#[test]
fn findings_deserialise_from_seed_entries() {
    let json = r#"[
      {"id": "route-factory-then-liziba", "code": "route_suggestion", "frequency": "medium",
       "text": {"zh": "先贰厂后李子坝", "en": "Factory first, then Liziba"},
       "rule": {"type": "area_order", "first": "factory", "then": "liziba"}},
      {"id": "crowds", "code": "crowded", "frequency": "low", "text": {"zh": "人多", "en": "Crowded"},
       "rule": {"type": "crowding", "peak_hours": [[10, 12]], "penalty": 0.3}},
      {"id": "find", "code": "hard_to_find", "frequency": "low", "text": {"zh": "难找", "en": "Hard to find"},
       "rule": {"type": "wayfinding"}},
      {"id": "daylight", "code": "daytime", "frequency": "low", "text": {"zh": "白天", "en": "Daytime"},
       "rule": {"type": "daylight", "kinds": ["rooftop"]}}
    ]"#;
    let f: Vec<Finding> = serde_json::from_str(json).unwrap();
    assert_eq!(
        f[0].rule,
        Rule::AreaOrder {
            first: "factory".into(),
            then: "liziba".into()
        }
    );
    match &f[1].rule {
        Rule::Crowding {
            weekend_factor,
            kinds,
            tags,
            ..
        } => {
            assert_eq!(*weekend_factor, 1.0);
            assert!(kinds.is_empty() && tags.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(f[2].rule, Rule::Wayfinding);
    assert_eq!(
        f[3].rule,
        Rule::Daylight {
            kinds: vec!["rooftop".into()],
            tags: vec![]
        }
    );
}

#[test]
fn model_build_rejects_bad_places() {
    use planner::graph::Graph;
    let (n, e) = graph_parts();
    let g = Graph::build(n, e).unwrap();
    let build = |ps| {
        planner::model::PlanningModel::build(
            site(),
            g.clone(),
            ps,
            synthetic::findings(),
            synthetic::interests(),
            HashMap::new(),
            1,
        )
    };
    let mut ps = places();
    ps[0].hours = "9-5".into();
    let err = build(ps).unwrap_err();
    assert_eq!((err.id.as_str(), err.field), ("testbed-square", "hours"));
    let mut ps = places();
    ps[1].node = "nowhere".into();
    assert_eq!(build(ps).unwrap_err().field, "node");
    let mut ps = places();
    ps[2].area = "mars".into();
    assert_eq!(build(ps).unwrap_err().field, "area");
    let mut ps = places();
    ps[2].id = ps[1].id.clone();
    assert_eq!(build(ps).unwrap_err().field, "id");
}

fn arrival_hour(stop: &planner::model::Stop) -> u32 {
    stop.arrive[11..13].parse().unwrap()
}

fn crowding_stats(busy: &[usize], busy_level: f64, quiet_level: f64) -> PlaceStats {
    let by_hour: Vec<Option<Signal>> = (0..168)
        .map(|slot| {
            let level = if busy.contains(&slot) {
                busy_level
            } else {
                quiet_level
            };
            Some(Signal::of(6.0, level))
        })
        .collect();
    PlaceStats {
        count: 30,
        crowding: Signal::of(6.0 * 168.0, 2.0),
        crowding_by_hour: by_hour,
        ..PlaceStats::default()
    }
}

#[test]
fn a_popular_stop_reported_packed_moves_to_a_quieter_hour_when_the_plan_has_room() {
    let req = photographer(place_ep("testbed-square"), TUE_10, 300);
    let before = model().plan(&req).unwrap();
    let stop = before
        .stops
        .iter()
        .find(|s| s.place_id == "liziba-platform")
        .expect("the platform is planned");
    let h0 = arrival_hour(stop);
    // Tuesday (weekday 1) at the hour it was planned and the next: reported packed (4.5);
    // every other hour reported quiet.
    let busy = [24 + h0 as usize, 24 + h0 as usize + 1];
    let mut stats = HashMap::new();
    stats.insert(
        "liziba-platform".to_string(),
        crowding_stats(&busy, 4.5, 1.5),
    );
    let after = model_with(stats, places()).plan(&req).unwrap();
    let stop = after
        .stops
        .iter()
        .find(|s| s.place_id == "liziba-platform")
        .expect("still planned, at another hour");
    let h = arrival_hour(stop);
    assert!(
        h != h0 && h != h0 + 1,
        "visited at {} although reported packed at {h0}–{}h",
        stop.arrive,
        h0 + 2
    );
    assert!(after.warnings.iter().all(|w| w.code != "crowded"));
}

#[test]
fn exploration_tries_one_little_rated_place_at_a_bounded_cost_and_is_reproducible() {
    let site = synthetic::site(3, 60);
    let m = site.model();
    let req = photographer(
        Endpoint::Place(site.places[5].id.clone()),
        "2026-05-09T13:00:00+08:00",
        180,
    );
    let best = m.plan(&req).unwrap();
    let mut explored = 0;
    for seed in 0..60u64 {
        let plan = m.plan_exploring(&req, seed).unwrap();
        let again = m.plan_exploring(&req, seed).unwrap();
        assert_eq!(plan, again, "the same seed gives the same plan");
        let marked: Vec<_> = plan.stops.iter().filter(|s| s.exploration).collect();
        match &plan.exploration {
            None => {
                assert!(marked.is_empty());
                assert_eq!(plan, best, "without exploration the plan is the best one");
            }
            Some(e) => {
                explored += 1;
                assert_eq!(marked.len(), 1, "one exploratory stop at most");
                assert!(
                    marked[0].place_id == e.place_id
                        || marked[0]
                            .also_here
                            .iter()
                            .any(|a| a.visited && a.place_id == e.place_id),
                    "{e:?}"
                );
                assert!(!ids(&best).contains(&e.place_id.as_str()));
                assert!(e.cost_share <= 0.05, "{e:?}");
                assert!(e.draw >= 4.0, "{e:?}");
                assert!(
                    plan.totals.score >= 0.95 * best.totals.score - 1e-6,
                    "{} vs {}",
                    plan.totals.score,
                    best.totals.score
                );
                assert!(
                    marked[0]
                        .why
                        .iter()
                        .any(|c| c.text.contains("Few visitors have rated it yet")),
                    "{:?}",
                    marked[0].why
                );
                let json = serde_json::to_value(marked[0]).unwrap();
                assert_eq!(json["exploration"], true);
            }
        }
    }
    assert!(explored > 0, "some plans explore");
    assert!(explored < 60, "not every plan explores");
    // Places with enough evidence are not explored.
    let rated: HashMap<String, PlaceStats> = site
        .places
        .iter()
        .map(|p| {
            (
                p.id.clone(),
                PlaceStats {
                    count: 12,
                    overall: Signal {
                        n: 12.0,
                        mean: 3.5,
                        sd: 1.0,
                    },
                    ..PlaceStats::default()
                },
            )
        })
        .collect();
    let m = site.model_with_stats(rated);
    for seed in 0..20u64 {
        assert!(m.plan_exploring(&req, seed).unwrap().exploration.is_none());
    }
}
