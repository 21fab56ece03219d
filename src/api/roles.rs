//! Request extractors for the roles. Each verifies the bearer token (signature, algorithm,
//! expiry, issuer, audience), then checks in the store that its id is not revoked and, for
//! accounts, that the account is still enabled with the same role.
//!
//! * [`Visitor`]: a visitor token (bound to one site: see [`Claims::require_site`]).
//! * [`Operator`]: an operator's or an admin's token.
//! * [`Admin`]: an admin's token.
//! * [`Authenticated`]: any valid token.
//!
//! Missing or unusable credentials give 401 with `WWW-Authenticate: Bearer`; a valid token of
//! the wrong role gives 403.

use super::error::ApiError;
use crate::auth::{Claims, Role};
use crate::state::AppState;
use crate::store;
use actix_web::http::header;
use actix_web::{dev::Payload, web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;

/// A visitor's token.
#[derive(Clone, Debug)]
pub struct Visitor(pub Claims);

/// An operator's or an admin's token.
#[derive(Clone, Debug)]
pub struct Operator(pub Claims);

/// An admin's token.
#[derive(Clone, Debug)]
pub struct Admin(pub Claims);

/// Any valid token.
#[derive(Clone, Debug)]
pub struct Authenticated(pub Claims);

/// The token of `Authorization: Bearer <token>`, if the header is there; 401 when it is there
/// but malformed.
pub fn bearer_token(req: &HttpRequest) -> Result<Option<&str>, ApiError> {
    let Some(v) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || {
        ApiError::unauthorized(
            "invalid_token",
            "the Authorization header must be `Bearer <token>`",
        )
    };
    let v = v.to_str().map_err(|_| bad())?;
    let (scheme, token) = v.split_once(' ').ok_or_else(bad)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.len() > 4096 {
        return Err(bad());
    }
    Ok(Some(token))
}

/// Verifies the request's token and its standing in the store (once per request).
async fn authenticate(req: HttpRequest) -> Result<Claims, ApiError> {
    if let Some(c) = req.extensions().get::<Claims>() {
        return Ok(c.clone());
    }
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal("application state missing"))?;
    let token = bearer_token(&req)?.ok_or_else(|| {
        ApiError::unauthorized("missing_token", "this route needs a bearer token")
    })?;
    let claims = state.tokens.verify(token)?;
    let c = claims.clone();
    let st = state.clone();
    web::block(move || -> Result<(), ApiError> {
        let mut conn = st.pool.get().map_err(store::StoreError::from)?;
        Ok(crate::auth::check_standing(&mut conn, &c)?)
    })
    .await??;
    req.extensions_mut().insert(claims.clone());
    Ok(claims)
}

fn need(claims: Claims, ok: bool, what: &str) -> Result<Claims, ApiError> {
    if ok {
        Ok(claims)
    } else {
        Err(ApiError::forbidden(format!(
            "this route needs {what}; the token is a {}'s",
            claims.role.as_str()
        )))
    }
}

macro_rules! role_extractor {
    ($ty:ident, $check:expr, $what:expr) => {
        impl FromRequest for $ty {
            type Error = ApiError;
            type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let req = req.clone();
                Box::pin(async move {
                    let claims = authenticate(req).await?;
                    let ok = $check(&claims);
                    need(claims, ok, $what).map($ty)
                })
            }
        }
    };
}

role_extractor!(
    Visitor,
    |c: &Claims| c.role == Role::Visitor,
    "a visitor token"
);
role_extractor!(Operator, |c: &Claims| c.is_staff(), "an operator or admin");
role_extractor!(Admin, |c: &Claims| c.role == Role::Admin, "an admin");
role_extractor!(Authenticated, |_: &Claims| true, "a token");
