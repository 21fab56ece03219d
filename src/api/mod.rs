//! The HTTP API: one route table; handlers named `<verb>_<resource>` (the OpenAPI operationIds).

pub mod error;
pub mod extract;
pub mod health;
pub mod plans;
pub mod sites;

use actix_web::web;
use error::ApiError;

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
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::get_health))
        .route("/readyz", web::get().to(health::get_ready))
        .route("/openapi.yaml", web::get().to(health::get_openapi))
        .route("/v1/sites", web::get().to(sites::list_sites))
        .route("/v1/sites/{site}", web::get().to(sites::get_site))
        .route("/v1/sites/{site}/places", web::get().to(sites::list_places))
        .route(
            "/v1/sites/{site}/places/{place}",
            web::get().to(sites::get_place),
        )
        .route("/v1/sites/{site}/graph", web::get().to(sites::get_graph))
        .route(
            "/v1/sites/{site}/findings",
            web::get().to(sites::list_findings),
        )
        .route("/v1/sites/{site}/bundle", web::get().to(sites::get_bundle))
        .route(
            "/v1/sites/{site}/directions",
            web::post().to(plans::create_directions),
        )
        .route("/v1/sites/{site}/plans", web::post().to(plans::create_plan))
        .route("/v1/plans/{plan}", web::get().to(plans::get_plan));
}

/// Answer for routes that do not exist (404) or exist with another method (405).
pub async fn not_found(req: actix_web::HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    let path = req.path();
    let known = ROUTES
        .iter()
        .filter(|(_, p)| path_matches(p, path))
        .map(|(m, _)| *m)
        .collect::<Vec<_>>();
    if !known.is_empty() {
        let mut e = ApiError::new(
            actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Method not allowed",
            format!(
                "{} is not allowed here; allowed: {}",
                req.method(),
                known.join(", ")
            ),
        );
        e.field = Some("method".into());
        return Err(e);
    }
    Err(ApiError::new(
        actix_web::http::StatusCode::NOT_FOUND,
        "not_found",
        "Not found",
        format!("no route for {}", path),
    ))
}

/// Whether a concrete path matches a route template like `/v1/sites/{site}`.
pub fn path_matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.trim_end_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(a, b)| (a.starts_with('{') && !b.is_empty()) || a == b)
}
