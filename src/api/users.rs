//! Account management for admins: list, create and change operator and admin accounts.

use super::error::ApiError;
use super::extract::{json_body, no_store, query_pairs};
use super::roles::Admin;
use crate::auth::Role;
use crate::services::accounts::{self, AccountChange, AccountError};
use crate::state::AppState;
use crate::store::{users, StoreError};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    #[serde(deserialize_with = "account_role")]
    pub role: Role,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default, deserialize_with = "optional_account_role")]
    pub role: Option<Role>,
    #[serde(default)]
    pub disabled: Option<bool>,
    #[serde(default)]
    pub password: Option<String>,
}

/// An account's role in a body: the string `operator` or `admin`. Anything else (`visitor`
/// deserialises as a [`Role`] but is no account's) fails deserialisation, which
/// [`super::extract::parse_json`] turns into a 400 naming `role`.
fn account_role<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Role, D::Error> {
    account_role_of(&String::deserialize(d)?)
}

/// [`account_role`] of an optional member (`null` and absence leave the role as it is).
fn optional_account_role<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Role>, D::Error> {
    Option::<String>::deserialize(d)?
        .as_deref()
        .map(account_role_of)
        .transpose()
}

fn account_role_of<E: serde::de::Error>(s: &str) -> Result<Role, E> {
    Role::parse_account(s).ok_or_else(|| E::custom("role must be operator or admin"))
}

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> ApiError {
        match e {
            AccountError::Invalid { field, message } => ApiError::invalid(field.as_str(), message),
            AccountError::Taken(_) => ApiError::new(
                StatusCode::CONFLICT,
                "username_taken",
                "Conflict",
                e.to_string(),
            )
            .with_field("username"),
            AccountError::Unknown(u) => ApiError::not_found("account", &u),
            AccountError::LastAdmin(m) => {
                ApiError::new(StatusCode::CONFLICT, "last_admin", "Conflict", m)
            }
            AccountError::Store(s) => s.into(),
        }
    }
}

pub async fn list_users(
    req: HttpRequest,
    state: web::Data<AppState>,
    _admin: Admin,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let st = state.clone();
    let list = web::block(move || -> Result<Vec<users::User>, StoreError> {
        let mut conn = st.pool.get()?;
        users::list(&mut conn)
    })
    .await??;
    let items: Vec<_> = list.iter().map(users::User::public_json).collect();
    Ok(no_store(HttpResponse::Ok()).json(json!({ "items": items })))
}

pub async fn create_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    _admin: Admin,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let NewUser {
        username,
        password,
        role,
    } = json_body(&req, payload).await?;
    let st = state.clone();
    let user = web::block(move || -> Result<users::User, ApiError> {
        let mut conn = st.pool.get().map_err(StoreError::from)?;
        Ok(accounts::add_user(&mut conn, &username, role, &password)?)
    })
    .await??;
    Ok(no_store(HttpResponse::Created())
        .insert_header((header::LOCATION, format!("/v1/users/{}", user.username)))
        .json(user.public_json()))
}

pub async fn update_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    query_pairs(&req, &[])?;
    let username = path.into_inner();
    let p: UserPatch = json_body(&req, payload).await?;
    let change = AccountChange {
        role: p.role,
        disabled: p.disabled,
        password: p.password,
    };
    let st = state.clone();
    let user = web::block(move || -> Result<users::User, ApiError> {
        let mut conn = st.pool.get().map_err(StoreError::from)?;
        Ok(accounts::change_user(&mut conn, &username, &change)?)
    })
    .await??;
    Ok(no_store(HttpResponse::Ok()).json(user.public_json()))
}
