//! [`AuthConfig`]: `AUTH_MODE` and the settings of bearer-token verification.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use super::error::ConfigError;
use super::raw::{Raw, parse, string};

/// The shortest HS256 secret accepted: as long as the hash (RFC 7518, section 3.2).
const MIN_SECRET_BYTES: usize = 32;

/// How requests are authenticated (`AUTH_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// `none`: every request is anonymous and access rules are not enforced; refused
    /// when `ENVIRONMENT=production`.
    None,
    /// `jwt`: `Authorization: Bearer` tokens are verified and access rules enforced.
    Jwt,
}

impl FromStr for AuthMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Ok(AuthMode::None),
            "jwt" => Ok(AuthMode::Jwt),
            _ => Err("expected jwt or none".to_owned()),
        }
    }
}

/// What token signatures are checked with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtKeys {
    /// `AUTH_JWT_SECRET`: HS256 with a shared secret, and nothing else.
    Secret(Secret),
    /// `AUTH_JWKS_URL`: the issuer's RS256/ES256 public keys, fetched over HTTP.
    JwksUrl(String),
    /// `AUTH_JWKS_FILE`: RS256/ES256 public keys from a JWKS file.
    JwksFile(PathBuf),
}

/// A shared secret; its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret's bytes, to sign or verify with.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The claims a verified user is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimNames {
    /// `AUTH_CLAIM_USER` (default `sub`): the user id, a string.
    pub user: String,
    /// `AUTH_CLAIM_ROLES` (default `roles`): an array of strings; absent means none.
    pub roles: String,
    /// `AUTH_CLAIM_TENANT` (default `tenant`): a string; absent means the default tenant.
    pub tenant: String,
}

/// Authentication: the mode, the keys and what a token must say.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// `AUTH_MODE`: `jwt`, or `none` (development only).
    pub mode: AuthMode,
    /// The key source (one of `AUTH_JWT_SECRET`, `AUTH_JWKS_URL`, `AUTH_JWKS_FILE`);
    /// always set in `jwt` mode.
    pub keys: Option<JwtKeys>,
    /// `AUTH_ISSUER`: when set, tokens must carry this `iss`.
    pub issuer: Option<String>,
    /// `AUTH_AUDIENCE`: when set, tokens must carry this `aud`.
    pub audience: Option<String>,
    /// `AUTH_LEEWAY_SECS`: clock skew allowed on `exp` and `nbf`.
    pub leeway: Duration,
    /// `AUTH_CLAIM_USER`, `AUTH_CLAIM_ROLES`, `AUTH_CLAIM_TENANT`.
    pub claims: ClaimNames,
    /// `AUTH_JWKS_MIN_REFRESH_SECS`: the shortest time between two JWKS fetches, so
    /// tokens naming unknown keys cannot make the service hammer the issuer.
    pub jwks_min_refresh: Duration,
    /// `AUTH_JWKS_MAX_AGE_SECS`: keys older than this are fetched again when next used,
    /// so a key the issuer withdrew stops being accepted.
    pub jwks_max_age: Duration,
}

impl AuthConfig {
    /// The section from raw settings, checked against the environment's name.
    pub(super) fn from_raw(raw: &Raw, environment: &str) -> Result<Self, ConfigError> {
        let mode: AuthMode = parse(raw, "AUTH_MODE", Some(AuthMode::None))?;
        let keys = keys(raw)?;
        let config = AuthConfig {
            mode,
            keys,
            issuer: optional(raw, "AUTH_ISSUER"),
            audience: optional(raw, "AUTH_AUDIENCE"),
            leeway: Duration::from_secs(parse(raw, "AUTH_LEEWAY_SECS", Some(30))?),
            claims: ClaimNames {
                user: string(raw, "AUTH_CLAIM_USER", Some("sub"))?,
                roles: string(raw, "AUTH_CLAIM_ROLES", Some("roles"))?,
                tenant: string(raw, "AUTH_CLAIM_TENANT", Some("tenant"))?,
            },
            jwks_min_refresh: Duration::from_secs(parse(
                raw,
                "AUTH_JWKS_MIN_REFRESH_SECS",
                Some(30),
            )?),
            jwks_max_age: Duration::from_secs(parse(raw, "AUTH_JWKS_MAX_AGE_SECS", Some(3600))?),
        };
        match (config.mode, &config.keys) {
            (AuthMode::None, _) if environment == "production" => Err(ConfigError::Invalid {
                key: "AUTH_MODE",
                value: "none".to_owned(),
                reason: "ENVIRONMENT=production needs AUTH_MODE=jwt (none lets every request in \
                         anonymously)"
                    .to_owned(),
            }),
            (AuthMode::Jwt, None) => Err(ConfigError::Invalid {
                key: "AUTH_MODE",
                value: "jwt".to_owned(),
                reason: "jwt needs AUTH_JWT_SECRET (HS256), AUTH_JWKS_URL or AUTH_JWKS_FILE \
                         (RS256/ES256)"
                    .to_owned(),
            }),
            _ => Ok(config),
        }
    }

    /// The HS256 secret, when tokens are verified (and can be made) with one.
    pub fn secret(&self) -> Option<&Secret> {
        match &self.keys {
            Some(JwtKeys::Secret(secret)) => Some(secret),
            _ => None,
        }
    }
}

/// The trimmed value of `key`, if set and not blank.
fn optional(raw: &Raw, key: &str) -> Option<String> {
    raw.get(key)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The one key source that is set, validated.
fn keys(raw: &Raw) -> Result<Option<JwtKeys>, ConfigError> {
    let set: Vec<&'static str> = ["AUTH_JWT_SECRET", "AUTH_JWKS_URL", "AUTH_JWKS_FILE"]
        .into_iter()
        .filter(|key| optional(raw, key).is_some())
        .collect();
    if let Some(&second) = set.get(1) {
        return Err(ConfigError::Invalid {
            key: second,
            value: if second == "AUTH_JWT_SECRET" {
                "***".to_owned()
            } else {
                optional(raw, second).unwrap_or_default()
            },
            reason: format!("set only one of {}", set.join(", ")),
        });
    }
    let Some(&key) = set.first() else {
        return Ok(None);
    };
    let value = optional(raw, key).unwrap_or_default();
    let invalid = |value: String, reason: &str| ConfigError::Invalid {
        key,
        value,
        reason: reason.to_owned(),
    };
    match key {
        "AUTH_JWT_SECRET" if value.len() < MIN_SECRET_BYTES => Err(invalid(
            "***".to_owned(),
            "an HS256 secret is at least 32 bytes (256 bits), e.g. `openssl rand -base64 32`",
        )),
        "AUTH_JWT_SECRET" => Ok(Some(JwtKeys::Secret(Secret(value)))),
        "AUTH_JWKS_URL" if value.starts_with("https://") && !cfg!(feature = "jwks-https") => {
            Err(invalid(
                value,
                "this build has no TLS: build platform-service with its `jwks-https` feature",
            ))
        }
        "AUTH_JWKS_URL" if value.starts_with("http://") || value.starts_with("https://") => {
            Ok(Some(JwtKeys::JwksUrl(value)))
        }
        "AUTH_JWKS_URL" => Err(invalid(
            value,
            "expected the issuer's JWKS URL, e.g. https://issuer.example/.well-known/jwks.json",
        )),
        _ => Ok(Some(JwtKeys::JwksFile(PathBuf::from(value)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> Raw {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn none_by_default_with_default_claims() {
        let config = AuthConfig::from_raw(&raw(&[]), "development").unwrap();
        assert_eq!(config.mode, AuthMode::None);
        assert_eq!(config.keys, None);
        assert_eq!(config.leeway, Duration::from_secs(30));
        assert_eq!(
            config.claims,
            ClaimNames {
                user: "sub".into(),
                roles: "roles".into(),
                tenant: "tenant".into()
            }
        );
    }

    #[test]
    fn production_refuses_none() {
        let err = AuthConfig::from_raw(&raw(&[("AUTH_MODE", "none")]), "production").unwrap_err();
        assert!(
            err.to_string().starts_with("invalid AUTH_MODE=\"none\""),
            "{err}"
        );
        assert!(!err.to_string().contains('\n'), "one line: {err}");
        let config = AuthConfig::from_raw(
            &raw(&[("AUTH_MODE", "jwt"), ("AUTH_JWT_SECRET", SECRET)]),
            "production",
        )
        .unwrap();
        assert_eq!(config.mode, AuthMode::Jwt);
    }

    #[test]
    fn jwt_needs_exactly_one_key_source() {
        let err = AuthConfig::from_raw(&raw(&[("AUTH_MODE", "jwt")]), "test").unwrap_err();
        assert!(err.to_string().contains("AUTH_JWKS_URL"), "{err}");
        let err = AuthConfig::from_raw(
            &raw(&[
                ("AUTH_MODE", "jwt"),
                ("AUTH_JWT_SECRET", SECRET),
                ("AUTH_JWKS_FILE", "/etc/jwks.json"),
            ]),
            "test",
        )
        .unwrap_err();
        assert!(err.to_string().contains("set only one of"), "{err}");
        let config = AuthConfig::from_raw(
            &raw(&[("AUTH_MODE", "jwt"), ("AUTH_JWKS_FILE", "/etc/jwks.json")]),
            "test",
        )
        .unwrap();
        assert_eq!(
            config.keys,
            Some(JwtKeys::JwksFile("/etc/jwks.json".into()))
        );
    }

    #[test]
    fn a_short_secret_is_refused_and_never_shown() {
        let err = AuthConfig::from_raw(
            &raw(&[("AUTH_MODE", "jwt"), ("AUTH_JWT_SECRET", "hunter2")]),
            "test",
        )
        .unwrap_err();
        assert!(err.to_string().contains("at least 32 bytes"), "{err}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
        let config = AuthConfig::from_raw(&raw(&[("AUTH_JWT_SECRET", SECRET)]), "test").unwrap();
        assert!(!format!("{config:?}").contains(SECRET));
        assert_eq!(config.secret().map(Secret::expose), Some(SECRET.as_bytes()));
    }

    #[test]
    fn a_jwks_url_is_http() {
        let err = AuthConfig::from_raw(
            &raw(&[("AUTH_MODE", "jwt"), ("AUTH_JWKS_URL", "issuer/jwks.json")]),
            "test",
        )
        .unwrap_err();
        assert!(err.to_string().contains("AUTH_JWKS_URL"), "{err}");
        let err = AuthConfig::from_raw(&raw(&[("AUTH_MODE", "basic")]), "test").unwrap_err();
        assert!(err.to_string().contains("expected jwt or none"), "{err}");
    }
}
