//! Authentication: bearer JWTs verified into an [`AuthenticatedUser`](platform_core::AuthenticatedUser).
//!
//! The HTTP middleware that uses it is `http/auth.rs`; access rules are checked in
//! dispatch against each handler's [`Access`](crate::Access).
//!
//! # Layout
//! - `verifier`: [`Verifier`], a token's header, signature, times, issuer and audience
//!   checked with the algorithm pinned to the configured keys.
//! - `jwks`: the cache of an issuer's public keys (URL or file), refreshed for unknown
//!   key ids at most once per `AUTH_JWKS_MIN_REFRESH_SECS`.
//! - `claims`: claims → user id, roles and tenant; tenant names checked.
//! - `issue`: development tokens signed with the HS256 secret (the `token` command).
//! - `error`: [`TokenError`], why a token was refused.

mod claims;
mod error;
mod issue;
mod jwks;
mod verifier;

pub(crate) use error::TokenError;
pub use issue::{IssueError, issue_development_token};
pub(crate) use verifier::Verifier;
