//! Snapping a `lat/lon` point onto the graph: the nearest open edge segment, found with an
//! R-tree over the edges' segments in a local planar projection (metres).

use rstar::primitives::{GeomWithData, Line};
use rstar::RTree;

use crate::cost::Profile;
use crate::geodesy::{haversine_m, LocalProjection};
use crate::graph::Graph;

/// Default for how far in metres a point may lie from the nearest usable edge.
pub const DEFAULT_MAX_SNAP_DISTANCE_M: f64 = 300.0;

type Segment = GeomWithData<Line<[f64; 2]>, (u32, u32)>;

/// Where a point joins the graph.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Snap {
    /// The point as given, `[lon, lat]` degrees.
    pub point: [f64; 2],
    /// Index of the edge it joins.
    pub edge: usize,
    /// The nearest position on the edge, `[lon, lat]` degrees.
    pub on_edge: [f64; 2],
    /// Distance in metres from the point to `on_edge`.
    pub offset_m: f64,
    /// Position of `on_edge` along the edge as a fraction of its length from the `from` node
    /// (0 = at `from`, 1 = at `to`).
    pub fraction: f64,
}

/// Why a point could not be snapped.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SnapError {
    /// No open edge within the distance; carries the distance in metres to the nearest open
    /// edge (infinite when the graph has none).
    TooFar(f64),
    /// Open edges lie within the distance, but the profile may use none of them.
    NotForProfile,
}

/// An R-tree over the segments of every open edge.
#[derive(Clone, Debug)]
pub struct Snapper {
    projection: LocalProjection,
    tree: RTree<Segment>,
    /// Per edge, the cumulative haversine length in metres at each geometry position.
    cumulative_m: Vec<Vec<f64>>,
}

impl Snapper {
    /// Indexes the open edges of `graph`, projecting around `[center_lon, center_lat]`.
    pub fn new(graph: &Graph, center_lon: f64, center_lat: f64) -> Snapper {
        let projection = LocalProjection::new(center_lon, center_lat);
        let mut segments = Vec::new();
        let mut cumulative_m = Vec::with_capacity(graph.edges().len());
        for (ei, e) in graph.edges().iter().enumerate() {
            let mut acc = 0.0;
            let mut cum = Vec::with_capacity(e.geometry.len());
            cum.push(0.0);
            for (si, w) in e.geometry.windows(2).enumerate() {
                acc += haversine_m(w[0], w[1]);
                cum.push(acc);
                if !e.closed {
                    let line = Line::new(projection.project(w[0]), projection.project(w[1]));
                    segments.push(Segment::new(line, (ei as u32, si as u32)));
                }
            }
            cumulative_m.push(cum);
        }
        Snapper {
            projection,
            tree: RTree::bulk_load(segments),
            cumulative_m,
        }
    }

    /// Snaps `[lon, lat]` to the nearest open edge usable by `profile` within `max_m` metres.
    pub fn snap(
        &self,
        graph: &Graph,
        point: [f64; 2],
        profile: Profile,
        max_m: f64,
    ) -> Result<Snap, SnapError> {
        let q = self.projection.project(point);
        let mut nearest_any = f64::INFINITY;
        for (seg, d2) in self.tree.nearest_neighbor_iter_with_distance_2(&q) {
            let d = d2.sqrt();
            if nearest_any.is_infinite() {
                nearest_any = d;
            }
            if d > max_m {
                break;
            }
            let (ei, si) = (seg.data.0 as usize, seg.data.1 as usize);
            let edge = &graph.edges()[ei];
            if !profile.allows(edge) {
                continue;
            }
            let line = seg.geom();
            let (a, b) = (line.from, line.to);
            let ab = [b[0] - a[0], b[1] - a[1]];
            let len2 = ab[0] * ab[0] + ab[1] * ab[1];
            let t = if len2 > 0.0 {
                (((q[0] - a[0]) * ab[0] + (q[1] - a[1]) * ab[1]) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let p = self
                .projection
                .unproject([a[0] + t * ab[0], a[1] + t * ab[1]]);
            let cum = &self.cumulative_m[ei];
            let along = cum[si] + t * (cum[si + 1] - cum[si]);
            let total = *cum.last().expect("geometry has positions");
            let fraction = if total > 0.0 {
                (along / total).clamp(0.0, 1.0)
            } else {
                0.0
            };
            return Ok(Snap {
                point,
                edge: ei,
                on_edge: p,
                offset_m: d,
                fraction,
            });
        }
        if nearest_any <= max_m {
            Err(SnapError::NotForProfile)
        } else {
            Err(SnapError::TooFar(nearest_any))
        }
    }
}

/// The part of a polyline between two fractions of its length (`f0` may exceed `f1`: the slice
/// is then reversed), endpoints included.
pub fn slice_polyline(points: &[[f64; 2]], f0: f64, f1: f64) -> Vec<[f64; 2]> {
    if f0 > f1 {
        let mut v = slice_polyline(points, f1, f0);
        v.reverse();
        return v;
    }
    let mut cum = Vec::with_capacity(points.len());
    let mut acc = 0.0;
    cum.push(0.0);
    for w in points.windows(2) {
        acc += haversine_m(w[0], w[1]);
        cum.push(acc);
    }
    let total = acc;
    if total <= 0.0 {
        return vec![points[0], *points.last().expect("non-empty")];
    }
    let at = |f: f64| -> [f64; 2] {
        let d = f.clamp(0.0, 1.0) * total;
        let i = cum.partition_point(|&c| c < d).clamp(1, points.len() - 1);
        let (c0, c1) = (cum[i - 1], cum[i]);
        let t = if c1 > c0 { (d - c0) / (c1 - c0) } else { 0.0 };
        let (a, b) = (points[i - 1], points[i]);
        [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]
    };
    let (d0, d1) = (f0 * total, f1 * total);
    let mut out = vec![at(f0)];
    for (i, &c) in cum.iter().enumerate() {
        if c > d0 && c < d1 {
            out.push(points[i]);
        }
    }
    out.push(at(f1));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::tests::{edge, node, M_PER_DEG};
    use crate::graph::EdgeKind;

    //   a ───────── b         (walkway, 100 m east)
    //               │
    //               │ stairs (north 50 m)
    //               c
    fn g() -> Graph {
        let a = node("a", 0.0, 0.0, 100.0);
        let b = node("b", 100.0, 0.0, 100.0);
        let c = node("c", 100.0, 50.0, 120.0);
        Graph::build(
            vec![a.clone(), b.clone(), c.clone()],
            vec![
                edge("ab", &a, &b, EdgeKind::Walkway),
                edge("bc", &b, &c, EdgeKind::Stairs),
            ],
        )
        .unwrap()
    }

    fn at(x: f64, y: f64) -> [f64; 2] {
        let n = node("p", x, y, 0.0);
        [n.lon, n.lat]
    }

    #[test]
    fn snaps_to_the_nearest_edge_with_fraction() {
        let g = g();
        let s = Snapper::new(&g, 106.53, 29.55);
        let snap = s
            .snap(&g, at(30.0, -10.0), Profile::Standard, 300.0)
            .unwrap();
        assert_eq!(snap.edge, 0);
        assert!((snap.offset_m - 10.0).abs() < 0.05, "{}", snap.offset_m);
        assert!((snap.fraction - 0.3).abs() < 0.001);
        let snap = s
            .snap(&g, at(110.0, 30.0), Profile::Standard, 300.0)
            .unwrap();
        assert_eq!(snap.edge, 1);
    }

    #[test]
    fn step_free_skips_stairs_and_distance_is_bounded() {
        let g = g();
        let s = Snapper::new(&g, 106.53, 29.55);
        let snap = s
            .snap(&g, at(110.0, 30.0), Profile::StepFree, 300.0)
            .unwrap();
        assert_eq!(snap.edge, 0, "the stairs are nearer but not usable");
        assert_eq!(
            s.snap(&g, at(110.0, 30.0), Profile::StepFree, 25.0),
            Err(SnapError::NotForProfile)
        );
        match s.snap(&g, at(0.0, 1000.0), Profile::Standard, 300.0) {
            Err(SnapError::TooFar(d)) => assert!(d > 900.0),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn slices_polylines() {
        let pts = vec![
            [0.0, 0.0],
            [0.0, 1.0 / M_PER_DEG * 10.0],
            [0.0, 1.0 / M_PER_DEG * 20.0],
        ];
        let s = slice_polyline(&pts, 0.25, 0.75);
        assert_eq!(s.len(), 3);
        assert!((s[0][1] * M_PER_DEG - 5.0).abs() < 1e-6);
        assert!((s[2][1] * M_PER_DEG - 15.0).abs() < 1e-6);
        let r = slice_polyline(&pts, 0.75, 0.25);
        assert_eq!(r[0], s[2]);
        assert_eq!(slice_polyline(&pts, 0.0, 1.0), pts);
    }
}
