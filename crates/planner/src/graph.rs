//! The pedestrian graph: nodes (junctions, landmarks, place entrances) and edges (walkways,
//! stairs, footbridges, elevators, crossings, roads, indoor passages), walkable both ways.
//!
//! [`Graph::build`] validates the seed's nodes and edges once and derives each edge's length
//! (sum of haversine segment lengths, metres) and climb (from the node elevations, metres).

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::geodesy::{haversine_m, polyline_length_m};
use crate::types::Bilingual;

/// How far in metres an edge's first and last positions may lie from its `from` and `to` nodes.
pub const MAX_ENDPOINT_OFFSET_M: f64 = 3.0;

/// What kind of way an edge is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// A footway, lane or path.
    Walkway,
    /// A flight of stairs (`steps` > 0 when the count is known).
    Stairs,
    /// A footbridge.
    Footbridge,
    /// An elevator: a short vertical edge.
    Elevator,
    /// A road crossing (zebra or signalised).
    Crossing,
    /// Walking along a road.
    Road,
    /// A passage through a building.
    Indoor,
}

impl EdgeKind {
    /// All kinds, in declaration order.
    pub const ALL: [EdgeKind; 7] = [
        EdgeKind::Walkway,
        EdgeKind::Stairs,
        EdgeKind::Footbridge,
        EdgeKind::Elevator,
        EdgeKind::Crossing,
        EdgeKind::Road,
        EdgeKind::Indoor,
    ];

    /// The snake_case name used in the seed and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Walkway => "walkway",
            EdgeKind::Stairs => "stairs",
            EdgeKind::Footbridge => "footbridge",
            EdgeKind::Elevator => "elevator",
            EdgeKind::Crossing => "crossing",
            EdgeKind::Road => "road",
            EdgeKind::Indoor => "indoor",
        }
    }

    /// Parses a snake_case name.
    pub fn parse(s: &str) -> Option<EdgeKind> {
        EdgeKind::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for EdgeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A node as the seed gives it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeSpec {
    /// Unique node id.
    pub id: String,
    /// Longitude in degrees (WGS84).
    pub lon: f64,
    /// Latitude in degrees (WGS84).
    pub lat: f64,
    /// Elevation in metres above sea level.
    pub elevation_m: f64,
    /// A landmark name used in directions.
    #[serde(default)]
    pub name: Option<Bilingual>,
}

/// An edge as the seed gives it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EdgeSpec {
    /// Unique edge id.
    pub id: String,
    /// Id of the node the geometry starts at.
    pub from: String,
    /// Id of the node the geometry ends at.
    pub to: String,
    /// What kind of way it is.
    pub kind: EdgeKind,
    /// `[lon, lat]` positions in degrees from `from` to `to`, endpoints included.
    pub geometry: Vec<[f64; 2]>,
    /// Number of steps (stairs only; 0 when unknown or not stairs).
    #[serde(default)]
    pub steps: u32,
    /// Whether a wheelchair or pushchair can use it.
    #[serde(default)]
    pub step_free: bool,
    /// Street or stairway name.
    #[serde(default)]
    pub name: Option<Bilingual>,
    /// A wayfinding hint naming a landmark, for hard-to-find ways, written for walking from
    /// `from` to `to`.
    #[serde(default)]
    pub hint: Option<Bilingual>,
    /// The hint for walking the other way, from `to` to `from`.
    #[serde(default)]
    pub hint_reverse: Option<Bilingual>,
    /// `hint` reads right in both directions and is shown either way (`hint_reverse` is then
    /// empty).
    #[serde(default)]
    pub hint_both_ways: bool,
    /// The hints describe the step-free way and are shown on step-free routes only.
    #[serde(default)]
    pub hint_step_free: bool,
    /// Closed ways are kept in the graph but never routed over.
    #[serde(default)]
    pub closed: bool,
}

/// A validated node.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Node {
    /// Unique node id.
    pub id: String,
    /// Longitude in degrees.
    pub lon: f64,
    /// Latitude in degrees.
    pub lat: f64,
    /// Elevation in metres above sea level.
    pub elevation_m: f64,
    /// A landmark name used in directions.
    pub name: Option<Bilingual>,
}

impl Node {
    /// `[lon, lat]` in degrees.
    pub fn position(&self) -> [f64; 2] {
        [self.lon, self.lat]
    }
}

/// A validated edge with its derived length and climb.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Edge {
    /// Unique edge id.
    pub id: String,
    /// Id of the node the geometry starts at.
    pub from: String,
    /// Id of the node the geometry ends at.
    pub to: String,
    /// What kind of way it is.
    pub kind: EdgeKind,
    /// `[lon, lat]` positions in degrees from `from` to `to`.
    pub geometry: Vec<[f64; 2]>,
    /// Number of steps (stairs only; 0 when unknown).
    pub steps: u32,
    /// Whether a wheelchair or pushchair can use it.
    pub step_free: bool,
    /// Street or stairway name.
    pub name: Option<Bilingual>,
    /// Wayfinding hint naming a landmark, for walking from `from` to `to`.
    pub hint: Option<Bilingual>,
    /// Wayfinding hint for walking from `to` to `from`.
    pub hint_reverse: Option<Bilingual>,
    /// `hint` is shown in both directions.
    pub hint_both_ways: bool,
    /// The hints are shown on step-free routes only.
    pub hint_step_free: bool,
    /// Closed ways are never routed over.
    pub closed: bool,
    /// Index of the `from` node in [`Graph::nodes`].
    pub from_idx: usize,
    /// Index of the `to` node in [`Graph::nodes`].
    pub to_idx: usize,
    /// Horizontal length in metres: the sum of the haversine lengths of the geometry's segments.
    pub length_m: f64,
    /// Climb in metres walking from `from` to `to` (0 when going down).
    pub ascent_m: f64,
    /// Drop in metres walking from `from` to `to` (0 when going up).
    pub descent_m: f64,
}

impl Edge {
    /// Signed height change in metres walking from `from` to `to`.
    pub fn rise_m(&self) -> f64 {
        self.ascent_m - self.descent_m
    }

    /// The hint to show when walking the edge forward (`from` → `to`) or not, on a step-free
    /// route or not: `hint` forward, `hint_reverse` backward (or `hint` when it reads both
    /// ways); none at all on other routes when the hints are step-free only.
    pub fn hint_walking(&self, forward: bool, step_free_route: bool) -> Option<&Bilingual> {
        if self.hint_step_free && !step_free_route {
            return None;
        }
        if forward || self.hint_both_ways {
            self.hint.as_ref()
        } else {
            self.hint_reverse.as_ref()
        }
    }

    /// The node reached when entering the edge at `node_idx`.
    pub fn other(&self, node_idx: usize) -> usize {
        if node_idx == self.from_idx {
            self.to_idx
        } else {
            self.from_idx
        }
    }
}

/// Why a graph was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{id}: {field}: {message}")]
pub struct GraphError {
    /// The node or edge id at fault.
    pub id: String,
    /// The field at fault (`id`, `lon`, `lat`, `elevation_m`, `from`, `to`, `geometry`, `steps`,
    /// `step_free`, `hint_reverse`, `hint_both_ways`, `hint_step_free`).
    pub field: &'static str,
    /// What is wrong, in words.
    pub message: String,
}

fn gerr(id: &str, field: &'static str, message: impl Into<String>) -> GraphError {
    GraphError {
        id: id.to_string(),
        field,
        message: message.into(),
    }
}

/// One entry of a node's adjacency list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Adjacent {
    /// Index of the edge in [`Graph::edges`].
    pub edge: usize,
    /// Index of the node at the edge's other end.
    pub node: usize,
    /// Whether walking to `node` follows the edge's geometry (from → to).
    pub forward: bool,
}

/// The validated pedestrian graph. Immutable once built.
#[derive(Clone, Debug)]
pub struct Graph {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    node_ids: HashMap<String, usize>,
    edge_ids: HashMap<String, usize>,
    adjacency: Vec<Vec<Adjacent>>,
}

fn check_lon_lat(id: &str, lon: f64, lat: f64) -> Result<(), GraphError> {
    if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
        return Err(gerr(
            id,
            "lon",
            format!("longitude {lon} is not a finite value in [-180, 180]"),
        ));
    }
    if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
        return Err(gerr(
            id,
            "lat",
            format!("latitude {lat} is not a finite value in [-90, 90]"),
        ));
    }
    Ok(())
}

/// The nodes, checked (ids present and unique, finite coordinates and elevations), with the
/// index of each id.
fn build_nodes(nodes: Vec<NodeSpec>) -> Result<(Vec<Node>, HashMap<String, usize>), GraphError> {
    let mut node_ids = HashMap::with_capacity(nodes.len());
    let mut out_nodes = Vec::with_capacity(nodes.len());
    for n in nodes {
        if n.id.is_empty() {
            return Err(gerr(&n.id, "id", "node id is empty"));
        }
        check_lon_lat(&n.id, n.lon, n.lat)?;
        if !n.elevation_m.is_finite() {
            return Err(gerr(
                &n.id,
                "elevation_m",
                "elevation is not a finite number",
            ));
        }
        if node_ids.insert(n.id.clone(), out_nodes.len()).is_some() {
            return Err(gerr(&n.id, "id", format!("duplicate node id '{}'", n.id)));
        }
        out_nodes.push(Node {
            id: n.id,
            lon: n.lon,
            lat: n.lat,
            elevation_m: n.elevation_m,
            name: n.name,
        });
    }
    Ok((out_nodes, node_ids))
}

/// Checks an edge's geometry: at least two finite positions, its ends within
/// [`MAX_ENDPOINT_OFFSET_M`] of its nodes.
fn check_geometry(e: &EdgeSpec, from_node: &Node, to_node: &Node) -> Result<(), GraphError> {
    if e.geometry.len() < 2 {
        return Err(gerr(
            &e.id,
            "geometry",
            format!(
                "geometry has {} position(s); at least 2 are needed",
                e.geometry.len()
            ),
        ));
    }
    for p in &e.geometry {
        if !p[0].is_finite()
            || !p[1].is_finite()
            || !(-180.0..=180.0).contains(&p[0])
            || !(-90.0..=90.0).contains(&p[1])
        {
            return Err(gerr(
                &e.id,
                "geometry",
                format!("position [{}, {}] is not a finite [lon, lat]", p[0], p[1]),
            ));
        }
    }
    let d_start = haversine_m(e.geometry[0], from_node.position());
    if d_start > MAX_ENDPOINT_OFFSET_M {
        return Err(gerr(
            &e.id,
            "geometry",
            format!(
                "first position lies {d_start:.1} m from node '{}' (at most {MAX_ENDPOINT_OFFSET_M} m)",
                from_node.id
            ),
        ));
    }
    let d_end = haversine_m(*e.geometry.last().expect("len >= 2"), to_node.position());
    if d_end > MAX_ENDPOINT_OFFSET_M {
        return Err(gerr(
            &e.id,
            "geometry",
            format!(
                "last position lies {d_end:.1} m from node '{}' (at most {MAX_ENDPOINT_OFFSET_M} m)",
                to_node.id
            ),
        ));
    }
    Ok(())
}

/// Checks an edge's steps (stairs only, never step-free) and its hint flags.
fn check_steps_and_hints(e: &EdgeSpec) -> Result<(), GraphError> {
    if e.steps > 0 && e.kind != EdgeKind::Stairs {
        return Err(gerr(
            &e.id,
            "steps",
            format!(
                "{} steps on a {} edge; only stairs have steps",
                e.steps, e.kind
            ),
        ));
    }
    if e.kind == EdgeKind::Stairs && e.step_free {
        return Err(gerr(&e.id, "step_free", "stairs cannot be step-free"));
    }
    if e.hint_both_ways && e.hint.is_none() {
        return Err(gerr(
            &e.id,
            "hint_both_ways",
            "hint_both_ways is set but there is no hint",
        ));
    }
    if e.hint_both_ways && e.hint_reverse.is_some() {
        return Err(gerr(
            &e.id,
            "hint_reverse",
            "a hint shown both ways leaves no room for a reverse hint",
        ));
    }
    if e.hint_step_free && e.hint.is_none() && e.hint_reverse.is_none() {
        return Err(gerr(
            &e.id,
            "hint_step_free",
            "hint_step_free is set but there is no hint",
        ));
    }
    if e.hint_step_free && !e.step_free {
        return Err(gerr(
            &e.id,
            "hint_step_free",
            "step-free-only hints on an edge that is not step-free would never be shown",
        ));
    }
    Ok(())
}

impl Graph {
    /// Validates nodes and edges and derives lengths and climbs.
    ///
    /// Refuses: duplicate node or edge ids, empty ids, non-finite or out-of-range coordinates or
    /// elevations, edges naming unknown nodes or the same node at both ends, geometries with fewer
    /// than two positions or whose ends lie more than [`MAX_ENDPOINT_OFFSET_M`] from their nodes,
    /// `steps` > 0 on anything but stairs, stairs marked step-free, `hint_both_ways` without a
    /// `hint` or together with a `hint_reverse`, and `hint_step_free` without any hint or on an
    /// edge that is not step-free.
    pub fn build(nodes: Vec<NodeSpec>, edges: Vec<EdgeSpec>) -> Result<Graph, GraphError> {
        let (out_nodes, node_ids) = build_nodes(nodes)?;
        let mut edge_ids = HashMap::with_capacity(edges.len());
        let mut out_edges = Vec::with_capacity(edges.len());
        let mut adjacency = vec![Vec::new(); out_nodes.len()];
        for e in edges {
            if e.id.is_empty() {
                return Err(gerr(&e.id, "id", "edge id is empty"));
            }
            if edge_ids.contains_key(&e.id) {
                return Err(gerr(&e.id, "id", format!("duplicate edge id '{}'", e.id)));
            }
            let from_idx = *node_ids
                .get(&e.from)
                .ok_or_else(|| gerr(&e.id, "from", format!("unknown node '{}'", e.from)))?;
            let to_idx = *node_ids
                .get(&e.to)
                .ok_or_else(|| gerr(&e.id, "to", format!("unknown node '{}'", e.to)))?;
            if from_idx == to_idx {
                return Err(gerr(&e.id, "to", "edge starts and ends at the same node"));
            }
            let from_node = &out_nodes[from_idx];
            let to_node = &out_nodes[to_idx];
            check_geometry(&e, from_node, to_node)?;
            check_steps_and_hints(&e)?;
            let rise = to_node.elevation_m - from_node.elevation_m;
            let idx = out_edges.len();
            edge_ids.insert(e.id.clone(), idx);
            adjacency[from_idx].push(Adjacent {
                edge: idx,
                node: to_idx,
                forward: true,
            });
            adjacency[to_idx].push(Adjacent {
                edge: idx,
                node: from_idx,
                forward: false,
            });
            out_edges.push(Edge {
                length_m: polyline_length_m(&e.geometry),
                ascent_m: rise.max(0.0),
                descent_m: (-rise).max(0.0),
                id: e.id,
                from: e.from,
                to: e.to,
                kind: e.kind,
                geometry: e.geometry,
                steps: e.steps,
                step_free: e.step_free,
                name: e.name,
                hint: e.hint,
                hint_reverse: e.hint_reverse,
                hint_both_ways: e.hint_both_ways,
                hint_step_free: e.hint_step_free,
                closed: e.closed,
                from_idx,
                to_idx,
            });
        }
        Ok(Graph {
            nodes: out_nodes,
            edges: out_edges,
            node_ids,
            edge_ids,
            adjacency,
        })
    }

    /// All nodes, in input order.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// All edges, in input order.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// Index of the node with this id.
    pub fn node_index(&self, id: &str) -> Option<usize> {
        self.node_ids.get(id).copied()
    }

    /// Index of the edge with this id.
    pub fn edge_index(&self, id: &str) -> Option<usize> {
        self.edge_ids.get(id).copied()
    }

    /// The edges at a node (open and closed), with the node at their other end.
    pub fn adjacent(&self, node_idx: usize) -> &[Adjacent] {
        &self.adjacency[node_idx]
    }

    /// Connected components over open (not closed) edges, as node indices in ascending order;
    /// the largest component first (ties: the one holding the smallest node index first).
    pub fn components(&self) -> Vec<Vec<usize>> {
        let n = self.nodes.len();
        let mut comp = vec![usize::MAX; n];
        let mut out: Vec<Vec<usize>> = Vec::new();
        let mut stack = Vec::new();
        for s in 0..n {
            if comp[s] != usize::MAX {
                continue;
            }
            let c = out.len();
            comp[s] = c;
            stack.push(s);
            let mut members = Vec::new();
            while let Some(u) = stack.pop() {
                members.push(u);
                for a in &self.adjacency[u] {
                    if !self.edges[a.edge].closed && comp[a.node] == usize::MAX {
                        comp[a.node] = c;
                        stack.push(a.node);
                    }
                }
            }
            members.sort_unstable();
            out.push(members);
        }
        out.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Metres per degree of latitude (for building test geometry).
    pub const M_PER_DEG: f64 = 111_195.08;

    /// A node `x_m` east and `y_m` north of (106.53, 29.55), `z_m` high.
    pub fn node(id: &str, x_m: f64, y_m: f64, z_m: f64) -> NodeSpec {
        let lat0: f64 = 29.55;
        NodeSpec {
            id: id.into(),
            lon: 106.53 + x_m / (M_PER_DEG * lat0.to_radians().cos()),
            lat: lat0 + y_m / M_PER_DEG,
            elevation_m: z_m,
            name: None,
        }
    }

    /// A straight edge between two test nodes.
    pub fn edge(id: &str, a: &NodeSpec, b: &NodeSpec, kind: EdgeKind) -> EdgeSpec {
        EdgeSpec {
            id: id.into(),
            from: a.id.clone(),
            to: b.id.clone(),
            kind,
            geometry: vec![[a.lon, a.lat], [b.lon, b.lat]],
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

    //   a ──100 m── b        d ── e      (d–e closed)
    //                \
    //                 c
    fn sample() -> (Vec<NodeSpec>, Vec<EdgeSpec>) {
        let a = node("a", 0.0, 0.0, 300.0);
        let b = node("b", 100.0, 0.0, 310.0);
        let c = node("c", 150.0, -50.0, 290.0);
        let d = node("d", 500.0, 0.0, 300.0);
        let e = node("e", 600.0, 0.0, 300.0);
        let mut de = edge("de", &d, &e, EdgeKind::Walkway);
        de.closed = true;
        let edges = vec![
            edge("ab", &a, &b, EdgeKind::Walkway),
            edge("bc", &b, &c, EdgeKind::Walkway),
            de,
        ];
        (vec![a, b, c, d, e], edges)
    }

    #[test]
    fn builds_lengths_and_climb() {
        let (n, e) = sample();
        let g = Graph::build(n, e).unwrap();
        let ab = &g.edges()[g.edge_index("ab").unwrap()];
        assert!((ab.length_m - 100.0).abs() < 0.01, "{}", ab.length_m);
        assert_eq!(ab.ascent_m, 10.0);
        assert_eq!(ab.descent_m, 0.0);
        let bc = &g.edges()[1];
        assert_eq!(bc.descent_m, 20.0);
        assert_eq!(g.node_index("c"), Some(2));
        assert_eq!(g.node_index("zz"), None);
    }

    #[test]
    fn components_ignore_closed_edges() {
        let (n, e) = sample();
        let g = Graph::build(n, e).unwrap();
        assert_eq!(g.components(), vec![vec![0, 1, 2], vec![3], vec![4]]);
    }

    fn refused(f: impl FnOnce(&mut Vec<NodeSpec>, &mut Vec<EdgeSpec>)) -> GraphError {
        let (mut n, mut e) = sample();
        f(&mut n, &mut e);
        Graph::build(n, e).unwrap_err()
    }

    #[test]
    fn validation_errors_name_id_and_field() {
        let err = refused(|n, _| n[1].id = "a".into());
        assert_eq!((err.id.as_str(), err.field), ("a", "id"));
        let err = refused(|_, e| e[1].id = "ab".into());
        assert_eq!((err.id.as_str(), err.field), ("ab", "id"));
        let err = refused(|_, e| e[0].from = "nowhere".into());
        assert_eq!((err.id.as_str(), err.field), ("ab", "from"));
        let err = refused(|_, e| e[0].to = "nowhere".into());
        assert_eq!(err.field, "to");
        let err = refused(|_, e| e[0].geometry.truncate(1));
        assert_eq!(err.field, "geometry");
        let err = refused(|_, e| e[0].geometry[1][0] += 0.0001); // ~10 m off
        assert_eq!(err.field, "geometry");
        assert!(err.message.contains("'b'"), "{}", err.message);
        let err = refused(|n, _| n[2].lat = f64::NAN);
        assert_eq!((err.id.as_str(), err.field), ("c", "lat"));
        let err = refused(|n, _| n[2].elevation_m = f64::INFINITY);
        assert_eq!(err.field, "elevation_m");
        let err = refused(|_, e| e[1].geometry[0][1] = f64::NAN);
        assert_eq!(err.field, "geometry");
        let err = refused(|_, e| e[1].steps = 12);
        assert_eq!((err.id.as_str(), err.field), ("bc", "steps"));
        let err = refused(|_, e| {
            e[1].kind = EdgeKind::Stairs;
            e[1].step_free = true;
        });
        assert_eq!(err.field, "step_free");
        assert!(err.to_string().starts_with("bc: step_free: "));
        let hint = Some(Bilingual::new("提示", "hint"));
        let err = refused(|_, e| e[1].hint_both_ways = true);
        assert_eq!((err.id.as_str(), err.field), ("bc", "hint_both_ways"));
        let err = refused(|_, e| {
            e[1].hint = hint.clone();
            e[1].hint_reverse = hint.clone();
            e[1].hint_both_ways = true;
        });
        assert_eq!(err.field, "hint_reverse");
        let err = refused(|_, e| e[1].hint_step_free = true);
        assert_eq!(err.field, "hint_step_free");
        let err = refused(|_, e| {
            e[1].kind = EdgeKind::Stairs;
            e[1].step_free = false;
            e[1].hint_reverse = hint.clone();
            e[1].hint_step_free = true;
        });
        assert_eq!((err.id.as_str(), err.field), ("bc", "hint_step_free"));
    }

    #[test]
    fn endpoints_within_three_metres_are_accepted() {
        let (n, mut e) = sample();
        e[0].geometry[1][1] += 2.0 / M_PER_DEG;
        assert!(Graph::build(n, e).is_ok());
    }

    #[test]
    fn edge_kind_names_round_trip() {
        for k in EdgeKind::ALL {
            assert_eq!(EdgeKind::parse(k.as_str()), Some(k));
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
        }
        assert_eq!(EdgeKind::parse("ladder"), None);
    }
}
