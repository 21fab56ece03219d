//! A small hand-drawn site shared by the integration tests.
//!
//! ```text
//!   Factory level (330 m)                                   tower (345 m, stairs only)
//!                                                           ╱ 90 steps
//!   gate ───80 m─── square ───60 m (indoor, up 6 m)─── roofA (¥30 rooftop)
//!    │  museum       │ photo spot
//!    │               │ stairs "Testbed steps": 120 steps, 19 m down
//!    │ ramp 300 m    │
//!    │ (winding)     │
//!   rampfoot ─80 m─ terrace (311 m) ───60 m─── roofB (free rooftop)
//!                    │ elevator, 100 m down
//!                  station (211 m) ─ crossing "Liziba Zhengjie" 20 m ─ platform (viewpoint)
//! ```
#![allow(dead_code)]

use std::collections::HashMap;

use planner::graph::{EdgeKind, EdgeSpec, Graph, NodeSpec};
use planner::model::{Endpoint, PlaceSpec, PlaceStats, PlanRequest, PlanningModel, SiteInfo};
use planner::synthetic;
use planner::Bilingual;

pub const M_PER_DEG: f64 = 111_195.08;

pub fn pos(x: f64, y: f64) -> [f64; 2] {
    synthetic::position(x, y)
}

fn node(id: &str, x: f64, y: f64, z: f64, name: Option<(&str, &str)>) -> NodeSpec {
    let p = pos(x, y);
    NodeSpec {
        id: id.into(),
        lon: p[0],
        lat: p[1],
        elevation_m: z,
        name: name.map(|(zh, en)| Bilingual::new(zh, en)),
    }
}

fn edge(id: &str, nodes: &[NodeSpec], a: &str, b: &str, kind: EdgeKind) -> EdgeSpec {
    let na = nodes.iter().find(|n| n.id == a).unwrap();
    let nb = nodes.iter().find(|n| n.id == b).unwrap();
    EdgeSpec {
        id: id.into(),
        from: a.into(),
        to: b.into(),
        kind,
        geometry: vec![[na.lon, na.lat], [nb.lon, nb.lat]],
        steps: 0,
        step_free: kind != EdgeKind::Stairs,
        name: None,
        hint: None,
        hint_reverse: None,
        hint_both_ways: false,
        hint_step_free: false,
        closed: false,
    }
}

pub fn graph_parts() -> (Vec<NodeSpec>, Vec<EdgeSpec>) {
    let nodes = vec![
        node(
            "gate",
            0.0,
            200.0,
            330.0,
            Some(("贰厂大门", "Factory gate")),
        ),
        node(
            "square",
            80.0,
            200.0,
            330.0,
            Some(("主广场", "Main square")),
        ),
        node("roofA", 140.0, 200.0, 336.0, None),
        node("tower", 140.0, 260.0, 345.0, None),
        node("rampfoot", 0.0, 140.0, 311.0, None),
        node(
            "terrace",
            80.0,
            140.0,
            311.0,
            Some(("下平台", "Lower terrace")),
        ),
        node("roofB", 140.0, 140.0, 315.0, None),
        node(
            "station",
            82.0,
            140.0,
            211.0,
            Some(("李子坝站", "Liziba station")),
        ),
        node("platform", 82.0, 120.0, 210.0, None),
    ];
    let mut edges = vec![
        edge("gate-square", &nodes, "gate", "square", EdgeKind::Walkway),
        edge("square-roofA", &nodes, "square", "roofA", EdgeKind::Indoor),
        edge("square-tower", &nodes, "square", "tower", EdgeKind::Stairs),
        edge(
            "square-terrace",
            &nodes,
            "square",
            "terrace",
            EdgeKind::Stairs,
        ),
        edge(
            "gate-rampfoot",
            &nodes,
            "gate",
            "rampfoot",
            EdgeKind::Walkway,
        ),
        edge(
            "rampfoot-terrace",
            &nodes,
            "rampfoot",
            "terrace",
            EdgeKind::Walkway,
        ),
        edge(
            "terrace-roofB",
            &nodes,
            "terrace",
            "roofB",
            EdgeKind::Walkway,
        ),
        edge(
            "terrace-station",
            &nodes,
            "terrace",
            "station",
            EdgeKind::Elevator,
        ),
        edge(
            "station-platform",
            &nodes,
            "station",
            "platform",
            EdgeKind::Crossing,
        ),
    ];
    edges[0].name = Some(Bilingual::new("鹅岭正街", "Eling Zhengjie"));
    edges[2].steps = 90;
    edges[3].steps = 120;
    edges[3].name = Some(Bilingual::new("贰厂梯道", "Testbed steps"));
    edges[3].hint = Some(Bilingual::new(
        "在红色铁门右侧下楼梯",
        "the steps start right of the red iron gate",
    ));
    // The ramp winds out west and back.
    let g = pos(0.0, 200.0);
    let w1 = pos(-120.0, 180.0);
    let w2 = pos(-120.0, 150.0);
    let f = pos(0.0, 140.0);
    edges[4].geometry = vec![g, w1, w2, f];
    edges[8].name = Some(Bilingual::new("李子坝正街", "Liziba Zhengjie"));
    (nodes, edges)
}

#[allow(clippy::too_many_arguments)]
fn place(
    id: &str,
    area: &str,
    kind: &str,
    node: &str,
    fee: f64,
    pop: f64,
    tags: &[&str],
    dwell: u32,
    hours: &str,
) -> PlaceSpec {
    PlaceSpec {
        id: id.into(),
        area: area.into(),
        kind: kind.into(),
        name: Bilingual::new(format!("{id}（中文）"), id.replace('-', " ")),
        fee_cny: fee,
        hours: hours.into(),
        dwell_min: dwell,
        tags: tags.iter().map(|s| s.to_string()).collect(),
        popularity: pop,
        node: node.into(),
        closed: false,
        highlight: false,
        container: false,
        queue_min: 0,
        booking: false,
        description: None,
    }
}

pub fn places() -> Vec<PlaceSpec> {
    vec![
        place(
            "testbed-square",
            "factory",
            "photo_spot",
            "square",
            0.0,
            0.9,
            &["photo_spot"],
            15,
            "09:00-22:00",
        ),
        place(
            "love-rooftop",
            "factory",
            "rooftop",
            "roofA",
            30.0,
            0.8,
            &["rooftop_terrace", "photo_spot"],
            15,
            "10:00-22:00",
        ),
        place(
            "free-rooftop",
            "factory",
            "rooftop",
            "roofB",
            0.0,
            0.6,
            &["rooftop_terrace", "photo_spot"],
            15,
            "24/7",
        ),
        place(
            "liziba-platform",
            "liziba",
            "viewpoint",
            "platform",
            0.0,
            0.95,
            &["photo_spot"],
            20,
            "24/7",
        ),
        place(
            "liziba-station",
            "liziba",
            "transit",
            "station",
            0.0,
            0.5,
            &[],
            0,
            "06:30-23:00",
        ),
        place(
            "tower-cafe",
            "factory",
            "cafe",
            "tower",
            0.0,
            0.4,
            &["creative_park"],
            30,
            "10:00-22:00",
        ),
        place(
            "memory-museum",
            "factory",
            "museum",
            "gate",
            0.0,
            0.5,
            &["banknote_history"],
            20,
            "Tu-Su 09:00-17:00; Mo off",
        ),
    ]
}

pub fn site() -> SiteInfo {
    let c = pos(60.0, 180.0);
    SiteInfo {
        id: "mini".into(),
        utc_offset_min: 480,
        center_lon: c[0],
        center_lat: c[1],
        areas: vec!["factory".into(), "liziba".into(), "eling-park".into()],
        area_names: vec![],
        public_holidays: vec![],
    }
}

pub fn model_with(stats: HashMap<String, PlaceStats>, places: Vec<PlaceSpec>) -> PlanningModel {
    let (n, e) = graph_parts();
    let g = Graph::build(n, e).unwrap();
    PlanningModel::build(
        site(),
        g,
        places,
        synthetic::findings(),
        synthetic::interests(),
        stats,
        7,
    )
    .unwrap()
}

pub fn model() -> PlanningModel {
    model_with(HashMap::new(), places())
}

pub fn request(start: Endpoint, time: &str, budget: u32) -> PlanRequest {
    PlanRequest {
        start,
        end: None,
        start_time: time.into(),
        budget_min: budget,
        interests: vec![],
        profile: None,
        avoid_paid: false,
        max_fee_cny: None,
        areas: None,
        must: vec![],
        avoid: vec![],
        lang: None,
        pace: None,
        meals: None,
    }
}

pub fn place_ep(id: &str) -> Endpoint {
    Endpoint::Place(id.into())
}

pub fn point_ep(x: f64, y: f64) -> Endpoint {
    let p = pos(x, y);
    Endpoint::Point {
        lat: p[1],
        lon: p[0],
    }
}
