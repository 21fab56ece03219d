//! Shortest paths: Dijkstra over the cost tables, forward (from sources) and reverse (to
//! targets), with the `easy` profile's bounded-detour rule.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::cost::{CostTable, Profile, EASY_MAX_DETOUR_EXTRA_S, EASY_MAX_DETOUR_FACTOR};
use crate::graph::Graph;

const NO_EDGE: u32 = u32::MAX;

/// Where a search starts (forward) or ends (reverse), with the cost and time already spent
/// getting there (e.g. from a snapped point along part of an edge).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Seed {
    /// Node index.
    pub node: usize,
    /// Search cost in seconds already spent.
    pub cost_s: f64,
    /// Walking time in seconds already spent.
    pub time_s: f64,
}

impl Seed {
    /// A seed at a node with nothing spent.
    pub fn at(node: usize) -> Seed {
        Seed {
            node,
            cost_s: 0.0,
            time_s: 0.0,
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
struct HeapItem {
    cost: f64,
    node: u32,
}

impl Eq for HeapItem {}

impl Ord for HeapItem {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .cost
            .total_cmp(&self.cost)
            .then_with(|| other.node.cmp(&self.node))
    }
}

impl PartialOrd for HeapItem {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A shortest-path tree of one Dijkstra search.
///
/// Forward trees hold, per node, the cheapest cost from the seeds and the edge it was reached
/// by; reverse trees hold the cheapest cost to the seeds and the first edge to take.
#[derive(Clone, Debug)]
pub struct Tree {
    reverse: bool,
    cost_s: Vec<f64>,
    time_s: Vec<f64>,
    pred: Vec<u32>,
    /// Which seed each node's path starts (forward) or ends (reverse) at.
    seed_of: Vec<u32>,
}

impl Tree {
    /// Runs Dijkstra from `seeds` (forward) or towards `seeds` (reverse: costs are of walking
    /// from each node to a seed).
    pub fn search(graph: &Graph, table: &CostTable, seeds: &[Seed], reverse: bool) -> Tree {
        let n = graph.nodes().len();
        let mut cost = vec![f64::INFINITY; n];
        let mut time = vec![f64::INFINITY; n];
        let mut pred = vec![NO_EDGE; n];
        let mut seed_of = vec![u32::MAX; n];
        let mut heap = BinaryHeap::with_capacity(64);
        for (i, s) in seeds.iter().enumerate() {
            if s.cost_s < cost[s.node] {
                cost[s.node] = s.cost_s;
                time[s.node] = s.time_s;
                pred[s.node] = NO_EDGE;
                seed_of[s.node] = i as u32;
                heap.push(HeapItem {
                    cost: s.cost_s,
                    node: s.node as u32,
                });
            }
        }
        while let Some(HeapItem { cost: c, node }) = heap.pop() {
            let u = node as usize;
            if c > cost[u] {
                continue;
            }
            for a in graph.adjacent(u) {
                // Forward: walk u → a.node. Reverse: walk a.node → u.
                let walk_forward = if reverse { !a.forward } else { a.forward };
                let Some(t) = table.get(a.edge, walk_forward) else {
                    continue;
                };
                let nc = c + t.cost_s;
                let v = a.node;
                if nc < cost[v] {
                    cost[v] = nc;
                    time[v] = time[u] + t.time_s;
                    pred[v] = a.edge as u32;
                    seed_of[v] = seed_of[u];
                    heap.push(HeapItem {
                        cost: nc,
                        node: v as u32,
                    });
                }
            }
        }
        Tree {
            reverse,
            cost_s: cost,
            time_s: time,
            pred,
            seed_of,
        }
    }

    /// Search cost in seconds to (forward) or from (reverse) a node; infinite when unreachable.
    pub fn cost_s(&self, node: usize) -> f64 {
        self.cost_s[node]
    }

    /// Walking time in seconds along the cheapest path; infinite when unreachable.
    pub fn time_s(&self, node: usize) -> f64 {
        self.time_s[node]
    }

    /// Whether a node is reachable.
    pub fn reaches(&self, node: usize) -> bool {
        self.cost_s[node].is_finite()
    }

    /// Index of the seed the node's path starts or ends at.
    pub fn seed_of(&self, node: usize) -> Option<usize> {
        let s = self.seed_of[node];
        (s != u32::MAX).then_some(s as usize)
    }

    /// The path as `(edge index, walked forward)` steps in walking order: from the seed to
    /// `node` for a forward tree, from `node` to the seed for a reverse tree. `None` when
    /// unreachable.
    pub fn path(&self, graph: &Graph, node: usize) -> Option<Vec<(usize, bool)>> {
        if !self.reaches(node) {
            return None;
        }
        let mut out = Vec::new();
        let mut v = node;
        while self.pred[v] != NO_EDGE {
            let e = self.pred[v] as usize;
            let edge = &graph.edges()[e];
            let u = edge.other(v);
            if self.reverse {
                // Walking v → u.
                out.push((e, edge.from_idx == v));
            } else {
                // Walked u → v.
                out.push((e, edge.from_idx == u));
            }
            v = u;
        }
        if !self.reverse {
            out.reverse();
        }
        Some(out)
    }
}

/// A route search for a profile: one tree, or for `easy` the easy tree plus the standard one,
/// choosing per node whichever the bounded-detour rule allows.
#[derive(Clone, Debug)]
pub struct Routes {
    primary: Tree,
    /// Standard-profile tree, kept for the `easy` profile only.
    fallback: Option<Tree>,
}

impl Routes {
    /// Searches from (or, with `reverse`, towards) `seeds` under `table`'s profile.
    /// `standard` is the standard profile's table, used by `easy` for its detour bound.
    pub fn search(
        graph: &Graph,
        table: &CostTable,
        standard: &CostTable,
        seeds: &[Seed],
        reverse: bool,
    ) -> Routes {
        let primary = Tree::search(graph, table, seeds, reverse);
        let fallback = (table.profile == Profile::Easy).then(|| {
            let std_seeds: Vec<Seed> = seeds
                .iter()
                .map(|s| Seed {
                    cost_s: s.time_s,
                    ..*s
                })
                .collect();
            Tree::search(graph, standard, &std_seeds, reverse)
        });
        Routes { primary, fallback }
    }

    fn tree_for(&self, node: usize) -> &Tree {
        match &self.fallback {
            Some(std) if std.reaches(node) => {
                let easy_t = self.primary.time_s(node);
                if easy_t > EASY_MAX_DETOUR_FACTOR * std.time_s(node) + EASY_MAX_DETOUR_EXTRA_S {
                    std
                } else {
                    &self.primary
                }
            }
            _ => &self.primary,
        }
    }

    /// Walking time in seconds to (or from) a node; infinite when unreachable.
    pub fn time_s(&self, node: usize) -> f64 {
        self.tree_for(node).time_s(node)
    }

    /// Whether a node is reachable.
    pub fn reaches(&self, node: usize) -> bool {
        self.primary.reaches(node)
    }

    /// Which seed the node's path starts or ends at.
    pub fn seed_of(&self, node: usize) -> Option<usize> {
        self.tree_for(node).seed_of(node)
    }

    /// The path in walking order (see [`Tree::path`]).
    pub fn path(&self, graph: &Graph, node: usize) -> Option<Vec<(usize, bool)>> {
        self.tree_for(node).path(graph, node)
    }
}

/// All-pairs walking times between a set of nodes for one profile, with the search trees kept
/// for path reconstruction. Built once per snapshot.
#[derive(Clone, Debug)]
pub struct Matrix {
    /// The node indices, in matrix order.
    nodes: Vec<usize>,
    /// `time_s[i * n + j]`: seconds from `nodes[i]` to `nodes[j]`; infinite when unreachable.
    time_s: Vec<f64>,
    trees: Vec<Routes>,
}

impl Matrix {
    /// Runs one search per node.
    pub fn build(
        graph: &Graph,
        table: &CostTable,
        standard: &CostTable,
        nodes: Vec<usize>,
    ) -> Self {
        let n = nodes.len();
        let mut time_s = vec![f64::INFINITY; n * n];
        let mut trees = Vec::with_capacity(n);
        for (i, &src) in nodes.iter().enumerate() {
            let r = Routes::search(graph, table, standard, &[Seed::at(src)], false);
            for (j, &dst) in nodes.iter().enumerate() {
                time_s[i * n + j] = r.time_s(dst);
            }
            trees.push(r);
        }
        Matrix {
            nodes,
            time_s,
            trees,
        }
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the matrix is empty.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Seconds from matrix entry `i` to `j`.
    #[inline]
    pub fn time_s(&self, i: usize, j: usize) -> f64 {
        self.time_s[i * self.nodes.len() + j]
    }

    /// The search tree from matrix entry `i`.
    pub fn routes_from(&self, i: usize) -> &Routes {
        &self.trees[i]
    }

    /// Node index of matrix entry `i`.
    pub fn node(&self, i: usize) -> usize {
        self.nodes[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::{edge, node};
    use crate::graph::EdgeKind;

    //            c (30 m up)
    //          /   \
    //   stairs/     \ ramp: 375 m winding at 8 %
    //        /       \
    //       a ─────── b      a–b: 50 m flat walkway
    //   a–c: stairs, 180 steps
    fn hill() -> Graph {
        let a = node("a", 0.0, 0.0, 200.0);
        let b = node("b", 50.0, 0.0, 200.0);
        let c = node("c", 20.0, 55.0, 230.0);
        let mut ac = edge("ac", &a, &c, EdgeKind::Stairs);
        ac.steps = 180;
        let ab = edge("ab", &a, &b, EdgeKind::Walkway);
        let mut bc = edge("bc", &b, &c, EdgeKind::Walkway);
        // The ramp winds: out 170 m east and back.
        let far = node("far", 220.0, 40.0, 0.0);
        bc.geometry = vec![[b.lon, b.lat], [far.lon, far.lat], [c.lon, c.lat]];
        Graph::build(vec![a, b, c], vec![ac, ab, bc]).unwrap()
    }

    #[test]
    fn forward_and_reverse_agree() {
        let g = hill();
        let t = CostTable::new(&g, Profile::Standard);
        let fwd = Tree::search(&g, &t, &[Seed::at(0)], false);
        let rev = Tree::search(&g, &t, &[Seed::at(1)], true);
        assert!((fwd.time_s(1) - rev.time_s(0)).abs() < 1e-9);
        let p1 = fwd.path(&g, 1).unwrap();
        let p2 = rev.path(&g, 0).unwrap();
        assert_eq!(p1, p2);
    }

    #[test]
    fn step_free_avoids_stairs_and_reports_unreachable() {
        let g = hill();
        let sf = CostTable::new(&g, Profile::StepFree);
        let tree = Tree::search(&g, &sf, &[Seed::at(0)], false);
        let path = tree.path(&g, 2).unwrap();
        assert!(path
            .iter()
            .all(|&(e, _)| g.edges()[e].kind != EdgeKind::Stairs));
        assert_eq!(path.len(), 2, "a → b → c around the stairs");

        // Only stairs: a ─stairs─ c.
        let a = node("a", 0.0, 0.0, 200.0);
        let c = node("c", 30.0, 0.0, 220.0);
        let s = edge("s", &a, &c, EdgeKind::Stairs);
        let g2 = Graph::build(vec![a, c], vec![s]).unwrap();
        let sf2 = CostTable::new(&g2, Profile::StepFree);
        let t2 = Tree::search(&g2, &sf2, &[Seed::at(0)], false);
        assert!(!t2.reaches(1));
        assert!(t2.path(&g2, 1).is_none());
    }

    #[test]
    fn easy_profile_detours_within_bound() {
        let g = hill();
        let std = CostTable::new(&g, Profile::Standard);
        let easy = CostTable::new(&g, Profile::Easy);
        let r_std = Routes::search(&g, &std, &std, &[Seed::at(0)], false);
        let r_easy = Routes::search(&g, &easy, &std, &[Seed::at(0)], false);
        // Standard climbs the stairs to c; easy walks round by b.
        assert_eq!(r_std.path(&g, 2).unwrap().len(), 1);
        let easy_path = r_easy.path(&g, 2).unwrap();
        assert_eq!(easy_path.len(), 2);
        assert!(r_easy.time_s(2) > r_std.time_s(2));
        assert!(
            r_easy.time_s(2) <= EASY_MAX_DETOUR_FACTOR * r_std.time_s(2) + EASY_MAX_DETOUR_EXTRA_S
        );
    }

    #[test]
    fn matrix_is_consistent_with_searches() {
        let g = hill();
        let std = CostTable::new(&g, Profile::Standard);
        let m = Matrix::build(&g, &std, &std, vec![0, 1, 2]);
        assert_eq!(m.len(), 3);
        assert_eq!(m.time_s(0, 0), 0.0);
        for i in 0..3 {
            for j in 0..3 {
                for k in 0..3 {
                    assert!(m.time_s(i, j) <= m.time_s(i, k) + m.time_s(k, j) + 1e-9);
                }
            }
        }
    }
}
