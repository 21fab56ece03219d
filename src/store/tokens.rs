//! Refresh tokens (opaque, stored as SHA-256 hashes, rotated within a family) and revoked
//! access-token ids.

use super::now_s;
use super::schema::{refresh_tokens, revoked_tokens};
use super::{now_text, users, write_transaction, DbConn, StoreError};
use base64::Engine;
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new opaque refresh token (256 random bits, base64url).
pub fn new_refresh_token() -> String {
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

/// What is stored for a refresh token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn expiry_text(ttl_s: u64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(ttl_s as i64))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Stores a refresh token of a family (a new family at login).
pub fn insert_refresh(
    conn: &mut DbConn,
    user_id: &str,
    family_id: &str,
    token: &str,
    access_jti: &str,
    ttl_s: u64,
) -> Result<(), StoreError> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(uuid::Uuid::new_v4().simple().to_string()),
            refresh_tokens::family_id.eq(family_id),
            refresh_tokens::user_id.eq(user_id),
            refresh_tokens::token_hash.eq(hash_token(token)),
            refresh_tokens::access_jti.eq(access_jti),
            refresh_tokens::issued_at.eq(now_text()),
            refresh_tokens::expires_at.eq(expiry_text(ttl_s)),
        ))
        .execute(conn)?;
    // Expired tokens are refused anyway; drop those a day past expiry.
    let day_ago = (chrono::Utc::now() - chrono::Duration::days(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    diesel::delete(refresh_tokens::table.filter(refresh_tokens::expires_at.lt(day_ago)))
        .execute(conn)?;
    Ok(())
}

/// id, family, account, expiry, used at, revoked at.
type RefreshRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

/// What presenting a refresh token led to.
#[derive(Debug)]
pub enum Rotation {
    /// A fresh token was stored in the same family for this account.
    Rotated {
        user: users::User,
        family_id: String,
    },
    /// The token had been used or revoked before: the whole family is now revoked.
    Reused,
    Expired,
    Unknown,
    /// The account is disabled.
    Disabled,
}

/// Rotates a refresh token: marks it used and stores `next` (with the access token it goes with)
/// in the same family. A token presented twice revokes its family (theft detection).
pub fn rotate(
    conn: &mut DbConn,
    token: &str,
    next: &str,
    next_access_jti: &str,
    ttl_s: u64,
) -> Result<Rotation, StoreError> {
    let hash = hash_token(token);
    let outcome = write_transaction(conn, |conn| -> Result<Rotation, StoreError> {
        let row: Option<RefreshRow> = refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(&hash))
            .select((
                refresh_tokens::id,
                refresh_tokens::family_id,
                refresh_tokens::user_id,
                refresh_tokens::expires_at,
                refresh_tokens::used_at,
                refresh_tokens::revoked_at,
            ))
            .first(conn)
            .optional()?;
        let Some((id, family, user_id, expires_at, used_at, revoked_at)) = row else {
            return Ok(Rotation::Unknown);
        };
        if used_at.is_some() || revoked_at.is_some() {
            revoke_family(conn, &family)?;
            return Ok(Rotation::Reused);
        }
        if expires_at <= now_text() {
            return Ok(Rotation::Expired);
        }
        let user = match users::by_id(conn, &user_id)? {
            Some(u) if !u.disabled => u,
            _ => {
                revoke_family(conn, &family)?;
                return Ok(Rotation::Disabled);
            }
        };
        let n = diesel::update(
            refresh_tokens::table
                .filter(refresh_tokens::id.eq(&id))
                .filter(refresh_tokens::used_at.is_null())
                .filter(refresh_tokens::revoked_at.is_null()),
        )
        .set(refresh_tokens::used_at.eq(now_text()))
        .execute(conn)?;
        if n != 1 {
            revoke_family(conn, &family)?;
            return Ok(Rotation::Reused);
        }
        insert_refresh(conn, &user.id, &family, next, next_access_jti, ttl_s)?;
        Ok(Rotation::Rotated {
            user,
            family_id: family,
        })
    })?;
    Ok(outcome)
}

/// Revokes every token of a family and the access tokens issued with them.
pub fn revoke_family(conn: &mut DbConn, family_id: &str) -> Result<(), StoreError> {
    let rows: Vec<(String, Option<String>)> = refresh_tokens::table
        .filter(refresh_tokens::family_id.eq(family_id))
        .filter(refresh_tokens::revoked_at.is_null())
        .select((refresh_tokens::id, refresh_tokens::access_jti))
        .load(conn)?;
    revoke_rows(conn, rows)
}

/// Revokes every refresh token of an account and the access tokens issued with them.
pub fn revoke_user(conn: &mut DbConn, user_id: &str) -> Result<(), StoreError> {
    let rows: Vec<(String, Option<String>)> = refresh_tokens::table
        .filter(refresh_tokens::user_id.eq(user_id))
        .filter(refresh_tokens::revoked_at.is_null())
        .select((refresh_tokens::id, refresh_tokens::access_jti))
        .load(conn)?;
    revoke_rows(conn, rows)
}

fn revoke_rows(conn: &mut DbConn, rows: Vec<(String, Option<String>)>) -> Result<(), StoreError> {
    let now = now_text();
    // Access tokens live at most their TTL; keep their revocation for a week.
    let until = now_s() + 7 * 24 * 3600;
    for (id, jti) in rows {
        diesel::update(refresh_tokens::table.find(&id))
            .set(refresh_tokens::revoked_at.eq(&now))
            .execute(conn)?;
        if let Some(j) = jti {
            revoke_jti(conn, &j, until)?;
        }
    }
    Ok(())
}

/// The family a refresh token belongs to, if it is known and belongs to `user_id`.
pub fn family_of(
    conn: &mut DbConn,
    token: &str,
    user_id: &str,
) -> Result<Option<String>, StoreError> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(hash_token(token)))
        .filter(refresh_tokens::user_id.eq(user_id))
        .select(refresh_tokens::family_id)
        .first(conn)
        .optional()?)
}

/// Revokes one access token id until `exp` (seconds since the epoch); drops expired entries.
pub fn revoke_jti(conn: &mut DbConn, jti: &str, exp: i64) -> Result<(), StoreError> {
    let exists: i64 = revoked_tokens::table
        .filter(revoked_tokens::jti.eq(jti))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        diesel::insert_into(revoked_tokens::table)
            .values((
                revoked_tokens::jti.eq(jti),
                revoked_tokens::expires_at.eq(exp),
                revoked_tokens::revoked_at.eq(now_text()),
            ))
            .execute(conn)?;
    }
    diesel::delete(revoked_tokens::table.filter(revoked_tokens::expires_at.lt(now_s() - 60)))
        .execute(conn)?;
    Ok(())
}

/// Whether an access token id has been revoked.
pub fn is_revoked(conn: &mut DbConn, jti: &str) -> Result<bool, StoreError> {
    let revoked: i64 = revoked_tokens::table
        .filter(revoked_tokens::jti.eq(jti))
        .count()
        .get_result(conn)?;
    Ok(revoked > 0)
}
