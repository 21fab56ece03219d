//! Account management shared by the HTTP API and the `user` command.

use crate::auth::password;
use crate::domain::Role;
use crate::store::{tokens, users, DbConn, StoreError};

/// The part of an account a refused value belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountField {
    Username,
    Role,
    Password,
}

impl AccountField {
    /// The name of the field in the API's bodies.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountField::Username => "username",
            AccountField::Role => "role",
            AccountField::Password => "password",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{message}")]
    Invalid {
        field: AccountField,
        message: String,
    },
    #[error("username `{0}` is taken")]
    Taken(String),
    #[error("no account `{0}`")]
    Unknown(String),
    #[error("{0}")]
    LastAdmin(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A refused value of `field`, from its message.
fn invalid(field: AccountField) -> impl Fn(String) -> AccountError {
    move |message| AccountError::Invalid { field, message }
}

/// Creates an account after checking the username and the password policy.
pub fn add_user(
    conn: &mut DbConn,
    username: &str,
    role: Role,
    password: &str,
) -> Result<users::User, AccountError> {
    users::check_username(username).map_err(invalid(AccountField::Username))?;
    if role == Role::Visitor {
        return Err(AccountError::Invalid {
            field: AccountField::Role,
            message: "accounts are operators or admins".into(),
        });
    }
    password::check_policy(password).map_err(invalid(AccountField::Password))?;
    let hash = password::hash_password(password).map_err(invalid(AccountField::Password))?;
    users::create(conn, username, role, &hash)?
        .ok_or_else(|| AccountError::Taken(username.to_string()))
}

/// A change to an account.
#[derive(Clone, Debug, Default)]
pub struct AccountChange {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub password: Option<String>,
}

/// Changes an account. Disabling it, changing its role or its password revokes its refresh
/// tokens (its access tokens stop working at once: the extractors check the account). The last
/// enabled admin cannot be disabled or demoted.
pub fn change_user(
    conn: &mut DbConn,
    username: &str,
    change: &AccountChange,
) -> Result<users::User, AccountError> {
    let hash = match &change.password {
        Some(p) => {
            password::check_policy(p).map_err(invalid(AccountField::Password))?;
            Some(password::hash_password(p).map_err(invalid(AccountField::Password))?)
        }
        None => None,
    };
    if change.role == Some(Role::Visitor) {
        return Err(AccountError::Invalid {
            field: AccountField::Role,
            message: "accounts are operators or admins".into(),
        });
    }
    crate::store::write_transaction(conn, |conn| {
        let user = users::by_username(conn, username)?
            .ok_or_else(|| AccountError::Unknown(username.to_string()))?;
        let loses_admin = user.role() == Some(Role::Admin)
            && !user.disabled
            && (change.disabled == Some(true) || change.role.is_some_and(|r| r != Role::Admin));
        if loses_admin && users::other_active_admins(conn, &user.id)? == 0 {
            return Err(AccountError::LastAdmin(format!(
                "`{username}` is the last enabled admin; make another admin first"
            )));
        }
        users::update(
            conn,
            &user.id,
            change.role,
            change.disabled,
            hash.as_deref(),
        )?;
        let role_changed = change.role.is_some_and(|r| Some(r) != user.role());
        if change.disabled == Some(true) || role_changed || hash.is_some() {
            tokens::revoke_user(conn, &user.id)?;
        }
        users::by_id(conn, &user.id)?.ok_or_else(|| AccountError::Unknown(username.to_string()))
    })
}
