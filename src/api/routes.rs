//! The route table: every operation's method, path and handler, registered one `web::resource`
//! per path, so a known path asked with another method answers 405 with `Allow`. `tests/api`
//! checks the table against `openapi.yaml`.

use super::error::ApiError;
use super::{
    audit, auth, codebook, edges, findings, health, insights, moderation, nodes, places,
    plan_feedback, plans, ratings, seed_files, sites, snapshots, users, visits,
};
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

/// Declares the table: for each path, its methods and their handlers.
macro_rules! route_table {
    ($( $path:literal { $( $method:ident => $handler:path ),+ $(,)? } )*) => {
        /// Method and path of every operation.
        pub const ROUTES: &[(&str, &str)] = &[ $( $( (stringify!($method), $path), )+ )* ];

        /// Registers every route of the table.
        pub fn configure(cfg: &mut web::ServiceConfig) {
            $(
                cfg.service(
                    web::resource($path)
                        $( .route(web::route().method(Method::$method).to($handler)) )+
                        .default_service(web::to(|req: HttpRequest| async move {
                            method_not_allowed(&req, &[$( stringify!($method) ),+])
                        })),
                );
            )*
        }
    };
}

route_table! {
    "/healthz" { GET => health::get_health }
    "/readyz" { GET => health::get_ready }
    "/openapi.yaml" { GET => health::get_openapi }
    "/v1/sites" { GET => sites::list_sites }
    "/v1/sites/{site}" { GET => sites::get_site }
    "/v1/sites/{site}/places" { GET => places::list_places, POST => places::create_place }
    "/v1/sites/{site}/places/{place}" {
        GET => places::get_place,
        PATCH => places::update_place,
        DELETE => places::delete_place,
    }
    "/v1/sites/{site}/places/{place}/restore" { POST => places::restore_place }
    "/v1/sites/{site}/graph" { GET => sites::get_graph }
    "/v1/sites/{site}/findings" { GET => findings::list_findings, POST => findings::create_finding }
    "/v1/sites/{site}/findings/{finding}" {
        GET => findings::get_finding,
        PATCH => findings::update_finding,
        DELETE => findings::delete_finding,
    }
    "/v1/sites/{site}/findings/{finding}/restore" { POST => findings::restore_finding }
    "/v1/sites/{site}/bundle" { GET => sites::get_bundle }
    "/v1/sites/{site}/directions" { POST => plans::create_directions }
    "/v1/sites/{site}/plans" { POST => plans::create_plan }
    "/v1/plans/{plan}" { GET => plans::get_plan }
    "/v1/auth/login" { POST => auth::create_login }
    "/v1/auth/refresh" { POST => auth::create_refresh }
    "/v1/auth/logout" { POST => auth::create_logout }
    "/v1/auth/visitor" { POST => auth::create_visitor_token }
    "/v1/auth/me" { GET => auth::get_me }
    "/v1/users" { GET => users::list_users, POST => users::create_user }
    "/v1/users/{username}" { PATCH => users::update_user }
    "/v1/sites/{site}/nodes" { POST => nodes::create_node }
    "/v1/sites/{site}/nodes/{node}" {
        GET => nodes::get_node,
        PATCH => nodes::update_node,
        DELETE => nodes::delete_node,
    }
    "/v1/sites/{site}/nodes/{node}/restore" { POST => nodes::restore_node }
    "/v1/sites/{site}/edges" { POST => edges::create_edge }
    "/v1/sites/{site}/edges/{edge}" {
        GET => edges::get_edge,
        PATCH => edges::update_edge,
        DELETE => edges::delete_edge,
    }
    "/v1/sites/{site}/edges/{edge}/restore" { POST => edges::restore_edge }
    "/v1/sites/{site}/audit" { GET => audit::list_audit }
    "/v1/sites/{site}/import" { POST => seed_files::create_import }
    "/v1/sites/{site}/export" { GET => seed_files::get_export }
    "/v1/sites/{site}/places/{place}/ratings" {
        POST => ratings::create_rating,
        GET => ratings::list_place_ratings,
    }
    "/v1/plans/{plan}/feedback" { POST => plan_feedback::create_plan_feedback }
    "/v1/sites/{site}/ratings" { GET => ratings::list_ratings }
    "/v1/sites/{site}/ratings/{rating}" { GET => ratings::get_rating }
    "/v1/sites/{site}/ratings/{rating}/hide" { POST => moderation::hide_rating }
    "/v1/sites/{site}/ratings/{rating}/unhide" { POST => moderation::unhide_rating }
    "/v1/sites/{site}/plan-feedback/{feedback}/hide" { POST => moderation::hide_plan_feedback }
    "/v1/sites/{site}/plan-feedback/{feedback}/unhide" {
        POST => moderation::unhide_plan_feedback,
    }
    "/v1/sites/{site}/insights" { GET => insights::get_insights }
    "/v1/sites/{site}/insights/weekly" { GET => insights::get_weekly_insights }
    "/v1/sites/{site}/codebook" { GET => codebook::get_codebook }
    "/v1/sites/{site}/codebook/codes" { POST => codebook::create_code }
    "/v1/sites/{site}/codebook/codes/{code}" { PATCH => codebook::update_code }
    "/v1/sites/{site}/visits" { POST => visits::create_visits }
    "/v1/sites/{site}/snapshots" {
        GET => snapshots::list_snapshots,
        POST => snapshots::create_snapshot,
    }
}

/// 405 for a known path asked with a method it does not serve; `Allow` lists those it does.
fn method_not_allowed(req: &HttpRequest, allowed: &[&str]) -> Result<HttpResponse, ApiError> {
    let list = allowed.join(", ");
    let mut e = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Method not allowed",
        format!("{} is not allowed here; allowed: {list}", req.method()),
    );
    e.field = Some("method".into());
    e.allow = Some(list.into());
    Err(e)
}

/// 404 for a path no route has.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "Not found",
        format!("no route for {}", req.path()),
    ))
}
