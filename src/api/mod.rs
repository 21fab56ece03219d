//! The HTTP API: one route table; handlers named `<verb>_<resource>` (the OpenAPI operationIds).

pub mod auth;
pub mod codebook;
pub mod edit;
pub mod error;
pub mod extract;
pub mod feedback_common;
pub mod health;
pub mod insights;
pub mod middleware;
pub mod moderation;
pub mod plan_feedback;
pub mod plans;
pub mod ratings;
pub mod roles;
pub mod routes;
pub mod server;
pub mod sites;
pub mod snapshots;

use actix_web::web;
use error::ApiError;
pub use routes::{path_matches, ROUTES};

pub fn configure(cfg: &mut web::ServiceConfig) {
    configure_operators(cfg);
    configure_feedback(cfg);
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

/// Accounts, tokens, editing, audit, import and export.
fn configure_operators(cfg: &mut web::ServiceConfig) {
    use actix_web::web::{delete, get, patch, post};
    cfg.route("/v1/auth/login", post().to(auth::create_login))
        .route("/v1/auth/refresh", post().to(auth::create_refresh))
        .route("/v1/auth/logout", post().to(auth::create_logout))
        .route("/v1/auth/visitor", post().to(auth::create_visitor_token))
        .route("/v1/auth/me", get().to(auth::get_me))
        .route("/v1/users", get().to(auth::list_users))
        .route("/v1/users", post().to(auth::create_user))
        .route("/v1/users/{username}", patch().to(auth::update_user));
    let s = "/v1/sites/{site}";
    cfg.route(&format!("{s}/places"), post().to(edit::create_place))
        .route(
            &format!("{s}/places/{{id}}"),
            patch().to(edit::update_place),
        )
        .route(
            &format!("{s}/places/{{id}}"),
            delete().to(edit::delete_place),
        )
        .route(
            &format!("{s}/places/{{id}}/restore"),
            post().to(edit::restore_place),
        )
        .route(&format!("{s}/nodes"), post().to(edit::create_node))
        .route(&format!("{s}/nodes/{{id}}"), get().to(edit::get_node))
        .route(&format!("{s}/nodes/{{id}}"), patch().to(edit::update_node))
        .route(&format!("{s}/nodes/{{id}}"), delete().to(edit::delete_node))
        .route(
            &format!("{s}/nodes/{{id}}/restore"),
            post().to(edit::restore_node),
        )
        .route(&format!("{s}/edges"), post().to(edit::create_edge))
        .route(&format!("{s}/edges/{{id}}"), get().to(edit::get_edge))
        .route(&format!("{s}/edges/{{id}}"), patch().to(edit::update_edge))
        .route(&format!("{s}/edges/{{id}}"), delete().to(edit::delete_edge))
        .route(
            &format!("{s}/edges/{{id}}/restore"),
            post().to(edit::restore_edge),
        )
        .route(&format!("{s}/findings"), post().to(edit::create_finding))
        .route(&format!("{s}/findings/{{id}}"), get().to(edit::get_finding))
        .route(
            &format!("{s}/findings/{{id}}"),
            patch().to(edit::update_finding),
        )
        .route(
            &format!("{s}/findings/{{id}}"),
            delete().to(edit::delete_finding),
        )
        .route(
            &format!("{s}/findings/{{id}}/restore"),
            post().to(edit::restore_finding),
        )
        .route(&format!("{s}/audit"), get().to(edit::list_audit))
        .route(&format!("{s}/import"), post().to(edit::create_import))
        .route(&format!("{s}/export"), get().to(edit::get_export));
}

/// Ratings, plan feedback, moderation, insights, the codebook and snapshot publication.
fn configure_feedback(cfg: &mut web::ServiceConfig) {
    use actix_web::web::{get, patch, post};
    let s = "/v1/sites/{site}";
    cfg.route(
        &format!("{s}/places/{{place}}/ratings"),
        post().to(ratings::create_rating),
    )
    .route(
        &format!("{s}/places/{{place}}/ratings"),
        get().to(ratings::list_place_ratings),
    )
    .route(
        "/v1/plans/{plan}/feedback",
        post().to(plan_feedback::create_plan_feedback),
    )
    .route(&format!("{s}/ratings"), get().to(ratings::list_ratings))
    .route(
        &format!("{s}/ratings/{{id}}"),
        get().to(ratings::get_rating),
    )
    .route(
        &format!("{s}/ratings/{{id}}/hide"),
        post().to(moderation::hide_rating),
    )
    .route(
        &format!("{s}/ratings/{{id}}/unhide"),
        post().to(moderation::unhide_rating),
    )
    .route(
        &format!("{s}/plan-feedback/{{id}}/hide"),
        post().to(moderation::hide_plan_feedback),
    )
    .route(
        &format!("{s}/plan-feedback/{{id}}/unhide"),
        post().to(moderation::unhide_plan_feedback),
    )
    .route(&format!("{s}/insights"), get().to(insights::get_insights))
    .route(
        &format!("{s}/insights/weekly"),
        get().to(insights::get_weekly_insights),
    )
    .route(&format!("{s}/codebook"), get().to(codebook::get_codebook))
    .route(
        &format!("{s}/codebook/codes"),
        post().to(codebook::create_code),
    )
    .route(
        &format!("{s}/codebook/codes/{{id}}"),
        patch().to(codebook::update_code),
    )
    .route(
        &format!("{s}/snapshots"),
        get().to(snapshots::list_snapshots),
    )
    .route(
        &format!("{s}/snapshots"),
        post().to(snapshots::create_snapshot),
    );
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
        e.allow = Some(known.join(", ").into());
        return Err(e);
    }
    Err(ApiError::new(
        actix_web::http::StatusCode::NOT_FOUND,
        "not_found",
        "Not found",
        format!("no route for {}", path),
    ))
}
