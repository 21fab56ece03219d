//! Synthetic steep sites for tests and benchmarks: a hillside grid of walkways, stairs,
//! elevators and crossings with places in three areas, and findings shaped like the seed's.
//! Deterministic for a seed.

use std::collections::HashMap;

use crate::graph::{EdgeKind, EdgeSpec, Graph, NodeSpec};
use crate::model::PlanningModel;
use crate::rng::SplitMix64;
use crate::site::{Finding, Interest, PlaceSpec, PlaceStats, Rule, SiteInfo};
use crate::types::Bilingual;

/// Longitude of the synthetic site's south-west corner (degrees).
pub const LON0: f64 = 106.530;
/// Latitude of the synthetic site's south-west corner (degrees).
pub const LAT0: f64 = 29.550;
/// Metres per degree of latitude.
const M_PER_DEG: f64 = 111_195.08;

/// Everything a [`PlanningModel`] is built from.
#[derive(Clone, Debug)]
pub struct SyntheticSite {
    /// The site.
    pub site: SiteInfo,
    /// Graph nodes.
    pub nodes: Vec<NodeSpec>,
    /// Graph edges.
    pub edges: Vec<EdgeSpec>,
    /// Places.
    pub places: Vec<PlaceSpec>,
    /// Findings.
    pub findings: Vec<Finding>,
    /// Interests.
    pub interests: Vec<Interest>,
}

impl SyntheticSite {
    /// Builds the planning model (no rating aggregates).
    pub fn model(&self) -> PlanningModel {
        self.model_with_stats(HashMap::new())
    }

    /// Builds the planning model with rating aggregates.
    pub fn model_with_stats(&self, stats: HashMap<String, PlaceStats>) -> PlanningModel {
        let graph =
            Graph::build(self.nodes.clone(), self.edges.clone()).expect("synthetic graph is valid");
        PlanningModel::build(
            self.site.clone(),
            graph,
            self.places.clone(),
            self.findings.clone(),
            self.interests.clone(),
            stats,
            1,
        )
        .expect("synthetic model is valid")
    }
}

fn b(zh: &str, en: &str) -> Bilingual {
    Bilingual::new(zh, en)
}

/// `[lon, lat]` of a point `x_m` east and `y_m` north of the south-west corner.
pub fn position(x_m: f64, y_m: f64) -> [f64; 2] {
    [
        LON0 + x_m / (M_PER_DEG * LAT0.to_radians().cos()),
        LAT0 + y_m / M_PER_DEG,
    ]
}

/// The seed's findings, as rules (ids as in `seed/findings.yaml` style).
pub fn findings() -> Vec<Finding> {
    let mut all = planning_findings();
    all.extend(popularity_and_other_findings());
    all
}

/// A finding of the seed.
fn finding(id: &str, code: &str, freq: &str, en: &str, zh: &str, rule: Rule) -> Finding {
    Finding {
        id: id.into(),
        code: code.into(),
        frequency: freq.into(),
        text: b(zh, en),
        rule,
    }
}

/// The findings that order, time, price, crowd and combine the visit.
fn planning_findings() -> Vec<Finding> {
    vec![
        finding(
            "route-factory-then-liziba",
            "route_suggestion",
            "medium",
            "Visitors suggest seeing the factory park first, then going down to Liziba.",
            "游客建议先逛贰厂，再下到李子坝。",
            Rule::AreaOrder {
                first: "factory".into(),
                then: "liziba".into(),
            },
        ),
        finding(
            "daytime-visit",
            "daytime_visit",
            "low",
            "The park is best visited in daylight.",
            "适合白天游览。",
            Rule::Daylight {
                kinds: vec!["rooftop".into(), "viewpoint".into()],
                tags: vec!["photo_spot".into()],
            },
        ),
        finding(
            "paid-rooftop-poor-value",
            "rooftop_fee",
            "medium",
            "Paid rooftops are often judged poor value.",
            "收费天台性价比不高。",
            Rule::ValueForMoney {
                kinds: vec!["rooftop".into()],
                fee_weight_per_cny: 0.02,
            },
        ),
        finding(
            "free-rooftops-good",
            "free_rooftop",
            "low",
            "Free rooftops are good too.",
            "免费天台也不错。",
            Rule::FreeAlternative {
                kinds: vec!["rooftop".into()],
            },
        ),
        finding(
            "crowds",
            "crowded",
            "low",
            "It gets crowded with visitors.",
            "游客很多，比较拥挤。",
            Rule::Crowding {
                peak_hours: vec![[10, 12], [14, 17]],
                weekend_factor: 1.5,
                penalty: 0.3,
                kinds: vec![],
                tags: vec!["photo_spot".into(), "film_location".into()],
            },
        ),
        finding(
            "combine-liziba-eling",
            "combine_visit",
            "low",
            "Combine the visit with Liziba and Eling Park.",
            "可与李子坝、鹅岭公园连游。",
            Rule::CombineAreas {
                areas: vec![],
                bonus: 0.3,
            },
        ),
    ]
}

/// The popularity findings, then wayfinding and commercial sameness.
fn popularity_and_other_findings() -> Vec<Finding> {
    vec![
        finding(
            "popularity-photo-spot",
            "photo_spot",
            "high",
            "A high-quality photo spot.",
            "出片率高的拍照地。",
            Rule::Popularity {
                tags: vec!["photo_spot".into()],
                weight: 0.5,
            },
        ),
        finding(
            "popularity-film",
            "film_location",
            "high",
            "The film location of \"I Belonged to You\".",
            "《从你的全世界路过》取景地。",
            Rule::Popularity {
                tags: vec!["film_location".into()],
                weight: 0.4,
            },
        ),
        finding(
            "popularity-history",
            "banknote_history",
            "medium",
            "Its history as the banknote printing plant draws visitors.",
            "前身为印钞厂的历史吸引游客。",
            Rule::Popularity {
                tags: vec!["banknote_history".into(), "industrial_architecture".into()],
                weight: 0.3,
            },
        ),
        finding(
            "hard-to-find",
            "hard_to_find",
            "low",
            "Roads are complex and places hard to find.",
            "道路复杂，地点难找。",
            Rule::Wayfinding,
        ),
        finding(
            "commercial-sameness",
            "commercial_sameness",
            "low",
            "Shops feel commercial and alike.",
            "商业化、同质化严重。",
            Rule::CommercialSameness {
                kinds: vec!["cafe".into(), "shop".into(), "restaurant".into()],
                max_per_plan: 2,
            },
        ),
    ]
}

/// The seed's interests.
pub fn interests() -> Vec<Interest> {
    let i = |id: &str, zh: &str, en: &str, tags: &[&str], kinds: &[&str]| Interest {
        id: id.into(),
        name: b(zh, en),
        tags: tags.iter().map(|s| s.to_string()).collect(),
        kinds: kinds.iter().map(|s| s.to_string()).collect(),
    };
    vec![
        i(
            "photography",
            "摄影",
            "Photography",
            &["photo_spot", "graffiti_retro_street"],
            &["photo_spot", "viewpoint", "rooftop"],
        ),
        i(
            "film",
            "电影",
            "Film",
            &["film_location"],
            &["film_location"],
        ),
        i("fans", "追星", "Fans", &["fan_spot"], &["fan_spot"]),
        i(
            "history",
            "历史",
            "History",
            &["banknote_history"],
            &["museum", "architecture"],
        ),
        i(
            "architecture",
            "建筑",
            "Architecture",
            &["industrial_architecture"],
            &["architecture", "footbridge"],
        ),
        i(
            "shopping",
            "购物",
            "Shopping",
            &["creative_park"],
            &["shop", "market"],
        ),
        i("food", "美食", "Food", &[], &["cafe", "restaurant"]),
        i(
            "views",
            "观景",
            "Views",
            &["rooftop_terrace"],
            &["viewpoint", "rooftop"],
        ),
    ]
}

/// A synthetic steep site: a grid of `cols × rows` nodes 45 m apart rising 11 m per row, with
/// `n_places` places. Rows 0–3 are Liziba (low), the top rows the factory park, the west
/// columns Eling Park.
pub fn site(seed: u64, n_places: usize) -> SyntheticSite {
    let mut r = SplitMix64::new(seed);
    let (cols, rows) = (10usize, 12usize);
    let spacing = 45.0;
    let nodes = grid_nodes(&mut r, cols, rows, spacing);
    let edges = grid_edges(&mut r, &nodes, cols, rows);
    let places = places(&mut r, n_places, cols, rows);
    let center = position(cols as f64 * spacing / 2.0, rows as f64 * spacing / 2.0);
    SyntheticSite {
        site: SiteInfo {
            id: format!("synthetic-{seed}"),
            utc_offset_min: 480,
            center_lon: center[0],
            center_lat: center[1],
            areas: vec!["factory".into(), "liziba".into(), "eling-park".into()],
            area_names: vec![],
            public_holidays: vec![],
        },
        nodes,
        edges,
        places,
        findings: findings(),
        interests: interests(),
    }
}

/// The grid's nodes, `spacing` metres apart with some jitter, rising 11 m per row; about a
/// quarter of them named landmarks.
fn grid_nodes(r: &mut SplitMix64, cols: usize, rows: usize, spacing: f64) -> Vec<NodeSpec> {
    let rise_per_row = 11.0;
    let mut nodes = Vec::new();
    for y in 0..rows {
        for x in 0..cols {
            let jitter_x = (r.unit() - 0.5) * 10.0;
            let jitter_y = (r.unit() - 0.5) * 10.0;
            let p = position(x as f64 * spacing + jitter_x, y as f64 * spacing + jitter_y);
            let named = r.unit() < 0.25;
            nodes.push(NodeSpec {
                id: format!("n{x}-{y}"),
                lon: p[0],
                lat: p[1],
                elevation_m: 200.0 + y as f64 * rise_per_row + (r.unit() - 0.5) * 3.0,
                name: named.then(|| b(&format!("地标{x}-{y}"), &format!("Landmark {x}-{y}"))),
            });
        }
    }
    nodes
}

/// The grid's edges: ways of random kinds between neighbours in a row, stairs, elevators or
/// walkways between rows (some missing), and an open ramp up the east edge that keeps every
/// row step-free connected.
fn grid_edges(r: &mut SplitMix64, nodes: &[NodeSpec], cols: usize, rows: usize) -> Vec<EdgeSpec> {
    let id = |x: usize, y: usize| y * cols + x;
    let mut edges = Vec::new();
    for y in 0..rows {
        for x in 0..cols {
            if x + 1 < cols {
                let kind = match r.below(10) {
                    0 => EdgeKind::Road,
                    1 => EdgeKind::Crossing,
                    2 => EdgeKind::Indoor,
                    3 => EdgeKind::Footbridge,
                    _ => EdgeKind::Walkway,
                };
                add_edge(&mut edges, id(x, y), id(x + 1, y), kind, r, nodes);
            }
            if y + 1 < rows {
                let roll = r.unit();
                let kind = if roll < 0.45 {
                    EdgeKind::Stairs
                } else if roll < 0.55 {
                    EdgeKind::Elevator
                } else if roll < 0.85 {
                    EdgeKind::Walkway
                } else {
                    continue;
                };
                add_edge(&mut edges, id(x, y), id(x, y + 1), kind, r, nodes);
            }
        }
    }
    // A ramp on the east edge keeps every row step-free connected.
    for y in 0..rows - 1 {
        add_edge(
            &mut edges,
            id(cols - 1, y),
            id(cols - 1, y + 1),
            EdgeKind::Walkway,
            r,
            nodes,
        );
    }
    let ramps_from = edges.len() - (rows - 1);
    for e in edges.iter_mut().skip(ramps_from) {
        e.closed = false;
    }
    edges
}

/// Adds an edge of `kind` from node `a` to node `c`: sometimes bent, stairs mostly with their
/// steps counted, some named, hinted or closed.
fn add_edge(
    edges: &mut Vec<EdgeSpec>,
    a: usize,
    c: usize,
    kind: EdgeKind,
    r: &mut SplitMix64,
    nodes: &[NodeSpec],
) {
    let (na, nc) = (&nodes[a], &nodes[c]);
    let mut geometry = vec![[na.lon, na.lat]];
    if kind != EdgeKind::Elevator && r.unit() < 0.5 {
        // A bend in the middle.
        geometry.push([
            (na.lon + nc.lon) / 2.0 + (r.unit() - 0.5) * 0.0002,
            (na.lat + nc.lat) / 2.0 + (r.unit() - 0.5) * 0.0002,
        ]);
    }
    geometry.push([nc.lon, nc.lat]);
    let steps = if kind == EdgeKind::Stairs {
        if r.unit() < 0.8 {
            ((na.elevation_m - nc.elevation_m).abs() / 0.16).round() as u32
        } else {
            0
        }
    } else {
        0
    };
    let k = edges.len();
    edges.push(EdgeSpec {
        id: format!("e{k}"),
        from: na.id.clone(),
        to: nc.id.clone(),
        kind,
        geometry,
        steps,
        step_free: kind != EdgeKind::Stairs,
        name: (r.unit() < 0.3).then(|| b(&format!("{k}号路"), &format!("Lane {k}"))),
        hint: (r.unit() < 0.08)
            .then(|| b("看到红色铁门后左转", "turn left after the red iron gate")),
        hint_reverse: None,
        hint_both_ways: false,
        hint_step_free: false,
        closed: r.unit() < 0.02,
    });
}

/// `n_places` places of random kinds, hours, visit lengths and popularity at random nodes;
/// the area follows from the node (low rows Liziba, west columns Eling Park, else the factory).
fn places(r: &mut SplitMix64, n_places: usize, cols: usize, rows: usize) -> Vec<PlaceSpec> {
    let kinds = [
        ("photo_spot", &["photo_spot", "mottled_walls"][..]),
        ("film_location", &["film_location", "photo_spot"][..]),
        ("fan_spot", &["fan_spot"][..]),
        (
            "architecture",
            &["industrial_architecture", "banknote_history"][..],
        ),
        ("graffiti", &["graffiti_retro_street", "photo_spot"][..]),
        ("rooftop", &["rooftop_terrace", "photo_spot"][..]),
        ("viewpoint", &["rooftop_terrace"][..]),
        ("cafe", &["creative_park"][..]),
        ("restaurant", &[][..]),
        ("shop", &["creative_park"][..]),
        ("museum", &["banknote_history"][..]),
        ("market", &["creative_park"][..]),
        ("transit", &[][..]),
        ("restroom", &[][..]),
    ];
    let hours = [
        "24/7",
        "09:00-22:00",
        "10:00-22:00",
        "Tu-Su 09:00-17:00; Mo off",
        "08:00-22:30",
        "10:00-14:00,16:00-21:00",
        "Fr-Sa 18:00-02:00; Su-Th 18:00-23:00",
    ];
    let mut places = Vec::new();
    for i in 0..n_places {
        let x = r.below(cols);
        let y = r.below(rows);
        let (kind, tags) = kinds[r.below(kinds.len())];
        let area = if y < 4 {
            "liziba"
        } else if x < 3 {
            "eling-park"
        } else {
            "factory"
        };
        let fee = if kind == "rooftop" && r.unit() < 0.5 {
            [10.0, 20.0, 30.0][r.below(3)]
        } else if kind == "museum" && r.unit() < 0.5 {
            5.0
        } else {
            0.0
        };
        places.push(PlaceSpec {
            id: format!("p{i}"),
            area: area.into(),
            kind: kind.into(),
            name: b(&format!("地点{i}"), &format!("Place {i}")),
            fee_cny: fee,
            hours: hours[r.below(hours.len())].into(),
            dwell_min: 5 + 5 * r.below(8) as u32,
            tags: tags.iter().map(|s| s.to_string()).collect(),
            popularity: (r.unit() * 100.0).round() / 100.0,
            node: format!("n{x}-{y}"),
            closed: r.unit() < 0.03,
            highlight: false,
            container: false,
            queue_min: 0,
            booking: false,
            description: None,
        });
    }
    places
}
