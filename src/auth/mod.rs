//! Authentication: JWT access tokens (HS256 only), their claims and roles, and argon2id
//! passwords. The request extractors for the roles are in `api::roles`.

pub mod password;

pub use crate::domain::{Role, UnknownRole};
use crate::store::{tokens, users, DbConn, StoreError};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Why a token or a sign-in does not authenticate, or does not reach what it asks for.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the token has expired")]
    Expired,
    /// The token is malformed, badly signed or not for this service: why.
    #[error("{0}")]
    InvalidToken(&'static str),
    #[error("the token has been revoked")]
    Revoked,
    #[error("the account is disabled")]
    AccountDisabled,
    /// The account's role changed since the token was issued.
    #[error("the account's role changed; sign in again")]
    RoleChanged,
    /// A valid token for another site (`token_site`), or for none.
    #[error("the token is not for site `{site}`")]
    WrongSite {
        token_site: Option<String>,
        site: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `iss` of every token this server issues.
pub const ISSUER: &str = "heritage-guide";
/// `aud` of every token this server issues.
pub const AUDIENCE: &str = "heritage-guide-api";
/// The only signing algorithm accepted.
pub const ALGORITHM: Algorithm = Algorithm::HS256;
/// Clock skew tolerated on `exp` and `iat`, in seconds.
pub const LEEWAY_S: u64 = 5;

/// The claims of an access token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// The account id, or `visitor:<uuid>` for visitors.
    pub sub: String,
    pub role: Role,
    /// The site a visitor token is for (absent on account tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// Token id, for revocation.
    pub jti: String,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
    /// Issued at, seconds since the Unix epoch.
    pub iat: i64,
    pub iss: String,
    pub aud: String,
}

impl Claims {
    /// Refused unless the token is for this site (visitor tokens carry exactly one site).
    pub fn require_site(&self, site: &str) -> Result<(), AuthError> {
        match &self.site {
            Some(s) if s == site => Ok(()),
            other => Err(AuthError::WrongSite {
                token_site: other.clone(),
                site: site.to_string(),
            }),
        }
    }

    /// Whether the token is an operator's or an admin's.
    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::Operator | Role::Admin)
    }
}

pub use crate::store::now_s;

/// Whether a token still stands: its id is not revoked, and an account token's account exists,
/// is enabled and still has the token's role.
pub fn check_standing(conn: &mut DbConn, c: &Claims) -> Result<(), AuthError> {
    if tokens::is_revoked(conn, &c.jti)? {
        return Err(AuthError::Revoked);
    }
    if c.role == Role::Visitor {
        return Ok(());
    }
    match users::by_id(conn, &c.sub)? {
        Some(u) if u.disabled => Err(AuthError::AccountDisabled),
        Some(u) if u.role() == Some(c.role) => Ok(()),
        Some(_) => Err(AuthError::RoleChanged),
        None => Err(AuthError::InvalidToken(
            "the token's account does not exist",
        )),
    }
}

/// Signs and verifies access tokens with one secret.
#[derive(Clone)]
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for TokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenService { .. }")
    }
}

impl TokenService {
    pub fn new(secret: &[u8]) -> TokenService {
        let mut validation = Validation::new(ALGORITHM);
        validation.algorithms = vec![ALGORITHM];
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_S;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        TokenService {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// Claims for a new token of `ttl_s` seconds.
    pub fn claims(&self, sub: &str, role: Role, site: Option<&str>, ttl_s: u64) -> Claims {
        let now = now_s();
        Claims {
            sub: sub.to_string(),
            role,
            site: site.map(str::to_string),
            jti: uuid::Uuid::new_v4().simple().to_string(),
            exp: now + ttl_s as i64,
            iat: now,
            iss: ISSUER.to_string(),
            aud: AUDIENCE.to_string(),
        }
    }

    /// Signs claims as given (tests use this to make expired or foreign tokens).
    pub fn sign(&self, claims: &Claims) -> String {
        jsonwebtoken::encode(&Header::new(ALGORITHM), claims, &self.encoding)
            .expect("HS256 signing cannot fail")
    }

    /// Verifies signature, algorithm, `exp`, `iat`, `iss` and `aud`; revocation is checked by
    /// the extractors.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        use jsonwebtoken::errors::ErrorKind;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| {
                let detail = match e.kind() {
                    ErrorKind::ExpiredSignature => return AuthError::Expired,
                    ErrorKind::InvalidSignature => "the token's signature is not valid",
                    ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                        "the token must be signed with HS256"
                    }
                    ErrorKind::InvalidAudience => "the token is for another audience",
                    ErrorKind::InvalidIssuer => "the token comes from another issuer",
                    ErrorKind::MissingRequiredClaim(_) => "the token lacks a required claim",
                    ErrorKind::ImmatureSignature => "the token is not valid yet",
                    _ => "the token is malformed",
                };
                AuthError::InvalidToken(detail)
            })?;
        if data.header.alg != ALGORITHM {
            return Err(AuthError::InvalidToken(
                "the token must be signed with HS256",
            ));
        }
        let c = data.claims;
        if c.iat > now_s() + LEEWAY_S as i64 {
            return Err(AuthError::InvalidToken(
                "the token was issued in the future",
            ));
        }
        if c.jti.is_empty() || c.jti.len() > 64 {
            return Err(AuthError::InvalidToken("the token has no usable id"));
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn b64(v: &serde_json::Value) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    }

    #[test]
    fn round_trips_and_refuses_tampering_and_foreign_algorithms() {
        let t = TokenService::new(&[7u8; 32]);
        let c = t.claims("u1", Role::Operator, None, 60);
        let tok = t.sign(&c);
        assert_eq!(t.verify(&tok).unwrap(), c);

        let other = TokenService::new(&[8u8; 32]);
        assert!(matches!(
            other.verify(&tok).unwrap_err(),
            AuthError::InvalidToken(_)
        ));

        let mut parts: Vec<String> = tok.split('.').map(str::to_string).collect();
        let mut payload = serde_json::to_value(&c).unwrap();
        payload["role"] = "admin".into();
        parts[1] = b64(&payload);
        assert!(t.verify(&parts.join(".")).is_err(), "tampered payload");

        let none = format!(
            "{}.{}.",
            b64(&serde_json::json!({"alg": "none", "typ": "JWT"})),
            b64(&payload)
        );
        assert!(t.verify(&none).is_err(), "alg none");

        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &c,
            &EncodingKey::from_secret(&[7u8; 32]),
        )
        .unwrap();
        assert!(t.verify(&hs512).is_err(), "another algorithm");

        let mut expired = t.claims("u1", Role::Operator, None, 60);
        expired.exp = now_s() - 3600;
        expired.iat = now_s() - 7200;
        assert!(matches!(
            t.verify(&t.sign(&expired)).unwrap_err(),
            AuthError::Expired
        ));

        let mut aud = c.clone();
        aud.aud = "someone-else".into();
        assert!(t.verify(&t.sign(&aud)).is_err(), "wrong audience");
        let mut iss = c.clone();
        iss.iss = "someone-else".into();
        assert!(t.verify(&t.sign(&iss)).is_err(), "wrong issuer");
        let mut future = c;
        future.iat = now_s() + 3600;
        assert!(t.verify(&t.sign(&future)).is_err(), "issued in the future");
    }

    #[test]
    fn visitor_tokens_are_bound_to_one_site() {
        let t = TokenService::new(&[1u8; 32]);
        let c = t.claims("visitor:x", Role::Visitor, Some("a"), 60);
        assert!(c.require_site("a").is_ok());
        assert!(matches!(
            c.require_site("b").unwrap_err(),
            AuthError::WrongSite { token_site: Some(s), .. } if s == "a"
        ));
    }

    #[test]
    fn role_names_parse_and_serialise_alike() {
        for r in [Role::Visitor, Role::Operator, Role::Admin] {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        assert_eq!("root".parse::<Role>(), Err(UnknownRole("root".into())));
        assert_eq!(Role::parse_account("visitor"), None);
        assert_eq!(Role::parse_account("admin"), Some(Role::Admin));
        assert_eq!(Role::parse_account("Admin"), None);
    }
}
