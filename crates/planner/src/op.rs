//! The classic orienteering problem.

use serde::Serialize;

/// An OP instance.
#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    /// Length budget.
    pub tmax: f64,
    /// `(x, y, score)` per point; the first is the start, the second the end.
    pub points: Vec<(f64, f64, f64)>,
}

/// Parses an instance.
pub fn parse_instance(_text: &str) -> Result<Instance, String> {
    Err("not implemented".into())
}

/// A solution.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpSolution {
    /// Total score.
    pub score: f64,
    /// Point indices from 0 to 1.
    pub route: Vec<usize>,
    /// Route length.
    pub length: f64,
}

/// Solves an instance.
pub fn solve(_inst: &Instance, _time_limit_ms: u64, _seed: u64) -> OpSolution {
    OpSolution {
        score: 0.0,
        route: vec![0, 1],
        length: 0.0,
    }
}
