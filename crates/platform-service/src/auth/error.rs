//! [`TokenError`]: why a bearer token was refused.

use jsonwebtoken::Algorithm;
use jsonwebtoken::errors::ErrorKind;

/// Why a bearer token was refused. All are a 401 `invalid_token`, except
/// [`TokenError::KeysUnavailable`], a 503: the token may be fine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a JWT: not three base64url parts, a header or claims that are not JSON, an
    /// unknown `alg` (such as `none`), or a critical header extension.
    #[error("malformed token: {0}")]
    Malformed(String),
    /// A signature algorithm other than the one of the configured keys.
    #[error("algorithm {0:?} is not accepted")]
    Algorithm(Algorithm),
    /// No `kid` in the header while the key set has several keys.
    #[error("the token names no signing key (kid) and the key set has several")]
    NoKeyId,
    /// A `kid` the key set does not have, even after a refresh.
    #[error("unknown signing key {0:?}")]
    UnknownKey(String),
    /// The signature does not verify with the key.
    #[error("invalid signature")]
    Signature,
    /// `exp` is past (beyond the leeway).
    #[error("token expired")]
    Expired,
    /// `nbf` is still ahead (beyond the leeway).
    #[error("token not valid yet")]
    NotYetValid,
    /// `iss` is not `AUTH_ISSUER`.
    #[error("wrong issuer")]
    Issuer,
    /// `aud` does not name `AUTH_AUDIENCE`.
    #[error("wrong audience")]
    Audience,
    /// A claim the service needs is missing or of the wrong shape.
    #[error("claim {name:?} {problem}")]
    Claim {
        /// The claim's name.
        name: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The issuer's keys could not be fetched, so the token cannot be checked (503).
    #[error("the issuer's signing keys are unavailable")]
    KeysUnavailable,
}

impl From<jsonwebtoken::errors::Error> for TokenError {
    fn from(err: jsonwebtoken::errors::Error) -> Self {
        match err.kind() {
            ErrorKind::InvalidSignature => TokenError::Signature,
            ErrorKind::ExpiredSignature => TokenError::Expired,
            ErrorKind::ImmatureSignature => TokenError::NotYetValid,
            ErrorKind::InvalidIssuer => TokenError::Issuer,
            ErrorKind::InvalidAudience => TokenError::Audience,
            ErrorKind::MissingRequiredClaim(name) => TokenError::Claim {
                name: name.clone(),
                problem: "is missing",
            },
            ErrorKind::InvalidClaimFormat(name) => TokenError::Claim {
                name: name.clone(),
                problem: "is malformed",
            },
            _ => TokenError::Malformed(err.to_string()),
        }
    }
}
