//! The HTTP server: the middleware stack around the routes.

use super::middleware::{rate_limit, response_cache};
use crate::state::AppState;
use actix_web::{middleware, web, App, HttpServer};
use std::net::TcpListener;
use std::sync::Arc;

/// The running server: a future that ends when the server stops.
pub type Server = actix_web::dev::Server;

/// Serves the API on `listener` (`workers` threads, or one per core).
pub fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    workers: Option<usize>,
) -> Result<Server, String> {
    let data = web::Data::from(state);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(middleware::from_fn(response_cache))
            .wrap(middleware::Compress::default())
            .wrap(middleware::from_fn(rate_limit))
            .wrap(middleware::Logger::new("%a \"%r\" %s %b %Dms").log_target("http"))
            .wrap(security_headers())
            .configure(super::configure)
            .default_service(web::to(super::not_found))
    })
    .listen(listener)
    .map_err(|e| e.to_string())?;
    if let Some(w) = workers {
        server = server.workers(w);
    }
    Ok(server.run())
}

/// Headers on every response: no content sniffing, no framing, no referrer, and no content a
/// browser would run (the API serves data, never pages).
fn security_headers() -> middleware::DefaultHeaders {
    middleware::DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add((
            "Content-Security-Policy",
            "default-src 'none'; frame-ancestors 'none'",
        ))
}
