//! The classic orienteering problem (OP) on the public benchmark format of Tsiligirides (1984)
//! and Chao, Golden and Wasil (1996): pick and order points to collect the most score on a
//! path from the first point to the second whose Euclidean length is at most `Tmax`.
//!
//! File format: line 1 `Tmax P` (P, the number of paths, must be 1); then one `x y score` line
//! per point. Distances are Euclidean and not rounded.
//!
//! The solver is an iterated local search: routes are kept short with 2-opt and or-opt,
//! filled by insertion (best score per added length, with a randomised choice among the best
//! few), improved by replacing a visited point with a better unvisited one, and shaken by
//! removing a run of points. It keeps the best route found within the time limit; the same
//! seed and limit give the same search up to the clock.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::rng::SplitMix64;

/// Slack on the length budget when checking feasibility.
pub const LENGTH_EPS: f64 = 1e-9;

/// An OP instance.
#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    /// Length budget (same unit as the coordinates).
    pub tmax: f64,
    /// `(x, y, score)` per point, in file order; point 0 is the start, point 1 the end.
    pub points: Vec<(f64, f64, f64)>,
}

impl Instance {
    /// Euclidean distance between points `a` and `b`.
    pub fn dist(&self, a: usize, b: usize) -> f64 {
        let (p, q) = (self.points[a], self.points[b]);
        ((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt()
    }

    /// Length of a route (point indices in order).
    pub fn route_length(&self, route: &[usize]) -> f64 {
        route.windows(2).map(|w| self.dist(w[0], w[1])).sum()
    }

    /// Score of a route (each point counted once).
    pub fn route_score(&self, route: &[usize]) -> f64 {
        let mut seen = vec![false; self.points.len()];
        let mut s = 0.0;
        for &i in route {
            if !seen[i] {
                seen[i] = true;
                s += self.points[i].2;
            }
        }
        s
    }

    /// Whether a route starts at 0, ends at 1, visits no point twice and fits the budget.
    pub fn is_feasible(&self, route: &[usize]) -> bool {
        let n = self.points.len();
        let mut seen = vec![false; n];
        route.len() >= 2
            && route[0] == 0
            && *route.last().expect("non-empty") == 1
            && route
                .iter()
                .all(|&i| i < n && !std::mem::replace(&mut seen[i], true))
            && self.route_length(route) <= self.tmax + LENGTH_EPS
    }
}

/// Parses an instance; the error names the line and what is wrong.
pub fn parse_instance(text: &str) -> Result<Instance, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty());
    let (ln, head) = lines
        .next()
        .ok_or("empty file: expected 'Tmax P' on the first line")?;
    let fields: Vec<&str> = head.split_whitespace().collect();
    if fields.len() != 2 {
        return Err(format!("line {ln}: expected 'Tmax P', found '{head}'"));
    }
    let tmax: f64 = fields[0]
        .parse()
        .map_err(|_| format!("line {ln}: Tmax '{}' is not a number", fields[0]))?;
    if !tmax.is_finite() || tmax < 0.0 {
        return Err(format!(
            "line {ln}: Tmax {tmax} must be a finite number ≥ 0"
        ));
    }
    let paths: u32 = fields[1]
        .parse()
        .map_err(|_| format!("line {ln}: P '{}' is not a whole number", fields[1]))?;
    if paths != 1 {
        return Err(format!(
            "line {ln}: P = {paths}; only single-path instances (P = 1) are supported"
        ));
    }
    let mut points = Vec::new();
    for (ln, l) in lines {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() != 3 {
            return Err(format!("line {ln}: expected 'x y score', found '{l}'"));
        }
        let mut v = [0.0f64; 3];
        for (k, name) in ["x", "y", "score"].iter().enumerate() {
            v[k] = f[k]
                .parse()
                .map_err(|_| format!("line {ln}: {name} '{}' is not a number", f[k]))?;
            if !v[k].is_finite() {
                return Err(format!("line {ln}: {name} is not finite"));
            }
        }
        if v[2] < 0.0 {
            return Err(format!("line {ln}: score {} is negative", v[2]));
        }
        points.push((v[0], v[1], v[2]));
    }
    if points.len() < 2 {
        return Err(format!(
            "{} point(s): at least a start and an end point are needed",
            points.len()
        ));
    }
    Ok(Instance { tmax, points })
}

/// A solution.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpSolution {
    /// Total score of the visited points.
    pub score: f64,
    /// Point indices in file order, from 0 to 1.
    pub route: Vec<usize>,
    /// Route length.
    pub length: f64,
    /// Local-search iterations run.
    pub iterations: u64,
    /// Milliseconds until the returned route was found.
    pub time_to_best_ms: f64,
}

struct Solver<'a> {
    inst: &'a Instance,
    n: usize,
    d: Vec<f64>,
    score: Vec<f64>,
    tmax: f64,
}

#[derive(Clone, Debug)]
struct Sol {
    route: Vec<usize>,
    len: f64,
    score: f64,
    used: Vec<bool>,
}

impl Sol {
    fn better_than(&self, o: &Sol) -> bool {
        self.score > o.score + 1e-9 || (self.score > o.score - 1e-9 && self.len < o.len - 1e-9)
    }
}

impl Solver<'_> {
    #[inline]
    fn d(&self, a: usize, b: usize) -> f64 {
        self.d[a * self.n + b]
    }

    fn length(&self, route: &[usize]) -> f64 {
        route.windows(2).map(|w| self.d(w[0], w[1])).sum()
    }

    fn sol(&self, route: Vec<usize>) -> Sol {
        let mut used = vec![false; self.n];
        for &i in &route {
            used[i] = true;
        }
        let score = route.iter().map(|&i| self.score[i]).sum();
        Sol {
            len: self.length(&route),
            route,
            score,
            used,
        }
    }

    /// 2-opt until no reversal shortens the route.
    fn two_opt(&self, s: &mut Sol) {
        let r = &mut s.route;
        let m = r.len();
        if m < 4 {
            return;
        }
        let mut improved = true;
        while improved {
            improved = false;
            for i in 0..m - 2 {
                for j in i + 2..m - 1 {
                    let (a, b, c, e) = (r[i], r[i + 1], r[j], r[j + 1]);
                    let delta = self.d(a, c) + self.d(b, e) - self.d(a, b) - self.d(c, e);
                    if delta < -1e-10 {
                        r[i + 1..=j].reverse();
                        improved = true;
                    }
                }
            }
        }
        s.len = self.length(&s.route);
    }

    /// Or-opt: move runs of 1–3 points (either way round) to a cheaper place.
    fn or_opt(&self, s: &mut Sol) -> bool {
        let mut any = false;
        let mut improved = true;
        while improved {
            improved = false;
            let m = s.route.len();
            'outer: for seg in 1..=3usize {
                if m < seg + 3 {
                    continue;
                }
                for i in 1..m - seg {
                    // Segment r[i..i+seg], not touching the ends.
                    if i + seg > m - 1 {
                        break;
                    }
                    let r = &s.route;
                    let (p, q) = (r[i - 1], r[i + seg]);
                    let (f, l) = (r[i], r[i + seg - 1]);
                    let removal = self.d(p, f) + self.d(l, q) - self.d(p, q);
                    for j in 0..m - 1 {
                        if j + 1 >= i && j < i + seg {
                            continue;
                        }
                        let (a, b) = (r[j], r[j + 1]);
                        let fwd = self.d(a, f) + self.d(l, b) - self.d(a, b);
                        let rev = self.d(a, l) + self.d(f, b) - self.d(a, b);
                        let (ins, reversed) = if rev < fwd { (rev, true) } else { (fwd, false) };
                        if ins - removal < -1e-10 {
                            let mut segment: Vec<usize> = s.route.drain(i..i + seg).collect();
                            if reversed {
                                segment.reverse();
                            }
                            let at = if j < i { j + 1 } else { j + 1 - seg };
                            for (k, x) in segment.into_iter().enumerate() {
                                s.route.insert(at + k, x);
                            }
                            s.len += ins - removal;
                            improved = true;
                            any = true;
                            break 'outer;
                        }
                    }
                }
            }
        }
        s.len = self.length(&s.route);
        any
    }

    fn tighten(&self, s: &mut Sol) {
        loop {
            self.two_opt(s);
            if !self.or_opt(s) {
                break;
            }
        }
    }

    /// Cheapest insertion position and added length for point `u`.
    fn cheapest(&self, route: &[usize], u: usize) -> (usize, f64) {
        let mut best = (1, f64::INFINITY);
        for k in 0..route.len() - 1 {
            let (a, b) = (route[k], route[k + 1]);
            let c = self.d(a, u) + self.d(u, b) - self.d(a, b);
            if c < best.1 {
                best = (k + 1, c);
            }
        }
        best
    }

    /// Inserts points while any fits, by score² per added length (randomised among the best
    /// `pick` when `rng` is given); returns how many were inserted.
    fn fill(&self, s: &mut Sol, mut rng: Option<&mut SplitMix64>, pick: usize) -> usize {
        // Cheapest insertion per point, kept up to date as points go in.
        let mut best: Vec<(usize, f64)> = (0..self.n)
            .map(|u| {
                if s.used[u] || self.score[u] <= 0.0 {
                    (0, f64::INFINITY)
                } else {
                    self.cheapest(&s.route, u)
                }
            })
            .collect();
        let pick = pick.clamp(1, 4);
        let mut inserted = 0;
        loop {
            let slack = self.tmax - s.len;
            // The `pick` best by score² per added length (ties: lower index).
            let mut top: [(f64, usize); 4] = [(f64::NEG_INFINITY, usize::MAX); 4];
            for (u, &(_, c)) in best.iter().enumerate() {
                if s.used[u] || !c.is_finite() || c > slack + LENGTH_EPS {
                    continue;
                }
                let sc = self.score[u];
                let mut item = (sc * sc / c.max(1e-9), u);
                for slot in top.iter_mut().take(pick) {
                    if item.0 > slot.0 {
                        std::mem::swap(slot, &mut item);
                    }
                }
            }
            let found = top.iter().take(pick).filter(|t| t.1 != usize::MAX).count();
            if found == 0 {
                return inserted;
            }
            let k = match rng.as_deref_mut() {
                Some(r) => r.below(found),
                None => 0,
            };
            let w = top[k].1;
            let (pos, c) = best[w];
            let (a, b) = (s.route[pos - 1], s.route[pos]);
            s.route.insert(pos, w);
            s.used[w] = true;
            s.len += c;
            s.score += self.score[w];
            inserted += 1;
            for (u, bu) in best.iter_mut().enumerate() {
                if s.used[u] || !bu.1.is_finite() {
                    continue;
                }
                if bu.0 == pos {
                    // Its best edge (a, b) is gone.
                    *bu = self.cheapest(&s.route, u);
                    continue;
                }
                if bu.0 > pos {
                    bu.0 += 1;
                }
                let c1 = self.d(a, u) + self.d(u, w) - self.d(a, w);
                if c1 < bu.1 {
                    *bu = (pos, c1);
                }
                let c2 = self.d(w, u) + self.d(u, b) - self.d(w, b);
                if c2 < bu.1 {
                    *bu = (pos + 1, c2);
                }
            }
        }
    }

    /// Replaces one visited point by a better unvisited one when the route stays within the
    /// budget (the new point at its cheapest place in the route without the old one).
    fn replace(&self, s: &mut Sol) -> bool {
        let m = s.route.len();
        if m < 3 {
            return false;
        }
        // The three cheapest insertion edges per unvisited point: removing one point touches
        // two edges, so one of the three always survives.
        let mut top: Vec<[(f64, usize); 3]> = vec![[(f64::INFINITY, usize::MAX); 3]; self.n];
        for (u, t) in top.iter_mut().enumerate() {
            if s.used[u] {
                continue;
            }
            for j in 0..m - 1 {
                let (a, b) = (s.route[j], s.route[j + 1]);
                let c = self.d(a, u) + self.d(u, b) - self.d(a, b);
                if c < t[2].0 {
                    t[2] = (c, j);
                    if t[2].0 < t[1].0 {
                        t.swap(1, 2);
                        if t[1].0 < t[0].0 {
                            t.swap(0, 1);
                        }
                    }
                }
            }
        }
        let mut best: Option<(f64, f64, usize, usize, usize)> = None; // (gain, new len, k, u, pos)
        for k in 1..m - 1 {
            let v = s.route[k];
            let (p, q) = (s.route[k - 1], s.route[k + 1]);
            let saving = self.d(p, v) + self.d(v, q) - self.d(p, q);
            let base = s.len - saving;
            for (u, tu) in top.iter().enumerate() {
                if s.used[u] || self.score[u] <= self.score[v] {
                    continue;
                }
                let gain = self.score[u] - self.score[v];
                if best.is_some_and(|b| gain < b.0) {
                    continue;
                }
                // At v's place, or on the cheapest edge that survives v's removal.
                let mut c_best = self.d(p, u) + self.d(u, q) - self.d(p, q);
                let mut pos = k;
                if let Some(&(c, j)) = tu
                    .iter()
                    .find(|(_, j)| *j != k - 1 && *j != k && *j != usize::MAX)
                {
                    if c < c_best {
                        c_best = c;
                        pos = if j < k { j + 1 } else { j };
                    }
                }
                let len = base + c_best;
                if len <= self.tmax + LENGTH_EPS
                    && best.is_none_or(|b| gain > b.0 || (gain == b.0 && len < b.1))
                {
                    best = Some((gain, len, k, u, pos));
                }
            }
        }
        if let Some((_, _, k, u, pos)) = best {
            let v = s.route.remove(k);
            s.route.insert(pos, u);
            s.used[v] = false;
            s.used[u] = true;
            s.score += self.score[u] - self.score[v];
            s.len = self.length(&s.route);
            true
        } else {
            false
        }
    }

    /// Local search: shorten, fill, replace, until nothing improves.
    fn improve(&self, s: &mut Sol, rng: Option<&mut SplitMix64>) {
        self.tighten(s);
        let mut changed = self.fill(s, rng, 3) > 0;
        loop {
            if changed {
                self.tighten(s);
                changed = self.fill(s, None, 1) > 0;
                if changed {
                    continue;
                }
            }
            if !self.replace(s) {
                break;
            }
            changed = true;
        }
    }

    /// Forces point `u` into the route at its cheapest place, shortens the route, then drops
    /// the points that give least score per length saved until the route fits again.
    fn force(&self, s: &mut Sol, u: usize) {
        let (pos, c) = self.cheapest(&s.route, u);
        s.route.insert(pos, u);
        s.used[u] = true;
        s.len += c;
        s.score += self.score[u];
        self.tighten(s);
        while s.len > self.tmax + LENGTH_EPS && s.route.len() > 2 {
            let mut worst: Option<(f64, usize)> = None;
            for k in 1..s.route.len() - 1 {
                let v = s.route[k];
                if v == u && s.route.len() > 3 {
                    continue;
                }
                let (p, q) = (s.route[k - 1], s.route[k + 1]);
                let saving = self.d(p, v) + self.d(v, q) - self.d(p, q);
                let ratio = self.score[v] / saving.max(1e-9);
                if worst.is_none_or(|w| ratio < w.0) {
                    worst = Some((ratio, k));
                }
            }
            let Some((_, k)) = worst else { break };
            let v = s.route.remove(k);
            s.used[v] = false;
            s.score -= self.score[v];
            s.len = self.length(&s.route);
        }
    }

    /// Removes a run or a random set of interior points.
    fn shake(&self, s: &mut Sol, rng: &mut SplitMix64, strength: usize) {
        let interior = s.route.len().saturating_sub(2);
        if interior == 0 {
            return;
        }
        let k = (1 + rng.below(strength.max(1))).min(interior);
        if rng.unit() < 0.5 {
            let start = 1 + rng.below(interior - k + 1);
            for v in s.route.drain(start..start + k) {
                s.used[v] = false;
            }
        } else {
            for _ in 0..k {
                let interior = s.route.len() - 2;
                if interior == 0 {
                    break;
                }
                let v = s.route.remove(1 + rng.below(interior));
                s.used[v] = false;
            }
        }
        s.score = s.route.iter().map(|&i| self.score[i]).sum();
        s.len = self.length(&s.route);
    }
}

/// Solves an instance within about `time_limit_ms` milliseconds (at least one full local
/// search is always done). Stops early when every point is visited.
pub fn solve(inst: &Instance, time_limit_ms: u64, seed: u64) -> OpSolution {
    let started = Instant::now();
    let limit = Duration::from_millis(time_limit_ms);
    let solver = Solver::new(inst);
    let n = solver.n;
    let total: f64 = solver.score.iter().sum();
    let direct = if n == 1 { vec![0] } else { vec![0, 1] };
    if n > 1 && solver.length(&direct) > inst.tmax + LENGTH_EPS {
        // Not even the direct path fits: report it as the only route there is.
        let length = solver.length(&direct);
        return OpSolution {
            score: inst.route_score(&direct),
            route: direct,
            length,
            iterations: 0,
            time_to_best_ms: 0.0,
        };
    }
    let mut rng = SplitMix64::new(seed ^ 0x5EED_0000_0F0F);
    let mut cur = solver.sol(direct);
    solver.improve(&mut cur, None);
    let mut best = cur.clone();
    let mut best_at = started.elapsed();
    let mut since_best = 0u32;
    let mut since_restart = 0u32;
    let mut iter = 0u64;
    while best.score < total - 1e-9 {
        if started.elapsed() >= limit {
            break;
        }
        iter += 1;
        let mut s = cur.clone();
        solver.perturb(&mut s, &mut rng, since_restart);
        let randomised = rng.unit() < 0.5;
        solver.improve(&mut s, if randomised { Some(&mut rng) } else { None });
        if s.better_than(&cur)
            || (s.score >= cur.score - 1e-9 && rng.unit() < 0.3)
            || rng.unit() < 0.02
        {
            cur = s;
        }
        since_restart += 1;
        if cur.better_than(&best) {
            best = cur.clone();
            best_at = started.elapsed();
            since_best = 0;
            since_restart = 0;
        } else {
            since_best += 1;
            if since_best.is_multiple_of(150) {
                cur = solver.restart(&best, since_best, &mut rng);
                since_restart = 0;
            }
        }
    }
    let _ = solver.inst;
    OpSolution {
        score: best.score,
        length: inst.route_length(&best.route),
        route: best.route,
        iterations: iter,
        time_to_best_ms: best_at.as_secs_f64() * 1000.0,
    }
}

impl<'a> Solver<'a> {
    /// The solver of an instance, with its distance matrix and scores.
    fn new(inst: &'a Instance) -> Solver<'a> {
        let n = inst.points.len();
        let mut d = vec![0.0; n * n];
        for a in 0..n {
            for b in 0..n {
                d[a * n + b] = inst.dist(a, b);
            }
        }
        let score: Vec<f64> = inst.points.iter().map(|p| p.2).collect();
        Solver {
            inst,
            n,
            d,
            score,
            tmax: inst.tmax,
        }
    }

    /// Perturbs a solution: a shake that grows with the iterations since the last restart, or
    /// forcing in an unvisited point chosen with probability by score.
    fn perturb(&self, s: &mut Sol, rng: &mut SplitMix64, since_restart: u32) {
        let n = self.n;
        let score = &self.score;
        if rng.unit() < 0.5 {
            let strength = 1 + (s.route.len() / 4).min(1 + since_restart as usize / 50);
            self.shake(s, rng, strength);
        } else {
            // Force in an unvisited point, chosen with probability by score.
            let total_out: f64 = (0..n).filter(|&u| !s.used[u]).map(|u| score[u]).sum();
            if total_out > 0.0 {
                let mut x = rng.unit() * total_out;
                let mut pick = None;
                for u in (0..n).filter(|&u| !s.used[u]) {
                    x -= score[u];
                    if x <= 0.0 {
                        pick = Some(u);
                        break;
                    }
                }
                if let Some(u) = pick.or_else(|| (0..n).rev().find(|&u| !s.used[u])) {
                    self.force(s, u);
                }
            } else {
                self.shake(s, rng, 2);
            }
        }
    }

    /// The solution to restart from after `since_best` iterations without improvement: every
    /// other time the best, else a fresh randomised route.
    fn restart(&self, best: &Sol, since_best: u32, rng: &mut SplitMix64) -> Sol {
        if (since_best / 150) % 2 == 1 {
            best.clone()
        } else {
            let mut fresh = self.sol(vec![0, 1]);
            self.fill(&mut fresh, Some(rng), 4);
            self.improve(&mut fresh, None);
            fresh
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A square of side 2 with the start at (0,0) and the end at (0,2):
    //
    //   1 (end) ─── 3 (5)        point 4 (20) far east at (10, 1)
    //   │           │
    //   0 (start) ─ 2 (5)        budget 6: 0 → 2 → 3 → 1 = 6 collects 10; point 4 never fits.
    const SQUARE: &str = "6 1\n0 0 0\n0 2 0\n2 0 5\n2 2 5\n10 1 20\n";

    #[test]
    fn parses_the_benchmark_format() {
        let inst = parse_instance(SQUARE).unwrap();
        assert_eq!(inst.tmax, 6.0);
        assert_eq!(inst.points.len(), 5);
        assert_eq!(inst.points[4], (10.0, 1.0, 20.0));
        let tabs = parse_instance("5\t1\n10.5\t14.4\t0\n11.2\t14.1\t0\n\n").unwrap();
        assert_eq!(tabs.points.len(), 2);
    }

    #[test]
    fn rejects_malformed_files_with_a_clear_message() {
        for (text, needle) in [
            ("", "empty file"),
            ("6\n0 0 0\n1 1 0\n", "line 1: expected 'Tmax P'"),
            ("x 1\n0 0 0\n1 1 0\n", "Tmax 'x' is not a number"),
            ("6 2\n0 0 0\n1 1 0\n", "only single-path"),
            ("6 1\n0 0 0\n1 1\n", "line 3: expected 'x y score'"),
            ("6 1\n0 0 0\n1 one 0\n", "line 3: y 'one' is not a number"),
            ("6 1\n0 0 0\n", "at least a start and an end"),
            ("6 1\n0 0 0\n1 1 -3\n", "negative"),
            ("-1 1\n0 0 0\n1 1 0\n", "≥ 0"),
        ] {
            let err = parse_instance(text).expect_err(text);
            assert!(err.contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn finds_the_known_optimum_of_a_hand_instance() {
        let inst = parse_instance(SQUARE).unwrap();
        let sol = solve(&inst, 50, 1);
        assert_eq!(sol.score, 10.0);
        assert_eq!(sol.route, vec![0, 2, 3, 1]);
        assert!((sol.length - 6.0).abs() < 1e-12);
        assert!(inst.is_feasible(&sol.route));
    }

    fn brute(inst: &Instance) -> f64 {
        fn rec(inst: &Instance, route: &mut Vec<usize>, len: f64, best: &mut f64) {
            let last = *route.last().unwrap();
            if len + inst.dist(last, 1) <= inst.tmax + LENGTH_EPS {
                let mut r = route.clone();
                r.push(1);
                *best = best.max(inst.route_score(&r));
            }
            for u in 2..inst.points.len() {
                if route.contains(&u) {
                    continue;
                }
                let l = len + inst.dist(last, u);
                if l + inst.dist(u, 1) > inst.tmax + LENGTH_EPS {
                    continue;
                }
                route.push(u);
                rec(inst, route, l, best);
                route.pop();
            }
        }
        let mut best = f64::NEG_INFINITY;
        rec(inst, &mut vec![0], 0.0, &mut best);
        best
    }

    #[test]
    fn matches_brute_force_on_random_small_instances() {
        let mut r = SplitMix64::new(99);
        for case in 0..40 {
            let n = 4 + r.below(6);
            let mut text = format!("{} 1\n", 5.0 + r.unit() * 20.0);
            for i in 0..n {
                let s = if i < 2 { 0 } else { 1 + r.below(10) };
                text.push_str(&format!("{} {} {s}\n", r.unit() * 10.0, r.unit() * 10.0));
            }
            let inst = parse_instance(&text).unwrap();
            let want = brute(&inst);
            let sol = solve(&inst, 20, case);
            assert_eq!(sol.score, inst.route_score(&sol.route));
            if want.is_finite() {
                assert!(inst.is_feasible(&sol.route), "case {case}");
                assert_eq!(sol.score, want, "case {case}: {text}");
            }
        }
    }

    #[test]
    fn an_unreachable_end_yields_the_direct_path() {
        let inst = parse_instance("1 1\n0 0 0\n5 0 0\n1 0 10\n").unwrap();
        let sol = solve(&inst, 10, 0);
        assert_eq!(sol.route, vec![0, 1]);
        assert!(!inst.is_feasible(&sol.route));
    }
}
