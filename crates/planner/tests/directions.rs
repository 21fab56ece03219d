//! Directions on the hand-drawn site in `common`.

mod common;

use std::collections::HashMap;

use common::*;
use planner::graph::EdgeKind;
use planner::model::{DirectionsRequest, Endpoint, PlaceStats, Signal};

fn req(from: Endpoint, to: Endpoint, profile: Option<&str>) -> DirectionsRequest {
    DirectionsRequest {
        from,
        to,
        profile: profile.map(str::to_string),
        lang: None,
    }
}

#[test]
fn square_to_platform_takes_stairs_elevator_and_crossing() {
    let m = model();
    let leg = m
        .directions(&req(
            place_ep("testbed-square"),
            place_ep("liziba-platform"),
            None,
        ))
        .unwrap();
    let kinds: Vec<EdgeKind> = leg.edges.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![EdgeKind::Stairs, EdgeKind::Elevator, EdgeKind::Crossing]
    );
    assert_eq!(leg.geometry.kind, "LineString");
    assert_eq!(
        leg.geometry.coordinates.first().copied(),
        Some(pos(80.0, 200.0))
    );
    assert!((leg.descent_m - 120.0).abs() < 1e-9, "{}", leg.descent_m);
    assert!(leg.ascent_m.abs() < 1e-9);
    assert!(
        leg.length_m > 60.0 && leg.length_m < 100.0,
        "{}",
        leg.length_m
    );
    let en: Vec<&str> = leg.instructions.iter().map(|i| i.en.as_str()).collect();
    assert!(
        en[0].contains("take the stairs (Testbed steps) down 120 steps"),
        "{en:?}"
    );
    assert!(en[0].contains("to Lower terrace"), "{en:?}");
    assert!(
        en[0].contains("Hint: the steps start right of the red iron gate"),
        "{en:?}"
    );
    assert!(
        leg.instructions[0].zh.contains("下行120级"),
        "{}",
        leg.instructions[0].zh
    );
    assert!(
        en[1].contains("Take the elevator down 100 m to Liziba station"),
        "{en:?}"
    );
    assert!(en[2].contains("cross Liziba Zhengjie"), "{en:?}");
    assert_eq!(*en.last().unwrap(), "Arrive at liziba platform");
    assert_eq!(
        leg.instructions[0].edge_id.as_deref(),
        Some("square-terrace")
    );
}

#[test]
fn reverse_climbs_and_says_up() {
    let m = model();
    let leg = m
        .directions(&req(
            place_ep("liziba-platform"),
            place_ep("testbed-square"),
            None,
        ))
        .unwrap();
    assert!((leg.ascent_m - 120.0).abs() < 1e-9);
    let en: Vec<&str> = leg.instructions.iter().map(|i| i.en.as_str()).collect();
    assert!(
        en.iter().any(|s| s.contains("Take the elevator up 100 m")),
        "{en:?}"
    );
    assert!(en.iter().any(|s| s.contains("up 120 steps")), "{en:?}");
    let down = m
        .directions(&req(
            place_ep("testbed-square"),
            place_ep("liziba-platform"),
            None,
        ))
        .unwrap();
    assert!(leg.duration_s > down.duration_s, "climbing is slower");
}

#[test]
fn step_free_detours_by_the_ramp_and_never_uses_stairs() {
    let m = model();
    let leg = m
        .directions(&req(
            place_ep("testbed-square"),
            place_ep("liziba-platform"),
            Some("step_free"),
        ))
        .unwrap();
    assert!(leg.edges.iter().all(|e| e.kind != EdgeKind::Stairs));
    let ids: Vec<&str> = leg.edges.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "gate-square",
            "gate-rampfoot",
            "rampfoot-terrace",
            "terrace-station",
            "station-platform"
        ]
    );
    assert!(
        leg.instructions[0].en.contains("Eling Zhengjie"),
        "{}",
        leg.instructions[0].en
    );
    // The elevator has no heading to turn from: the crossing after it gets a compass heading.
    assert!(
        leg.instructions
            .iter()
            .any(|i| i.en.starts_with("Head south and cross Liziba Zhengjie")),
        "{:?}",
        leg.instructions.iter().map(|i| &i.en).collect::<Vec<_>>()
    );
}

#[test]
fn step_free_cannot_reach_a_stairs_only_place() {
    let m = model();
    let err = m
        .directions(&req(
            place_ep("testbed-square"),
            place_ep("tower-cafe"),
            Some("step_free"),
        ))
        .unwrap_err();
    assert_eq!(
        (err.status, err.code, err.field.as_deref()),
        (422, "unreachable", Some("to"))
    );
    assert!(err.message.contains("step-free"), "{}", err.message);
    // The standard profile climbs the 90 steps.
    let leg = m
        .directions(&req(
            place_ep("testbed-square"),
            place_ep("tower-cafe"),
            None,
        ))
        .unwrap();
    assert!(
        leg.instructions[0].en.contains("up 90 steps"),
        "{}",
        leg.instructions[0].en
    );
}

#[test]
fn points_snap_to_the_nearest_edge() {
    let m = model();
    // 10 m south of the gate–square walkway, 40 m east of the gate.
    let leg = m
        .directions(&req(
            point_ep(40.0, 190.0),
            place_ep("testbed-square"),
            None,
        ))
        .unwrap();
    assert_eq!(leg.edges.len(), 1);
    assert_eq!(leg.edges[0].id, "gate-square");
    assert!((leg.length_m - 50.0).abs() < 1.0, "{}", leg.length_m);
    assert!(
        leg.instructions[0].en.contains("to the path"),
        "{}",
        leg.instructions[0].en
    );
    // Two points on the same edge walk straight along it.
    let leg = m
        .directions(&req(point_ep(20.0, 205.0), point_ep(60.0, 205.0), None))
        .unwrap();
    assert!((leg.length_m - 50.0).abs() < 1.0, "{}", leg.length_m);
    assert_eq!(
        leg.instructions.last().unwrap().en,
        "Arrive at your destination"
    );
}

#[test]
fn far_points_are_refused_with_a_reason() {
    let mut m = model();
    let err = m
        .directions(&req(
            point_ep(40.0, 700.0),
            place_ep("testbed-square"),
            None,
        ))
        .unwrap_err();
    assert_eq!(
        (err.status, err.code, err.field.as_deref()),
        (422, "too_far_from_site", Some("from"))
    );
    assert!(err.message.contains("300 m"), "{}", err.message);
    m.set_max_snap_distance_m(1000.0);
    assert!(m
        .directions(&req(
            point_ep(40.0, 700.0),
            place_ep("testbed-square"),
            None
        ))
        .is_ok());
    let err = m
        .directions(&req(
            place_ep("testbed-square"),
            Endpoint::Point {
                lat: 95.0,
                lon: 0.0,
            },
            None,
        ))
        .unwrap_err();
    assert_eq!((err.status, err.field.as_deref()), (400, Some("to")));
}

#[test]
fn unknown_values_are_client_errors() {
    let m = model();
    let err = m
        .directions(&req(place_ep("nope"), place_ep("testbed-square"), None))
        .unwrap_err();
    assert_eq!(
        (err.status, err.code, err.field.as_deref()),
        (404, "unknown_place", Some("from"))
    );
    let err = m
        .directions(&req(
            place_ep("testbed-square"),
            place_ep("liziba-platform"),
            Some("wheelchair"),
        ))
        .unwrap_err();
    assert_eq!(
        (err.status, err.code, err.field.as_deref()),
        (400, "invalid_field", Some("profile"))
    );
}

#[test]
fn hard_to_find_destinations_get_landmark_hints() {
    let plain = model();
    let leg = plain
        .directions(&req(
            place_ep("testbed-square"),
            place_ep("free-rooftop"),
            None,
        ))
        .unwrap();
    let n_plain = leg.instructions.len();
    let mut stats = HashMap::new();
    stats.insert(
        "free-rooftop".to_string(),
        PlaceStats {
            count: 8,
            findability: Signal::of(8.0, 1.9),
            ..PlaceStats::default()
        },
    );
    let m = model_with(stats, places());
    let leg = m
        .directions(&req(
            place_ep("testbed-square"),
            place_ep("free-rooftop"),
            None,
        ))
        .unwrap();
    assert_eq!(leg.instructions.len(), n_plain + 1);
    let extra = leg.instructions.last().unwrap();
    assert!(extra.en.contains("easy to miss"), "{}", extra.en);
    assert!(extra.en.contains("east of Lower terrace"), "{}", extra.en);
    assert!(extra.en.contains("Ask for"), "{}", extra.en);
    assert!(extra.zh.contains("下平台"), "{}", extra.zh);
    // Few ratings: no extra hint.
    let mut stats = HashMap::new();
    stats.insert(
        "free-rooftop".to_string(),
        PlaceStats {
            count: 2,
            findability: Signal::of(2.0, 1.0),
            ..PlaceStats::default()
        },
    );
    let m = model_with(stats, places());
    let leg = m
        .directions(&req(
            place_ep("testbed-square"),
            place_ep("free-rooftop"),
            None,
        ))
        .unwrap();
    assert_eq!(leg.instructions.len(), n_plain);
}

#[test]
fn legs_serialise_as_geojson() {
    let m = model();
    let leg = m
        .directions(&req(
            place_ep("testbed-square"),
            point_ep(82.0, 118.0),
            None,
        ))
        .unwrap();
    let v = serde_json::to_value(&leg).unwrap();
    assert_eq!(v["geometry"]["type"], "LineString");
    assert_eq!(v["from"], "testbed-square");
    assert!(v["to"]["lat"].is_number());
    assert_eq!(v["edges"][0]["kind"], "stairs");
    assert!(v["instructions"][0]["zh"].is_string());
    // Consecutive coordinates never repeat.
    let c = &leg.geometry.coordinates;
    assert!(c.windows(2).all(|w| w[0] != w[1]));
}

#[test]
fn request_bodies_parse_and_reject_unknown_fields() {
    let r: DirectionsRequest = serde_json::from_str(
        r#"{"from": "testbed-square", "to": {"lat": 29.55, "lon": 106.53}, "profile": "easy"}"#,
    )
    .unwrap();
    assert_eq!(r.from, place_ep("testbed-square"));
    assert!(matches!(r.to, Endpoint::Point { .. }));
    assert!(serde_json::from_str::<DirectionsRequest>(
        r#"{"from": "a", "to": "b", "mode": "walk"}"#
    )
    .is_err());
}
