//! The wording rules of walking directions, each on a small hand-drawn graph: hints by walking
//! direction and profile, landmarks that are not where the instruction starts, and no
//! "Turn around" inside one way.

mod common;

use std::collections::HashMap;

use common::{pos, site};
use planner::graph::{EdgeKind, EdgeSpec, Graph, NodeSpec};
use planner::model::{DirectionsRequest, Endpoint, Leg, PlaceSpec, PlanningModel};
use planner::synthetic;
use planner::Bilingual;

fn node(id: &str, x: f64, y: f64, z: f64, name: Option<&str>) -> NodeSpec {
    let p = pos(x, y);
    NodeSpec {
        id: id.into(),
        lon: p[0],
        lat: p[1],
        elevation_m: z,
        name: name.map(|n| Bilingual::new(format!("{n}（中文）"), n)),
    }
}

/// An edge along `via` (metre offsets) between two nodes.
fn edge(nodes: &[NodeSpec], a: &str, b: &str, kind: EdgeKind, via: &[(f64, f64)]) -> EdgeSpec {
    let at = |id: &str| {
        let n = nodes.iter().find(|n| n.id == id).unwrap();
        [n.lon, n.lat]
    };
    let mut geometry = vec![at(a)];
    geometry.extend(via.iter().map(|&(x, y)| pos(x, y)));
    geometry.push(at(b));
    EdgeSpec {
        id: format!("{a}-{b}"),
        from: a.into(),
        to: b.into(),
        kind,
        geometry,
        steps: if kind == EdgeKind::Stairs { 50 } else { 0 },
        step_free: kind != EdgeKind::Stairs,
        name: None,
        hint: None,
        hint_reverse: None,
        hint_both_ways: false,
        hint_step_free: false,
        closed: false,
    }
}

fn hint(en: &str) -> Option<Bilingual> {
    Some(Bilingual::new(format!("{en}（中文）"), en))
}

/// A model with a place (named like its id unless `names` says otherwise) on each listed node.
fn model(
    nodes: Vec<NodeSpec>,
    edges: Vec<EdgeSpec>,
    places: &[(&str, &str)],
    names: &[(&str, &str)],
) -> PlanningModel {
    let places = places
        .iter()
        .map(|&(id, node)| {
            let name = names
                .iter()
                .find(|(p, _)| *p == id)
                .map(|(_, n)| *n)
                .unwrap_or(id);
            PlaceSpec {
                id: id.into(),
                area: "factory".into(),
                kind: "photo_spot".into(),
                name: Bilingual::new(format!("{name}（中文）"), name),
                fee_cny: 0.0,
                hours: "24/7".into(),
                dwell_min: 10,
                tags: vec!["photo_spot".into()],
                popularity: 0.5,
                node: node.into(),
                closed: false,
                highlight: false,
                container: false,
                queue_min: 0,
                booking: false,
                description: None,
            }
        })
        .collect();
    PlanningModel::build(
        site(),
        Graph::build(nodes, edges).unwrap(),
        places,
        synthetic::findings(),
        synthetic::interests(),
        HashMap::new(),
        1,
    )
    .unwrap()
}

fn leg(m: &PlanningModel, from: &str, to: &str, profile: &str) -> Leg {
    m.directions(&DirectionsRequest {
        from: Endpoint::Place(from.into()),
        to: Endpoint::Place(to.into()),
        profile: Some(profile.into()),
        lang: None,
    })
    .unwrap()
}

fn en(leg: &Leg) -> Vec<String> {
    leg.instructions.iter().map(|i| i.en.clone()).collect()
}

//   hall (341 m)                         yard (333 m) ── gate (333 m)
//      ╲                                      │ lane: forward-only hint
//       ╲ stairs, 50 steps, up from foot      │
//        foot (333 m) ────── 40 m ────────────┘ court: hint both ways
#[test]
fn hints_follow_the_walking_direction() {
    let nodes = vec![
        node("foot", 0.0, 0.0, 333.0, None),
        node("hall", -20.0, 20.0, 341.0, Some("Graffiti hall")),
        node("yard", 40.0, 40.0, 333.0, None),
        node("gate", 80.0, 40.0, 333.0, None),
    ];
    let mut stairs = edge(&nodes, "foot", "hall", EdgeKind::Stairs, &[]);
    stairs.hint = hint("the staircase runs straight up to the hall");
    stairs.hint_reverse = hint("the staircase runs straight down from the hall");
    let mut court = edge(&nodes, "foot", "yard", EdgeKind::Walkway, &[(40.0, 0.0)]);
    court.hint = hint("the court is paved in red brick");
    court.hint_both_ways = true;
    let mut lane = edge(&nodes, "yard", "gate", EdgeKind::Walkway, &[]);
    lane.hint = hint("the lane ends at the gate, turn left there");
    let m = model(
        nodes,
        vec![stairs, court, lane],
        &[("hall-p", "hall"), ("foot-p", "foot"), ("gate-p", "gate")],
        &[],
    );

    let down = leg(&m, "hall-p", "foot-p", "standard");
    let text = en(&down).join(" | ");
    assert!(text.contains("take the stairs down 50 steps"), "{text}");
    assert!(
        text.contains("Hint: the staircase runs straight down"),
        "{text}"
    );
    assert!(!text.contains("runs straight up"), "{text}");
    assert!(down.instructions[0]
        .zh
        .contains("runs straight down from the hall（中文）"));

    let up = leg(&m, "foot-p", "hall-p", "standard");
    let text = en(&up).join(" | ");
    assert!(text.contains("take the stairs up 50 steps"), "{text}");
    assert!(
        text.contains("Hint: the staircase runs straight up"),
        "{text}"
    );
    assert!(!text.contains("runs straight down"), "{text}");

    // Towards the gate: both hints; back from it: the hint that reads both ways only.
    let out = en(&leg(&m, "foot-p", "gate-p", "standard")).join(" | ");
    assert!(
        out.contains("red brick") && out.contains("turn left there"),
        "{out}"
    );
    let back = en(&leg(&m, "gate-p", "foot-p", "standard")).join(" | ");
    assert!(back.contains("red brick"), "{back}");
    assert!(!back.contains("turn left there"), "{back}");
}

//   lane-top ──ramp 120 m, step-free-only hint── lane-foot
#[test]
fn step_free_only_hints_stay_on_step_free_routes() {
    let nodes = vec![
        node("top", 0.0, 0.0, 333.0, None),
        node("bottom", 0.0, 120.0, 324.0, None),
    ];
    let mut ramp = edge(&nodes, "top", "bottom", EdgeKind::Walkway, &[]);
    ramp.hint = hint("Step-free: the service lane slopes down to the north lane");
    ramp.hint_reverse = hint("Step-free: the service lane slopes up to the east lane");
    ramp.hint_step_free = true;
    let m = model(
        nodes,
        vec![ramp],
        &[("top-p", "top"), ("bottom-p", "bottom")],
        &[],
    );
    for (from, to) in [("top-p", "bottom-p"), ("bottom-p", "top-p")] {
        let standard = en(&leg(&m, from, to, "standard")).join(" | ");
        assert!(!standard.contains("Step-free"), "{standard}");
        let step_free = en(&leg(&m, from, to, "step_free")).join(" | ");
        assert!(step_free.contains("Hint: Step-free"), "{step_free}");
    }
    let down = en(&leg(&m, "top-p", "bottom-p", "step_free")).join(" | ");
    assert!(
        down.contains("slopes down") && !down.contains("slopes up"),
        "{down}"
    );
}

//              b "Mottled-wall lane" ── 50 m ── c (place "Mottled-wall lane")
//              │                         │
//   spur ──────┤ 45 m                    d "Mottled-wall lane" ── 40 m ── e (place "Dock")
//              │
//              a (place "Mottled-wall lane")
#[test]
fn instructions_never_lead_to_where_they_start() {
    let lane = Some("Mottled-wall lane");
    let nodes = vec![
        node("a", 0.0, 0.0, 330.0, None),
        node("b", 0.0, 45.0, 330.0, lane),
        node("spur", -40.0, 45.0, 330.0, None),
        node("c", 50.0, 45.0, 330.0, None),
        node("d", 50.0, 0.0, 330.0, lane),
        node("dock", 90.0, 0.0, 330.0, None),
        node("dock-spur", 50.0, -40.0, 330.0, None),
    ];
    let edges = vec![
        edge(&nodes, "a", "b", EdgeKind::Walkway, &[]),
        edge(&nodes, "b", "spur", EdgeKind::Walkway, &[]),
        edge(&nodes, "b", "c", EdgeKind::Walkway, &[]),
        edge(&nodes, "c", "d", EdgeKind::Walkway, &[]),
        edge(&nodes, "d", "dock", EdgeKind::Walkway, &[]),
        edge(&nodes, "d", "dock-spur", EdgeKind::Walkway, &[]),
    ];
    let m = model(
        nodes,
        edges,
        &[("lane-a", "a"), ("dock-p", "dock"), ("lane-c", "c")],
        &[
            ("lane-a", "Mottled-wall lane"),
            ("lane-c", "Mottled-wall lane"),
        ],
    );
    let to_dock = leg(&m, "lane-a", "dock-p", "standard");
    let text = en(&to_dock);
    assert!(
        text[0].starts_with("From Mottled-wall lane, head north"),
        "{text:?}"
    );
    for line in &text {
        assert!(!line.contains("to Mottled-wall lane"), "{text:?}");
    }
    // From one node named like the lane to the other: still no lane as a landmark.
    let back = en(&leg(&m, "dock-p", "lane-a", "standard"));
    assert!(
        back.iter().all(|l| !l.contains(" to Mottled-wall lane")),
        "{back:?}"
    );
    assert_eq!(back.last().unwrap(), "Arrive at Mottled-wall lane");
}

//   one unnamed path, two edges meeting at m with no other way, doubling back:
//
//   a ──────────── 80 m ──────────── m
//                                    │ 8 m
//   z ──────────── 80 m ───────────── ┘
#[test]
fn a_path_that_doubles_back_is_one_instruction() {
    let nodes = vec![
        node("a", 0.0, 10.0, 330.0, None),
        node("m", 80.0, 10.0, 330.0, None),
        node("z", 0.0, 2.0, 330.0, None),
    ];
    let edges = vec![
        edge(&nodes, "a", "m", EdgeKind::Walkway, &[]),
        edge(&nodes, "m", "z", EdgeKind::Walkway, &[(80.0, 2.0)]),
    ];
    let m = model(nodes, edges, &[("a-p", "a"), ("z-p", "z")], &[]);
    let text = en(&leg(&m, "a-p", "z-p", "standard"));
    assert_eq!(text.len(), 2, "{text:?}");
    assert!(text.iter().all(|l| !l.contains("Turn around")), "{text:?}");
}

//   a named road turning into a walkway of the same name at a hairpin (a junction):
//
//   top ──── road "Jialing Xinlu" 100 m ──── pin ── side (a branch uphill)
//                                           │
//   low ─── walkway "Jialing Xinlu" 100 m ──┘
#[test]
fn one_named_way_across_road_and_walkway_is_not_turned_around() {
    let nodes = vec![
        node("top", 0.0, 20.0, 240.0, None),
        node("pin", 100.0, 10.0, 231.0, Some("Hairpin")),
        node("side", 140.0, 10.0, 236.0, None),
        node("low", 0.0, 0.0, 225.0, None),
    ];
    let jx = Some(Bilingual::new("嘉陵新路", "Jialing Xinlu"));
    let mut road = edge(&nodes, "top", "pin", EdgeKind::Road, &[]);
    road.name = jx.clone();
    let mut walk = edge(&nodes, "pin", "low", EdgeKind::Walkway, &[]);
    walk.name = jx;
    let side = edge(&nodes, "pin", "side", EdgeKind::Road, &[]);
    let m = model(
        nodes,
        vec![road, walk, side],
        &[("top-p", "top"), ("low-p", "low")],
        &[],
    );
    let text = en(&leg(&m, "top-p", "low-p", "standard"));
    assert_eq!(text.len(), 2, "{text:?}");
    assert!(
        text[0].contains("along Jialing Xinlu and walk 200 m"),
        "{text:?}"
    );
}

//   a kink where a line meets its node does not turn the walker round:
//
//   a ─────── 60 m ───────── j ─────── 60 m ─────── b
//          (the line overshoots j by 2 m and     │
//           comes back)                          spur
#[test]
fn a_short_kink_at_a_node_does_not_reverse_the_heading() {
    let nodes = vec![
        node("a", 0.0, 0.0, 330.0, None),
        node("j", 60.0, 0.0, 330.0, None),
        node("b", 120.0, 0.0, 330.0, None),
        node("spur", 60.0, -40.0, 330.0, None),
    ];
    let edges = vec![
        edge(
            &nodes,
            "a",
            "j",
            EdgeKind::Walkway,
            &[(30.0, 0.0), (62.0, 0.5)],
        ),
        edge(&nodes, "j", "b", EdgeKind::Walkway, &[]),
        edge(&nodes, "j", "spur", EdgeKind::Walkway, &[]),
    ];
    let m = model(nodes, edges, &[("a-p", "a"), ("b-p", "b")], &[]);
    for (from, to) in [("a-p", "b-p"), ("b-p", "a-p")] {
        let text = en(&leg(&m, from, to, "standard"));
        assert_eq!(text.len(), 2, "{text:?}");
        assert!(text[0].contains("walk 120 m"), "{text:?}");
    }
}

//   an elevator has no heading to turn from: the walk after it gets a compass heading.
//
//   hall ── 30 m ── base ══ lift 16 m ══ roof ── 30 m east ── tea
#[test]
fn after_an_elevator_the_walk_gets_a_compass_heading() {
    let nodes = vec![
        node("hall", 0.0, 0.0, 333.0, None),
        node("base", 30.0, 0.0, 333.0, None),
        node("roof", 31.0, 0.0, 349.0, None),
        node("tea", 61.0, 0.0, 349.0, None),
    ];
    let edges = vec![
        edge(&nodes, "hall", "base", EdgeKind::Walkway, &[]),
        edge(&nodes, "base", "roof", EdgeKind::Elevator, &[]),
        edge(&nodes, "roof", "tea", EdgeKind::Walkway, &[]),
    ];
    let m = model(nodes, edges, &[("hall-p", "hall"), ("tea-p", "tea")], &[]);
    let text = en(&leg(&m, "tea-p", "hall-p", "standard"));
    assert!(
        text[1].starts_with("Take the elevator down 16 m"),
        "{text:?}"
    );
    assert!(text[2].starts_with("Head west"), "{text:?}");
}
