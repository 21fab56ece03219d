//! Sign-in, token refresh and logout for operator accounts, anonymous visitor tokens, and
//! account management for admins.

use super::error::ApiError;
use super::extract::{
    no_store, parse_json, payload_too_large, query_pairs, require_json, ApiJson, MAX_BODY_BYTES,
};
use super::middleware::{client_ip, digest};
use super::roles::Authenticated;
use crate::auth::{password, Role};
use crate::state::AppState;
use crate::store::{self, tokens, users, StoreError};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

/// The window of the login limits.
pub const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How many more failed sign-ins, from any address, lock a username everywhere than lock it
/// from one address (`HG_LOGIN_ATTEMPTS_PER_USERNAME`).
pub const ACCOUNT_WIDE_LOCK_FACTOR: u32 = 10;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LogoutRequest {
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Revoke every session of the account.
    #[serde(default)]
    pub all: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitorRequest {
    pub site: String,
}

/// Issues an access token and a refresh token for an account (a new family unless given).
fn issue_pair(
    state: &AppState,
    conn: &mut store::DbConn,
    user: &users::User,
    family: Option<&str>,
) -> Result<serde_json::Value, ApiError> {
    let role = user
        .role()
        .ok_or_else(|| ApiError::internal(format!("account {} has no valid role", user.id)))?;
    let s = &state.settings;
    let claims = state
        .tokens
        .claims(&user.id, role, None, s.access_token_ttl_s);
    let access = state.tokens.sign(&claims);
    let refresh = tokens::new_refresh_token();
    let family = family
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    tokens::insert_refresh(
        conn,
        &user.id,
        &family,
        &refresh,
        &claims.jti,
        s.refresh_token_ttl_s,
    )?;
    Ok(token_body(&access, &refresh, state, user))
}

fn token_body(
    access: &str,
    refresh: &str,
    state: &AppState,
    user: &users::User,
) -> serde_json::Value {
    json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": state.settings.access_token_ttl_s,
        "refresh_token": refresh,
        "refresh_expires_in": state.settings.refresh_token_ttl_s,
        "role": user.role,
        "username": user.username,
    })
}

fn invalid_credentials() -> ApiError {
    ApiError::unauthorized("invalid_credentials", "unknown username or wrong password")
}

pub async fn create_login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let LoginRequest { username, password } = body.0;
    let username = username.trim().to_ascii_lowercase();
    if username.is_empty() || username.len() > 64 || password.len() > password::MAX_PASSWORD_BYTES {
        return Err(invalid_credentials());
    }
    let limits = &state.settings.limits;
    let ip = client_ip(&req, state.settings.trust_proxy);
    // A limit of 0 is off, as for the other request limits.
    if limits.login_per_ip > 0 {
        let ip_key = state.cache.key(&["login", "ip", &ip]);
        let d = state
            .cache
            .rate(&ip_key, limits.login_per_ip, LOGIN_WINDOW)
            .await;
        if !d.allowed {
            return Err(ApiError::too_many_requests(
                d.retry_after_s,
                "too many sign-in attempts from this client; try again later",
            ));
        }
    }
    // Failed sign-ins lock a username from the client that failed (so a stranger cannot lock the
    // owner out from every address), and from everywhere only after many more failures from
    // anywhere (so guessing spread over many addresses still stops).
    let user_keys = [
        (
            state
                .cache
                .key(&["login", "user-ip", &digest(&format!("{username}\n{ip}"))]),
            limits.login_per_username,
        ),
        (
            state.cache.key(&["login", "user", &digest(&username)]),
            limits
                .login_per_username
                .saturating_mul(ACCOUNT_WIDE_LOCK_FACTOR),
        ),
    ];
    if limits.login_per_username > 0 {
        for (key, limit) in &user_keys {
            if let Some(retry) = state.cache.exhausted(key, *limit).await {
                return Err(ApiError::too_many_requests(
                    retry,
                    "too many failed sign-ins for this account; try again later",
                ));
            }
        }
    }
    let username_for_log = username.clone();
    let st = state.clone();
    let outcome = web::block(move || -> Result<Option<serde_json::Value>, ApiError> {
        let mut conn = st.pool.get().map_err(StoreError::from)?;
        let user = users::by_username(&mut conn, &username)?;
        let ok = match &user {
            Some(u) => password::verify_password(&password, &u.password_hash) && !u.disabled,
            None => {
                password::verify_dummy(&password);
                false
            }
        };
        match (ok, user) {
            (true, Some(u)) => Ok(Some(issue_pair(&st, &mut conn, &u, None)?)),
            _ => Ok(None),
        }
    })
    .await??;
    match outcome {
        Some(body) => Ok(no_store(HttpResponse::Ok()).json(body)),
        None => {
            tracing::warn!(username = %digest(&username_for_log), ip = %ip, "failed sign-in");
            if limits.login_per_username > 0 {
                for (key, limit) in &user_keys {
                    state.cache.rate(key, *limit, LOGIN_WINDOW).await;
                }
            }
            Err(invalid_credentials())
        }
    }
}

pub async fn create_refresh(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let token = body.0.refresh_token;
    if token.is_empty() || token.len() > 256 {
        return Err(ApiError::unauthorized(
            "invalid_refresh_token",
            "unknown refresh token",
        ));
    }
    let st = state.clone();
    let body = web::block(move || -> Result<serde_json::Value, ApiError> {
        let mut conn = st.pool.get().map_err(StoreError::from)?;
        let claims_role_ttl = st.settings.access_token_ttl_s;
        let next = tokens::new_refresh_token();
        // The access token is minted first so its id can be stored with the new refresh token.
        let jti = uuid::Uuid::new_v4().simple().to_string();
        match tokens::rotate(
            &mut conn,
            &token,
            &next,
            &jti,
            st.settings.refresh_token_ttl_s,
        )? {
            tokens::Rotation::Rotated { user, .. } => {
                let role = user.role().ok_or_else(|| {
                    ApiError::internal(format!("account {} has no valid role", user.id))
                })?;
                let mut claims = st.tokens.claims(&user.id, role, None, claims_role_ttl);
                claims.jti = jti;
                let access = st.tokens.sign(&claims);
                Ok(token_body(&access, &next, &st, &user))
            }
            tokens::Rotation::Reused => {
                tracing::warn!("a refresh token was presented twice; its family is revoked");
                Err(ApiError::unauthorized(
                    "refresh_token_reused",
                    "this refresh token was already used; every session of its sign-in is revoked",
                ))
            }
            tokens::Rotation::Expired => Err(ApiError::unauthorized(
                "refresh_token_expired",
                "the refresh token has expired; sign in again",
            )),
            tokens::Rotation::Disabled => Err(ApiError::unauthorized(
                "account_disabled",
                "the account is disabled",
            )),
            tokens::Rotation::Unknown => Err(ApiError::unauthorized(
                "invalid_refresh_token",
                "unknown refresh token",
            )),
        }
    })
    .await??;
    Ok(no_store(HttpResponse::Ok()).json(body))
}

/// Parses an optional strict JSON body (empty means the defaults).
fn optional_body<T: serde::de::DeserializeOwned + Default>(
    req: &HttpRequest,
    body: &web::Bytes,
) -> Result<T, ApiError> {
    if body.is_empty() {
        return Ok(T::default());
    }
    if body.len() > MAX_BODY_BYTES {
        return Err(payload_too_large(MAX_BODY_BYTES));
    }
    require_json(req)?;
    parse_json(body)
}

pub async fn create_logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Authenticated,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let opts: LogoutRequest = optional_body(&req, &body)?;
    let claims = who.0;
    let st = state.clone();
    web::block(move || -> Result<(), ApiError> {
        let mut conn = st.pool.get().map_err(StoreError::from)?;
        tokens::revoke_jti(&mut conn, &claims.jti, claims.exp)?;
        if claims.is_staff() {
            if opts.all {
                tokens::revoke_user(&mut conn, &claims.sub)?;
            } else if let Some(rt) = &opts.refresh_token {
                match tokens::family_of(&mut conn, rt, &claims.sub)? {
                    Some(f) => tokens::revoke_family(&mut conn, &f)?,
                    None => {
                        return Err(ApiError::invalid(
                            "refresh_token",
                            "not a refresh token of this account",
                        ))
                    }
                }
            }
        }
        Ok(())
    })
    .await??;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn create_visitor_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<VisitorRequest>,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let site = body.0.site;
    state
        .snapshot(&site)
        .map_err(|e| ApiError::from(e).with_field("site"))?;
    // Counted in the shared cache, so the limit holds across instances; 0 is off.
    let limit = state.settings.limits.visitor_tokens_per_ip_per_hour;
    if limit > 0 {
        let ip = client_ip(&req, state.settings.trust_proxy);
        let d = state
            .cache
            .rate(
                &state.cache.key(&["visitor", "ip", &ip]),
                limit,
                Duration::from_secs(3600),
            )
            .await;
        if !d.allowed {
            return Err(ApiError::too_many_requests(
                d.retry_after_s,
                format!(
                    "too many visitor tokens for this client (at most {limit} an hour); reuse the one you have"
                ),
            ));
        }
    }
    let ttl = state.settings.visitor_token_ttl_s;
    let sub = format!("visitor:{}", uuid::Uuid::new_v4().simple());
    let claims = state.tokens.claims(&sub, Role::Visitor, Some(&site), ttl);
    let token = state.tokens.sign(&claims);
    Ok(no_store(HttpResponse::Created()).json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": ttl,
        "site": site,
        "visitor_id": sub,
    })))
}

pub async fn get_me(
    req: HttpRequest,
    state: web::Data<AppState>,
    who: Authenticated,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let c = who.0;
    let mut body = json!({
        "sub": c.sub,
        "role": c.role,
        "site": c.site,
        "expires_at": chrono::DateTime::from_timestamp(c.exp, 0).map(|t| t.to_rfc3339()),
    });
    if c.is_staff() {
        let st = state.clone();
        let id = c.sub.clone();
        let user = web::block(move || -> Result<Option<users::User>, StoreError> {
            let mut conn = st.pool.get()?;
            users::by_id(&mut conn, &id)
        })
        .await??;
        body["username"] = json!(user.map(|u| u.username));
    }
    Ok(no_store(HttpResponse::Ok()).json(body))
}
