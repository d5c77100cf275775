//! Development tokens: `order-service token --sub alice --roles customer`, signed with
//! the HS256 secret and carrying what the service's verifier asks for.

use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode, get_current_timestamp};
use serde_json::{Map, Value};

use super::claims::is_valid_tenant;
use crate::config::Config;

/// Why no token was made.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// Development tokens are refused in production.
    #[error(
        "the token command makes development tokens and is refused when ENVIRONMENT=production"
    )]
    Production,
    /// Tokens are verified with public keys, so only the issuer can sign them.
    #[error(
        "the token command needs AUTH_JWT_SECRET (HS256); with AUTH_JWKS_* tokens come from the issuer"
    )]
    NoSecret,
    /// An argument is not usable.
    #[error("{0}")]
    Invalid(String),
    /// Signing failed.
    #[error("cannot sign the token: {0}")]
    Sign(#[from] jsonwebtoken::errors::Error),
}

/// A token for `sub` with `roles` in `tenant` (the default one when `None`), valid for
/// `ttl`, with `iss` and `aud` from the config when set.
pub fn issue_development_token(
    config: &Config,
    sub: &str,
    roles: &[String],
    tenant: Option<&str>,
    ttl: Duration,
) -> Result<String, IssueError> {
    if config.environment == "production" {
        return Err(IssueError::Production);
    }
    let secret = config.auth.secret().ok_or(IssueError::NoSecret)?;
    if sub.is_empty() {
        return Err(IssueError::Invalid("--sub must not be empty".to_owned()));
    }
    if let Some(tenant) = tenant
        && !is_valid_tenant(tenant)
    {
        return Err(IssueError::Invalid(format!(
            "--tenant {tenant:?}: 1 to 64 characters of A-Z, a-z, 0-9, '_', '.', '-'"
        )));
    }
    if ttl.is_zero() {
        return Err(IssueError::Invalid(
            "--ttl-secs must be at least 1".to_owned(),
        ));
    }
    let names = &config.auth.claims;
    let now = get_current_timestamp();
    let mut claims = Map::new();
    claims.insert(names.user.clone(), Value::from(sub));
    claims.insert(names.roles.clone(), Value::from(roles.to_vec()));
    if let Some(tenant) = tenant {
        claims.insert(names.tenant.clone(), Value::from(tenant));
    }
    claims.insert("iat".to_owned(), Value::from(now));
    claims.insert(
        "exp".to_owned(),
        Value::from(now.saturating_add(ttl.as_secs())),
    );
    if let Some(issuer) = &config.auth.issuer {
        claims.insert("iss".to_owned(), Value::from(issuer.as_str()));
    }
    if let Some(audience) = &config.auth.audience {
        claims.insert("aud".to_owned(), Value::from(audience.as_str()));
    }
    Ok(encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.expose()),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Verifier;

    const DEFAULTS: &str = "service_name = \"svc\"\ndb_name = \"svc_db\"\n";
    const SECRET: &str = "a-development-secret-of-32-bytes!";

    #[tokio::test]
    async fn a_development_token_is_accepted_by_the_service_it_was_made_for() {
        let config = Config::from_defaults_and(
            DEFAULTS,
            &[
                ("AUTH_MODE", "jwt"),
                ("AUTH_JWT_SECRET", SECRET),
                ("AUTH_ISSUER", "dev"),
                ("AUTH_AUDIENCE", "orders"),
                ("AUTH_CLAIM_ROLES", "groups"),
            ],
        )
        .unwrap();
        let roles = ["customer".to_owned(), "support".to_owned()];
        let token = issue_development_token(
            &config,
            "alice",
            &roles,
            Some("acme"),
            Duration::from_secs(60),
        )
        .unwrap();
        let verifier = Verifier::from_config(&config.auth).unwrap();
        let user = verifier.verify(&token).await.unwrap();
        assert_eq!(
            (
                user.id.as_str(),
                user.roles.as_slice(),
                user.tenant.as_str()
            ),
            ("alice", roles.as_slice(), "acme")
        );
    }

    #[test]
    fn refused_without_a_secret_in_production_and_for_a_bad_tenant() {
        let ttl = Duration::from_secs(60);
        let config = Config::from_defaults_and(DEFAULTS, &[]).unwrap();
        assert!(matches!(
            issue_development_token(&config, "alice", &[], None, ttl),
            Err(IssueError::NoSecret)
        ));
        let config = Config::from_defaults_and(
            DEFAULTS,
            &[
                ("ENVIRONMENT", "production"),
                ("AUTH_MODE", "jwt"),
                ("AUTH_JWT_SECRET", SECRET),
            ],
        )
        .unwrap();
        assert!(matches!(
            issue_development_token(&config, "alice", &[], None, ttl),
            Err(IssueError::Production)
        ));
        let config = Config::from_defaults_and(DEFAULTS, &[("AUTH_JWT_SECRET", SECRET)]).unwrap();
        assert!(matches!(
            issue_development_token(&config, "alice", &[], Some("a b"), ttl),
            Err(IssueError::Invalid(_))
        ));
    }
}
