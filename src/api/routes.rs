//! The route table and matching a concrete path against it.

/// The route table. `tests/api` checks it against `openapi.yaml`.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/openapi.yaml"),
    ("GET", "/v1/sites"),
    ("GET", "/v1/sites/{site}"),
    ("GET", "/v1/sites/{site}/places"),
    ("GET", "/v1/sites/{site}/places/{place}"),
    ("GET", "/v1/sites/{site}/graph"),
    ("GET", "/v1/sites/{site}/findings"),
    ("GET", "/v1/sites/{site}/bundle"),
    ("POST", "/v1/sites/{site}/directions"),
    ("POST", "/v1/sites/{site}/plans"),
    ("GET", "/v1/plans/{plan}"),
    ("POST", "/v1/auth/login"),
    ("POST", "/v1/auth/refresh"),
    ("POST", "/v1/auth/logout"),
    ("POST", "/v1/auth/visitor"),
    ("GET", "/v1/auth/me"),
    ("GET", "/v1/users"),
    ("POST", "/v1/users"),
    ("PATCH", "/v1/users/{username}"),
    ("POST", "/v1/sites/{site}/places"),
    ("PATCH", "/v1/sites/{site}/places/{place}"),
    ("DELETE", "/v1/sites/{site}/places/{place}"),
    ("POST", "/v1/sites/{site}/places/{place}/restore"),
    ("POST", "/v1/sites/{site}/nodes"),
    ("GET", "/v1/sites/{site}/nodes/{node}"),
    ("PATCH", "/v1/sites/{site}/nodes/{node}"),
    ("DELETE", "/v1/sites/{site}/nodes/{node}"),
    ("POST", "/v1/sites/{site}/nodes/{node}/restore"),
    ("POST", "/v1/sites/{site}/edges"),
    ("GET", "/v1/sites/{site}/edges/{edge}"),
    ("PATCH", "/v1/sites/{site}/edges/{edge}"),
    ("DELETE", "/v1/sites/{site}/edges/{edge}"),
    ("POST", "/v1/sites/{site}/edges/{edge}/restore"),
    ("POST", "/v1/sites/{site}/findings"),
    ("GET", "/v1/sites/{site}/findings/{finding}"),
    ("PATCH", "/v1/sites/{site}/findings/{finding}"),
    ("DELETE", "/v1/sites/{site}/findings/{finding}"),
    ("POST", "/v1/sites/{site}/findings/{finding}/restore"),
    ("GET", "/v1/sites/{site}/audit"),
    ("POST", "/v1/sites/{site}/import"),
    ("GET", "/v1/sites/{site}/export"),
    ("POST", "/v1/sites/{site}/places/{place}/ratings"),
    ("GET", "/v1/sites/{site}/places/{place}/ratings"),
    ("POST", "/v1/plans/{plan}/feedback"),
    ("GET", "/v1/sites/{site}/ratings"),
    ("GET", "/v1/sites/{site}/ratings/{rating}"),
    ("POST", "/v1/sites/{site}/ratings/{rating}/hide"),
    ("POST", "/v1/sites/{site}/ratings/{rating}/unhide"),
    ("POST", "/v1/sites/{site}/plan-feedback/{feedback}/hide"),
    ("POST", "/v1/sites/{site}/plan-feedback/{feedback}/unhide"),
    ("GET", "/v1/sites/{site}/insights"),
    ("GET", "/v1/sites/{site}/insights/weekly"),
    ("GET", "/v1/sites/{site}/codebook"),
    ("POST", "/v1/sites/{site}/codebook/codes"),
    ("PATCH", "/v1/sites/{site}/codebook/codes/{code}"),
    ("GET", "/v1/sites/{site}/snapshots"),
    ("POST", "/v1/sites/{site}/snapshots"),
];

/// Whether a concrete path matches a route template like `/v1/sites/{site}`.
pub fn path_matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.trim_end_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(a, b)| (a.starts_with('{') && !b.is_empty()) || a == b)
}
