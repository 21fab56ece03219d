//! Directions: resolving endpoints (places or snapped points), routing between them, and turning
//! a route into a [`Leg`] with geometry, climb and bilingual turn-by-turn instructions.

use crate::cost::{flat_speed_mps, stair_steps, CostTable, Profile};
use crate::geodesy::{bearing_deg, compass, haversine_m, turn_deg};
use crate::graph::{EdgeKind, Graph};
use crate::model::PlanningModel;
use crate::paths::{Routes, Seed};
use crate::request::{DirectionsRequest, Endpoint, PlanError};
use crate::response::{EdgeRef, Instruction, Leg, LineString};
use crate::snap::{slice_polyline, Snap, SnapError};
use crate::types::{Bilingual, Lang};

/// Findability rating (1..5) below which a destination gets extra landmark hints, once it is
/// known (see [`crate::site::Signal::known`]).
pub const LOW_FINDABILITY: f64 = 2.5;
/// How far in metres to look for a named landmark near a hard-to-find destination.
pub const LANDMARK_RADIUS_M: f64 = 400.0;
/// Metres of distance that each metre of height difference counts as when picking a landmark.
pub const LANDMARK_HEIGHT_WEIGHT: f64 = 2.0;
/// Metres along a way over which its heading at either end is taken (or the whole way, when it
/// is shorter): a short kink where a line meets its node does not turn the way round.
pub const HEADING_SPAN_M: f64 = 15.0;

/// A request endpoint resolved against the model.
#[derive(Clone, Debug)]
pub(crate) struct Resolved {
    /// The endpoint as requested.
    pub endpoint: Endpoint,
    /// The place, for place endpoints.
    pub place: Option<usize>,
    /// Where the point joins the graph, for point endpoints.
    pub snap: Option<Snap>,
    /// The graph node, for place endpoints.
    pub node: Option<usize>,
}

/// Parses the profile field.
pub(crate) fn parse_profile(value: Option<&str>) -> Result<Profile, PlanError> {
    match value {
        None => Ok(Profile::Standard),
        Some(s) => Profile::parse(s).ok_or_else(|| {
            PlanError::invalid(
                "profile",
                format!("unknown profile '{s}' (expected standard, step_free or easy)"),
            )
            .zh(format!(
                "未知的出行方式“{s}”（可选 standard、step_free 或 easy）"
            ))
        }),
    }
}

/// Parses the lang field.
pub(crate) fn parse_lang(value: Option<&str>) -> Result<Lang, PlanError> {
    match value {
        None => Ok(Lang::En),
        Some(s) => Lang::parse(s).ok_or_else(|| {
            PlanError::invalid(
                "lang",
                format!("unknown language '{s}' (expected zh or en)"),
            )
            .zh(format!("未知的语言“{s}”（可选 zh 或 en）"))
        }),
    }
}

/// Resolves an endpoint: a known place id, or a point within the snapping distance of an edge
/// the profile may use.
pub(crate) fn resolve(
    model: &PlanningModel,
    ep: &Endpoint,
    profile: Profile,
    field: &str,
) -> Result<Resolved, PlanError> {
    match ep {
        Endpoint::Place(id) => {
            let &p = model.place_ids.get(id).ok_or_else(|| {
                PlanError::new(
                    404,
                    "unknown_place",
                    Some(field.to_string()),
                    format!("no place '{id}' in this site"),
                )
                .zh(format!("本站点没有地点“{id}”"))
            })?;
            Ok(Resolved {
                endpoint: ep.clone(),
                place: Some(p),
                snap: None,
                node: Some(model.places[p].node_idx),
            })
        }
        Endpoint::Point { lat, lon } => {
            if !lat.is_finite() || !(-90.0..=90.0).contains(lat) {
                return Err(
                    PlanError::invalid(field, format!("latitude {lat} is not in -90..90"))
                        .zh(format!("纬度 {lat} 不在 -90..90 之内")),
                );
            }
            if !lon.is_finite() || !(-180.0..=180.0).contains(lon) {
                return Err(PlanError::invalid(
                    field,
                    format!("longitude {lon} is not in -180..180"),
                )
                .zh(format!("经度 {lon} 不在 -180..180 之内")));
            }
            let max = model.max_snap_distance_m;
            match model.snapper.snap(&model.graph, [*lon, *lat], profile, max) {
                Ok(snap) => Ok(Resolved {
                    endpoint: ep.clone(),
                    place: None,
                    snap: Some(snap),
                    node: None,
                }),
                Err(SnapError::TooFar(d)) => Err(PlanError::new(
                    422,
                    "too_far_from_site",
                    Some(field.to_string()),
                    if d.is_finite() {
                        format!("the point is {d:.0} m from the nearest path of the site; at most {max:.0} m is accepted")
                    } else {
                        "the site has no open paths".to_string()
                    },
                )
                .zh(if d.is_finite() {
                    format!("该点距站点最近的道路 {d:.0} 米，最多接受 {max:.0} 米")
                } else {
                    "站点没有开放的道路".to_string()
                })),
                Err(SnapError::NotForProfile) => Err(PlanError::new(
                    422,
                    "unreachable",
                    Some(field.to_string()),
                    format!(
                        "no path usable with the {} profile lies within {max:.0} m of the point",
                        profile.as_str()
                    ),
                )
                .zh(format!(
                    "该点 {max:.0} 米内没有适合{}的道路",
                    profile_words_zh(profile)
                ))),
            }
        }
    }
}

/// One walked piece of a route.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Piece {
    /// A straight walk off the graph, between a point and where it joins an edge.
    Connector { a: [f64; 2], b: [f64; 2] },
    /// Part or all of an edge, walked from fraction `f0` to `f1` of its length from `from`.
    Edge { edge: usize, f0: f64, f1: f64 },
}

impl Piece {
    fn full(edge: usize, forward: bool) -> Piece {
        if forward {
            Piece::Edge {
                edge,
                f0: 0.0,
                f1: 1.0,
            }
        } else {
            Piece::Edge {
                edge,
                f0: 1.0,
                f1: 0.0,
            }
        }
    }

    /// Time in seconds to walk the piece (`None` if the profile may not).
    pub fn time_s(&self, table: &CostTable) -> Option<f64> {
        match *self {
            Piece::Connector { a, b } => Some(haversine_m(a, b) / flat_speed_mps()),
            Piece::Edge { edge, f0, f1 } => {
                let t = table.get(edge, f1 >= f0)?;
                Some((f1 - f0).abs() * t.time_s)
            }
        }
    }

    fn cost_s(&self, table: &CostTable) -> Option<f64> {
        match *self {
            Piece::Connector { .. } => self.time_s(table),
            Piece::Edge { edge, f0, f1 } => {
                let t = table.get(edge, f1 >= f0)?;
                Some((f1 - f0).abs() * t.cost_s)
            }
        }
    }
}

/// A way onto or off the graph at a node, with the pieces walked between the endpoint and it.
#[derive(Clone, Debug)]
pub(crate) struct Access {
    pub node: usize,
    pub time_s: f64,
    pub cost_s: f64,
    pub pieces: Vec<Piece>,
}

/// How to leave (`outbound`) or reach (`!outbound`) an endpoint via graph nodes.
pub(crate) fn accesses(
    model: &PlanningModel,
    r: &Resolved,
    table: &CostTable,
    outbound: bool,
) -> Vec<Access> {
    if let Some(node) = r.node {
        return vec![Access {
            node,
            time_s: 0.0,
            cost_s: 0.0,
            pieces: Vec::new(),
        }];
    }
    let snap = r.snap.expect("point endpoints are snapped");
    let edge = &model.graph.edges()[snap.edge];
    let conn_out = Piece::Connector {
        a: snap.point,
        b: snap.on_edge,
    };
    let conn_in = Piece::Connector {
        a: snap.on_edge,
        b: snap.point,
    };
    let mut out = Vec::new();
    for (node, end_f) in [(edge.from_idx, 0.0), (edge.to_idx, 1.0)] {
        let part = if outbound {
            Piece::Edge {
                edge: snap.edge,
                f0: snap.fraction,
                f1: end_f,
            }
        } else {
            Piece::Edge {
                edge: snap.edge,
                f0: end_f,
                f1: snap.fraction,
            }
        };
        let pieces = if outbound {
            vec![conn_out, part]
        } else {
            vec![part, conn_in]
        };
        let (Some(time_s), Some(cost_s)) = (
            pieces.iter().map(|p| p.time_s(table)).sum::<Option<f64>>(),
            pieces.iter().map(|p| p.cost_s(table)).sum::<Option<f64>>(),
        ) else {
            continue;
        };
        out.push(Access {
            node,
            time_s,
            cost_s,
            pieces,
        });
    }
    out
}

/// Seeds for a search from (or towards) the accesses.
pub(crate) fn seeds(acc: &[Access]) -> Vec<Seed> {
    acc.iter()
        .map(|a| Seed {
            node: a.node,
            cost_s: a.cost_s,
            time_s: a.time_s,
        })
        .collect()
}

/// A route: the pieces walked and their total time.
#[derive(Clone, Debug, Default)]
pub(crate) struct Route {
    pub pieces: Vec<Piece>,
    pub time_s: f64,
}

/// Turns a node path into pieces.
pub(crate) fn path_pieces(path: &[(usize, bool)]) -> impl Iterator<Item = Piece> + '_ {
    path.iter().map(|&(e, fwd)| Piece::full(e, fwd))
}

/// The fastest route between two resolved endpoints, or `None` when unreachable.
pub(crate) fn route_between(
    model: &PlanningModel,
    from: &Resolved,
    to: &Resolved,
    profile: Profile,
) -> Option<Route> {
    let table = &model.costs[profile.index()];
    let standard = &model.costs[0];
    // Between two places: the precomputed matrix trees.
    if let (Some(pa), Some(pb)) = (from.place, to.place) {
        let (ia, ib) = (model.places[pa].matrix_idx, model.places[pb].matrix_idx);
        let m = &model.matrices[profile.index()];
        let t = m.time_s(ia, ib);
        if !t.is_finite() {
            return None;
        }
        let path = m.routes_from(ia).path(&model.graph, m.node(ib))?;
        return Some(Route {
            pieces: path_pieces(&path).collect(),
            time_s: t,
        });
    }
    let out = accesses(model, from, table, true);
    let inn = accesses(model, to, table, false);
    let tree = Routes::search(&model.graph, table, standard, &seeds(&out), false);
    let mut best: Option<Route> = None;
    for a in &inn {
        if !tree.reaches(a.node) {
            continue;
        }
        let t = tree.time_s(a.node) + a.time_s;
        if best.as_ref().is_some_and(|b| b.time_s <= t) {
            continue;
        }
        let Some(path) = tree.path(&model.graph, a.node) else {
            continue;
        };
        let Some(seed) = tree.seed_of(a.node) else {
            continue;
        };
        let mut pieces = out[seed].pieces.clone();
        pieces.extend(path_pieces(&path));
        pieces.extend(a.pieces.iter().copied());
        best = Some(Route { pieces, time_s: t });
    }
    // Both points on the same edge: walk along it directly.
    if let (Some(sa), Some(sb)) = (from.snap, to.snap) {
        if sa.edge == sb.edge {
            let pieces = vec![
                Piece::Connector {
                    a: sa.point,
                    b: sa.on_edge,
                },
                Piece::Edge {
                    edge: sa.edge,
                    f0: sa.fraction,
                    f1: sb.fraction,
                },
                Piece::Connector {
                    a: sb.on_edge,
                    b: sb.point,
                },
            ];
            if let Some(t) = pieces.iter().map(|p| p.time_s(table)).sum::<Option<f64>>() {
                if best.as_ref().is_none_or(|b| t < b.time_s) {
                    best = Some(Route { pieces, time_s: t });
                }
            }
        }
    }
    best
}

/// Builds the leg for a route.
pub(crate) fn build_leg(
    model: &PlanningModel,
    from: &Resolved,
    to: &Resolved,
    route: &Route,
    profile: Profile,
) -> Leg {
    let g = &model.graph;
    let table = &model.costs[profile.index()];
    let mut coords: Vec<[f64; 2]> = Vec::new();
    let mut length_m = 0.0;
    let mut duration_s = 0.0;
    let mut ascent_m = 0.0;
    let mut descent_m = 0.0;
    let mut edges: Vec<EdgeRef> = Vec::new();
    let mut last_edge = usize::MAX;
    let push = |coords: &mut Vec<[f64; 2]>, p: [f64; 2]| {
        if coords.last() != Some(&p) {
            coords.push(p);
        }
    };
    for piece in &route.pieces {
        duration_s += piece.time_s(table).unwrap_or(0.0);
        match *piece {
            Piece::Connector { a, b } => {
                push(&mut coords, a);
                push(&mut coords, b);
                length_m += haversine_m(a, b);
            }
            Piece::Edge { edge, f0, f1 } => {
                let e = &g.edges()[edge];
                let frac = (f1 - f0).abs();
                for p in slice_polyline(&e.geometry, f0, f1) {
                    push(&mut coords, p);
                }
                length_m += frac * e.length_m;
                let rise = if f1 >= f0 { e.rise_m() } else { -e.rise_m() } * frac;
                if rise > 0.0 {
                    ascent_m += rise;
                } else {
                    descent_m -= rise;
                }
                if edge != last_edge && frac > 0.0 {
                    edges.push(EdgeRef {
                        id: e.id.clone(),
                        kind: e.kind,
                    });
                    last_edge = edge;
                }
            }
        }
    }
    if coords.is_empty() {
        let p = endpoint_position(model, from);
        coords.push(p);
    }
    if coords.len() == 1 {
        let p = coords[0];
        coords.push(p);
    }
    let instructions = instructions(model, from, to, &route.pieces, profile);
    Leg {
        from: from.endpoint.clone(),
        to: to.endpoint.clone(),
        geometry: LineString::new(coords),
        length_m,
        duration_s,
        ascent_m,
        descent_m,
        edges,
        instructions,
    }
}

fn endpoint_position(model: &PlanningModel, r: &Resolved) -> [f64; 2] {
    match (r.node, r.snap) {
        (Some(n), _) => model.graph.nodes()[n].position(),
        (None, Some(s)) => s.point,
        _ => [model.site.center_lon, model.site.center_lat],
    }
}

impl PlanningModel {
    /// A walking leg between two endpoints.
    pub fn directions(&self, req: &DirectionsRequest) -> Result<Leg, PlanError> {
        directions(self, req)
    }
}

/// Answers a directions request.
pub(crate) fn directions(model: &PlanningModel, req: &DirectionsRequest) -> Result<Leg, PlanError> {
    let profile = parse_profile(req.profile.as_deref())?;
    parse_lang(req.lang.as_deref())?;
    let from = resolve(model, &req.from, profile, "from")?;
    let to = resolve(model, &req.to, profile, "to")?;
    let route = route_between(model, &from, &to, profile).ok_or_else(|| {
        PlanError::new(
            422,
            "unreachable",
            Some("to".into()),
            format!(
                "there is no {} route from {} to {}",
                profile_words(profile),
                describe(model, &from),
                describe(model, &to)
            ),
        )
        .zh(format!(
            "从 {} 到 {} 没有{}路线",
            describe(model, &from),
            describe(model, &to),
            profile_words_zh(profile)
        ))
    })?;
    Ok(build_leg(model, &from, &to, &route, profile))
}

pub(crate) fn profile_words(p: Profile) -> &'static str {
    match p {
        Profile::Standard => "walking",
        Profile::StepFree => "step-free",
        Profile::Easy => "easy walking",
    }
}

/// The profile in Chinese words, for messages.
pub(crate) fn profile_words_zh(p: Profile) -> &'static str {
    match p {
        Profile::Standard => "步行",
        Profile::StepFree => "无台阶",
        Profile::Easy => "轻松步行",
    }
}

fn describe(model: &PlanningModel, r: &Resolved) -> String {
    match r.place {
        Some(p) => format!("'{}'", model.places[p].spec.id),
        None => match &r.endpoint {
            Endpoint::Point { lat, lon } => format!("({lat:.6}, {lon:.6})"),
            Endpoint::Place(id) => id.clone(),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Instructions
// ---------------------------------------------------------------------------------------------

/// A run of pieces described by one instruction.
struct Group {
    kind: Option<EdgeKind>,
    name: Option<Bilingual>,
    first_edge: Option<usize>,
    length_m: f64,
    rise_m: f64,
    steps: f64,
    /// Heading when the group starts (`None` for elevators: a vertical ride has none).
    start_heading: Option<f64>,
    /// Heading when the group ends.
    end_heading: Option<f64>,
    /// Node the group starts at, if it starts on one.
    start_node: Option<usize>,
    /// Node reached at the end, if the group ends on one.
    end_node: Option<usize>,
    hints: Vec<Bilingual>,
}

/// The heading of a line at its start (or, `at_end`, at its end): the bearing of the chord
/// between the end and the point [`HEADING_SPAN_M`] along the line from it (the far end when
/// the line is shorter). `None` when the line is shorter than half a metre.
fn heading_of(points: &[[f64; 2]], at_end: bool) -> Option<f64> {
    let pts: Vec<[f64; 2]> = if at_end {
        points.iter().rev().copied().collect()
    } else {
        points.to_vec()
    };
    let end = *pts.first()?;
    let mut walked = 0.0;
    let mut far = end;
    for w in pts.windows(2) {
        let seg = haversine_m(w[0], w[1]);
        if walked + seg >= HEADING_SPAN_M && seg > 0.0 {
            let t = (HEADING_SPAN_M - walked) / seg;
            far = [
                w[0][0] + t * (w[1][0] - w[0][0]),
                w[0][1] + t * (w[1][1] - w[0][1]),
            ];
            break;
        }
        walked += seg;
        far = w[1];
    }
    if haversine_m(end, far) <= 0.5 {
        return None;
    }
    Some(if at_end {
        bearing_deg(far, end)
    } else {
        bearing_deg(end, far)
    })
}

/// Kinds that are walked along and described alike ("along Jialing Xinlu"): a named way that
/// changes between them (a road that becomes a walkway) stays one way.
fn walked_along(kind: EdgeKind) -> bool {
    matches!(kind, EdgeKind::Walkway | EdgeKind::Road | EdgeKind::Indoor)
}

/// Whether a walker at the node has no way to choose: exactly two open edges meet there.
fn no_choice_at(g: &Graph, node: usize) -> bool {
    g.adjacent(node)
        .iter()
        .filter(|a| !g.edges()[a.edge].closed)
        .count()
        == 2
}

fn round_m(d: f64) -> u32 {
    if d < 50.0 {
        ((d / 5.0).round() * 5.0).max(if d > 0.0 { 5.0 } else { 0.0 }) as u32
    } else {
        ((d / 10.0).round() * 10.0) as u32
    }
}

/// Splits the walked pieces into instructions. Consecutive edges join one group when they are
/// the same way: same kind and name (or one name over kinds that are walked along), named, or
/// unnamed going on straight or through a node that offers no other way; stairs, elevators and
/// crossings of one kind always join unless the climb changes direction. Hints are those of
/// each edge for the direction it is walked and the route's profile.
fn groups(g: &Graph, pieces: &[Piece], step_free_route: bool) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for piece in pieces {
        match *piece {
            Piece::Connector { a, b } => out.extend(connector_group(a, b)),
            Piece::Edge { edge, f0, f1 } => {
                let Some(next) = edge_group(g, edge, f0, f1, step_free_route) else {
                    continue;
                };
                if let Some(last) = out.last_mut() {
                    if joins(g, last, &next) {
                        absorb(last, next);
                        continue;
                    }
                }
                out.push(next);
            }
        }
    }
    out
}

/// The group of a straight connector between two points (`None` under a metre).
fn connector_group(a: [f64; 2], b: [f64; 2]) -> Option<Group> {
    let len = haversine_m(a, b);
    if len < 1.0 {
        return None;
    }
    let h = bearing_deg(a, b);
    Some(Group {
        kind: None,
        name: None,
        first_edge: None,
        length_m: len,
        rise_m: 0.0,
        steps: 0.0,
        start_heading: Some(h),
        end_heading: Some(h),
        start_node: None,
        end_node: None,
        hints: Vec::new(),
    })
}

/// The group of the part of `edge` walked from fraction `f0` to `f1` (`None` when nothing of
/// it is walked), with its hint for that direction and the route's profile.
fn edge_group(g: &Graph, edge: usize, f0: f64, f1: f64, step_free_route: bool) -> Option<Group> {
    let frac = (f1 - f0).abs();
    if frac <= 0.0 {
        return None;
    }
    let e = &g.edges()[edge];
    let forward = f1 >= f0;
    let geom = slice_polyline(&e.geometry, f0, f1);
    let (sh, eh) = if e.kind == EdgeKind::Elevator {
        (None, None)
    } else {
        (heading_of(&geom, false), heading_of(&geom, true))
    };
    let rise = if forward { e.rise_m() } else { -e.rise_m() } * frac;
    let steps = if e.kind == EdgeKind::Stairs {
        stair_steps(e) * frac
    } else {
        0.0
    };
    let node_at = |f: f64| {
        if f == 1.0 {
            Some(e.to_idx)
        } else if f == 0.0 {
            Some(e.from_idx)
        } else {
            None
        }
    };
    let hint = e.hint_walking(forward, step_free_route);
    Some(Group {
        kind: Some(e.kind),
        name: e.name.clone(),
        first_edge: Some(edge),
        length_m: frac * e.length_m,
        rise_m: rise,
        steps,
        start_heading: sh,
        end_heading: eh,
        start_node: node_at(f0),
        end_node: node_at(f1),
        hints: hint.into_iter().cloned().collect(),
    })
}

/// Whether an edge's group `next` continues the group `last` as one instruction.
fn joins(g: &Graph, last: &Group, next: &Group) -> bool {
    let kind = next.kind.expect("an edge's group has a kind");
    let same = last.kind.is_some_and(|k| {
        last.name == next.name
            && (k == kind || (next.name.is_some() && walked_along(k) && walked_along(kind)))
    });
    let turn = match (last.end_heading, next.start_heading) {
        (Some(a), Some(b)) => turn_deg(a, b).abs(),
        _ => 0.0,
    };
    // Same named way (any turn), or an unnamed one going on straight or through a node without
    // a choice. Stairs, elevators and crossings of one kind always merge.
    let mergeable = same
        && (next.name.is_some()
            || turn < 40.0
            || next.start_node.is_some_and(|n| no_choice_at(g, n))
            || matches!(
                kind,
                EdgeKind::Stairs | EdgeKind::Elevator | EdgeKind::Crossing
            ));
    // Stairs going up then down are told apart.
    let same_dir = kind != EdgeKind::Stairs && kind != EdgeKind::Elevator
        || (last.rise_m >= 0.0) == (next.rise_m >= 0.0);
    mergeable && same_dir
}

/// Adds an edge's group to the group it continues.
fn absorb(last: &mut Group, next: Group) {
    last.length_m += next.length_m;
    last.rise_m += next.rise_m;
    last.steps += next.steps;
    if next.end_heading.is_some() {
        last.end_heading = next.end_heading;
    }
    last.end_node = next.end_node;
    for h in next.hints {
        if !last.hints.contains(&h) {
            last.hints.push(h);
        }
    }
}

/// The words for a turn of `turn` degrees (positive: right). A route never walks back the way it
/// came, so the sharpest turns, onto another way at a junction, are "sharp" turns, never "turn
/// around".
fn turn_words(turn: f64) -> (&'static str, &'static str) {
    let a = turn.abs();
    let right = turn > 0.0;
    if a < 25.0 {
        ("Continue", "继续直行")
    } else if a < 60.0 {
        if right {
            ("Bear right", "向右前方")
        } else {
            ("Bear left", "向左前方")
        }
    } else if a < 150.0 {
        if right {
            ("Turn right", "右转")
        } else {
            ("Turn left", "左转")
        }
    } else if right {
        ("Turn sharp right", "向右后方转")
    } else {
        ("Turn sharp left", "向左后方转")
    }
}

fn place_name(model: &PlanningModel, r: &Resolved) -> Option<Bilingual> {
    r.place.map(|p| model.places[p].spec.name.clone())
}

/// Turn-by-turn instructions for the walked pieces, the arrival, and landmark hints for a
/// destination that is hard to find.
fn instructions(
    model: &PlanningModel,
    from: &Resolved,
    to: &Resolved,
    pieces: &[Piece],
    profile: Profile,
) -> Vec<Instruction> {
    let g = &model.graph;
    let step_free_route = profile == Profile::StepFree;
    let groups = groups(g, pieces, step_free_route);
    let mut out = Vec::with_capacity(groups.len() + 2);
    let from_name = place_name(model, from);
    let to_name = place_name(model, to);
    out.extend(
        (0..groups.len())
            .map(|i| group_instruction(g, &groups, i, from_name.as_ref(), to_name.as_ref())),
    );
    // Arrival.
    let (arr_en, arr_zh) = match &to_name {
        Some(nm) => (format!("Arrive at {}", nm.en), format!("到达{}", nm.zh)),
        None => (
            "Arrive at your destination".to_string(),
            "到达目的地".to_string(),
        ),
    };
    out.push(Instruction {
        zh: arr_zh,
        en: arr_en,
        edge_id: None,
        distance_m: 0.0,
    });
    if let Some(p) = to.place {
        if let Some(extra) = findability_hint(model, p, step_free_route) {
            out.push(extra);
        }
    }
    out
}

/// The instruction for group `i`: how it starts, what is walked and the landmark it leads to,
/// then its hints.
fn group_instruction(
    g: &Graph,
    groups: &[Group],
    i: usize,
    from_name: Option<&Bilingual>,
    to_name: Option<&Bilingual>,
) -> Instruction {
    let gr = &groups[i];
    let n = groups.len();
    let d = round_m(gr.length_m);
    // How the instruction starts: a heading for the first (and after an elevator, which has no
    // heading to turn from), a turn for the others.
    let prev_heading = i.checked_sub(1).and_then(|p| groups[p].end_heading);
    let lead = lead_words(i, prev_heading, gr.start_heading, from_name);
    let node = landmark_words(g, gr, i, n, from_name, to_name);
    let (mut en, mut zh) = match gr.kind {
        None => {
            let (lead_en, lead_zh) = &lead;
            if i == 0 && n > 1 {
                (
                    format!("{lead_en} and walk {d} m to the path"),
                    format!("{lead_zh}，步行{d}米到达道路"),
                )
            } else {
                (
                    format!("{lead_en} and walk {d} m to your destination"),
                    format!("{lead_zh}，步行{d}米到达目的地"),
                )
            }
        }
        Some(EdgeKind::Stairs) => stairs_words(gr, &lead, &node),
        Some(EdgeKind::Elevator) => {
            let (node_en, node_zh) = &node;
            let h = gr.rise_m.abs().round() as u32;
            let (dir_en, dir_zh) = if gr.rise_m >= 0.0 {
                ("up", "上行")
            } else {
                ("down", "下行")
            };
            (
                format!("Take the elevator {dir_en} {h} m{node_en}"),
                format!("乘电梯{dir_zh}{h}米{node_zh}"),
            )
        }
        Some(EdgeKind::Crossing) => crossing_words(gr, &lead, &node),
        Some(EdgeKind::Footbridge) => footbridge_words(gr, d, &lead, &node),
        Some(kind) => walk_words(gr, kind, d, &lead, &node),
    };
    for h in &gr.hints {
        en.push_str(&format!(". Hint: {}", h.en));
        zh.push_str(&format!("。提示：{}", h.zh));
    }
    Instruction {
        zh,
        en,
        edge_id: gr.first_edge.map(|e| g.edges()[e].id.clone()),
        distance_m: gr.length_m,
    }
}

/// How instruction `i` starts: from the start place (or a heading) for the first, a heading
/// when there is none to turn from, else the turn.
fn lead_words(
    i: usize,
    prev_heading: Option<f64>,
    start_heading: Option<f64>,
    from_name: Option<&Bilingual>,
) -> (String, String) {
    match (i, prev_heading, start_heading) {
        (0, _, _) => {
            let (c_en, c_zh) = compass(start_heading.unwrap_or(0.0));
            match from_name {
                Some(nm) => (
                    format!("From {}, head {c_en}", nm.en),
                    format!("从{}出发，向{c_zh}", nm.zh),
                ),
                None => (format!("Head {c_en}"), format!("向{c_zh}出发")),
            }
        }
        (_, None, Some(h)) => {
            let (c_en, c_zh) = compass(h);
            (format!("Head {c_en}"), format!("向{c_zh}"))
        }
        (_, Some(a), Some(b)) => {
            let (en, zh) = turn_words(turn_deg(a, b));
            (en.to_string(), zh.to_string())
        }
        _ => {
            let (en, zh) = turn_words(0.0);
            (en.to_string(), zh.to_string())
        }
    }
}

/// The words for the landmark group `i` (of `n`) leads to: never the name of where it starts
/// (the node, or the place it leaves from), nor the destination's name before the arrival.
/// Empty when there is none.
fn landmark_words(
    g: &Graph,
    gr: &Group,
    i: usize,
    n: usize,
    from_name: Option<&Bilingual>,
    to_name: Option<&Bilingual>,
) -> (String, String) {
    let node_name = |nidx: Option<usize>| nidx.and_then(|i| g.nodes()[i].name.as_ref());
    let mut start_names: Vec<&Bilingual> = node_name(gr.start_node).into_iter().collect();
    if i == 0 {
        start_names.extend(from_name);
    }
    let to_node = node_name(gr.end_node)
        .filter(|_| i + 1 < n || to_name.is_none())
        .filter(|nm| !start_names.iter().any(|s| s.en == nm.en || s.zh == nm.zh))
        .filter(|nm| to_name.is_none_or(|t| t.en != nm.en && t.zh != nm.zh))
        .cloned();
    let node_en = to_node
        .as_ref()
        .map(|x| format!(" to {}", x.en))
        .unwrap_or_default();
    let node_zh = to_node
        .as_ref()
        .map(|x| format!("，到达{}", x.zh))
        .unwrap_or_default();
    (node_en, node_zh)
}

/// Taking stairs up or down, with their name and number of steps.
fn stairs_words(gr: &Group, lead: &(String, String), node: &(String, String)) -> (String, String) {
    let ((lead_en, lead_zh), (node_en, node_zh)) = (lead, node);
    let steps = gr.steps.round() as u32;
    let up = gr.rise_m > 0.0;
    let named_en = gr
        .name
        .as_ref()
        .map(|x| format!(" ({})", x.en))
        .unwrap_or_default();
    let named_zh = gr.name.as_ref().map(|x| x.zh.clone()).unwrap_or_default();
    let (dir_en, dir_zh) = if up {
        ("up", "上行")
    } else {
        ("down", "下行")
    };
    (
        format!("{lead_en} and take the stairs{named_en} {dir_en} {steps} steps{node_en}"),
        format!("{lead_zh}，走{named_zh}台阶{dir_zh}{steps}级{node_zh}"),
    )
}

/// Crossing a road (or the named crossing).
fn crossing_words(
    gr: &Group,
    lead: &(String, String),
    node: &(String, String),
) -> (String, String) {
    let ((lead_en, lead_zh), (node_en, node_zh)) = (lead, node);
    let what_en = gr
        .name
        .as_ref()
        .map(|x| x.en.clone())
        .unwrap_or_else(|| "the road".into());
    let what_zh = gr
        .name
        .as_ref()
        .map(|x| x.zh.clone())
        .unwrap_or_else(|| "马路".into());
    (
        format!("{lead_en} and cross {what_en}{node_en}"),
        format!("{lead_zh}，穿过{what_zh}{node_zh}"),
    )
}

/// Crossing a footbridge of `d` metres.
fn footbridge_words(
    gr: &Group,
    d: u32,
    lead: &(String, String),
    node: &(String, String),
) -> (String, String) {
    let ((lead_en, lead_zh), (node_en, node_zh)) = (lead, node);
    let named_en = gr
        .name
        .as_ref()
        .map(|x| format!(" {}", x.en))
        .unwrap_or_default();
    let named_zh = gr
        .name
        .as_ref()
        .map(|x| x.zh.clone())
        .unwrap_or_else(|| "天桥".into());
    (
        format!("{lead_en} and cross the footbridge{named_en} ({d} m){node_en}"),
        format!("{lead_zh}，走过{named_zh}（{d}米）{node_zh}"),
    )
}

/// Walking `d` metres along a way of `kind` (named, through a building or along a road),
/// uphill or downhill when it is steep.
fn walk_words(
    gr: &Group,
    kind: EdgeKind,
    d: u32,
    lead: &(String, String),
    node: &(String, String),
) -> (String, String) {
    let ((lead_en, lead_zh), (node_en, node_zh)) = (lead, node);
    let (along_en, along_zh) = match (&gr.name, kind) {
        (Some(nm), _) => (format!(" along {}", nm.en), format!("沿{}", nm.zh)),
        (None, EdgeKind::Indoor) => (" through the building".to_string(), "穿过建筑".to_string()),
        (None, EdgeKind::Road) => (" along the road".to_string(), "沿马路".to_string()),
        _ => (String::new(), String::new()),
    };
    let slope_en = if gr.length_m > 0.0 && gr.rise_m / gr.length_m > 0.06 {
        " uphill"
    } else if gr.length_m > 0.0 && gr.rise_m / gr.length_m < -0.06 {
        " downhill"
    } else {
        ""
    };
    let slope_zh = match slope_en {
        " uphill" => "上坡",
        " downhill" => "下坡",
        _ => "",
    };
    (
        format!("{lead_en}{along_en} and walk {d} m{slope_en}{node_en}"),
        format!("{lead_zh}，{along_zh}{slope_zh}步行{d}米{node_zh}"),
    )
}

/// Whether visitors rate the place hard to find.
pub(crate) fn hard_to_find(model: &PlanningModel, place: usize) -> bool {
    let id = &model.places[place].spec.id;
    model
        .stats
        .get(id)
        .is_some_and(|s| s.findability().is_some_and(|f| f < LOW_FINDABILITY))
}

/// Extra landmark hints for a destination that visitors rate hard to find: the nearest named
/// node, its distance and bearing, the hints of the open ways into the place's node (for walking
/// towards it, and step-free-only ones on step-free routes only), and its Chinese name to ask
/// for.
fn findability_hint(
    model: &PlanningModel,
    place: usize,
    step_free_route: bool,
) -> Option<Instruction> {
    if !hard_to_find(model, place) {
        return None;
    }
    let p = &model.places[place];
    let g = &model.graph;
    let at = g.nodes()[p.node_idx].position();
    let z = g.nodes()[p.node_idx].elevation_m;
    // Nearest by walking sense: a landmark on another level (a street 100 m below) is no help,
    // so each metre of height counts as LANDMARK_HEIGHT_WEIGHT metres of distance.
    let landmark = g
        .nodes()
        .iter()
        .filter(|n| n.name.as_ref().is_some_and(|nm| nm != &p.spec.name))
        .map(|n| {
            let d = haversine_m(n.position(), at);
            (d + LANDMARK_HEIGHT_WEIGHT * (n.elevation_m - z).abs(), d, n)
        })
        .filter(|(_, d, _)| *d <= LANDMARK_RADIUS_M)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, d, n)| (d, n));
    let name = &p.spec.name;
    let (mut en, mut zh) = match landmark {
        Some((d, n)) if d >= 5.0 => {
            let (c_en, c_zh) = compass(bearing_deg(n.position(), at));
            let lm = n.name.as_ref().expect("filtered on names");
            (
                format!(
                    "{} is easy to miss: it is about {} m {c_en} of {}",
                    name.en,
                    round_m(d),
                    lm.en
                ),
                format!(
                    "{}不易找到：位于{}{c_zh}方向约{}米处",
                    name.zh,
                    lm.zh,
                    round_m(d)
                ),
            )
        }
        Some((_, n)) => {
            let lm = n.name.as_ref().expect("filtered on names");
            (
                format!("{} is easy to miss: look for it at {}", name.en, lm.en),
                format!("{}不易找到：就在{}", name.zh, lm.zh),
            )
        }
        None => (
            format!("{} is easy to miss", name.en),
            format!("{}不易找到", name.zh),
        ),
    };
    let mut hints: Vec<&Bilingual> = Vec::new();
    for a in g.adjacent(p.node_idx) {
        let e = &g.edges()[a.edge];
        if e.closed || (step_free_route && !e.step_free) {
            continue;
        }
        // `a.forward` leads away from the place; arriving walks the edge the other way.
        if let Some(h) = e.hint_walking(!a.forward, step_free_route) {
            if !hints.contains(&h) {
                hints.push(h);
            }
        }
    }
    for h in hints {
        en.push_str(&format!(". {}", h.en));
        zh.push_str(&format!("。{}", h.zh));
    }
    en.push_str(&format!(". Ask for \u{201c}{}\u{201d}", name.zh));
    zh.push('。');
    Some(Instruction {
        zh,
        en,
        edge_id: None,
        distance_m: 0.0,
    })
}
