//! Operator and admin accounts.

use super::schema::users;
use super::{now_text, DbConn, StoreError};
use crate::domain::Role;
use diesel::prelude::*;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub disabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl User {
    pub fn role(&self) -> Option<Role> {
        Role::parse_account(&self.role)
    }

    /// The account as the API shows it (never the hash).
    pub fn public_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "username": self.username,
            "role": self.role,
            "disabled": self.disabled,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }
}

/// Usernames: 3 to 64 of lowercase letters, digits, `.`, `_`, `-`, starting with a letter or digit.
pub fn check_username(name: &str) -> Result<(), String> {
    let ok = (3..=64).contains(&name.len())
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_' || b == b'-'
        });
    if ok {
        Ok(())
    } else {
        Err("usernames are 3 to 64 lowercase letters, digits, '.', '_' or '-'".into())
    }
}

/// Creates an account; `Ok(None)` when the username is taken.
pub fn create(
    conn: &mut DbConn,
    username: &str,
    role: Role,
    password_hash: &str,
) -> Result<Option<User>, StoreError> {
    let now = now_text();
    let id = uuid::Uuid::new_v4().simple().to_string();
    let res = diesel::insert_into(users::table)
        .values((
            users::id.eq(&id),
            users::username.eq(username),
            users::password_hash.eq(password_hash),
            users::role.eq(role.as_str()),
            users::disabled.eq(false),
            users::created_at.eq(&now),
            users::updated_at.eq(&now),
        ))
        .execute(conn)
        .map_err(StoreError::from);
    match res {
        Ok(_) => by_id(conn, &id),
        Err(e) if super::is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

pub fn by_username(conn: &mut DbConn, username: &str) -> Result<Option<User>, StoreError> {
    Ok(users::table
        .filter(users::username.eq(username))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_id(conn: &mut DbConn, id: &str) -> Result<Option<User>, StoreError> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConn) -> Result<Vec<User>, StoreError> {
    Ok(users::table
        .order(users::username.asc())
        .select(User::as_select())
        .load(conn)?)
}

/// Enabled admins other than `except`.
pub fn other_active_admins(conn: &mut DbConn, except: &str) -> Result<i64, StoreError> {
    Ok(users::table
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::disabled.eq(false))
        .filter(users::id.ne(except))
        .count()
        .get_result(conn)?)
}

/// Changes an account; `None` leaves a field as it is.
pub fn update(
    conn: &mut DbConn,
    id: &str,
    role: Option<Role>,
    disabled: Option<bool>,
    password_hash: Option<&str>,
) -> Result<(), StoreError> {
    let now = now_text();
    if let Some(r) = role {
        diesel::update(users::table.find(id))
            .set(users::role.eq(r.as_str()))
            .execute(conn)?;
    }
    if let Some(d) = disabled {
        diesel::update(users::table.find(id))
            .set(users::disabled.eq(d))
            .execute(conn)?;
    }
    if let Some(h) = password_hash {
        diesel::update(users::table.find(id))
            .set(users::password_hash.eq(h))
            .execute(conn)?;
    }
    diesel::update(users::table.find(id))
        .set(users::updated_at.eq(now))
        .execute(conn)?;
    Ok(())
}
