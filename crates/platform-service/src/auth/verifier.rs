//! [`Verifier`]: a bearer token checked and turned into the user it names.
//!
//! The algorithm is pinned to the keys, never taken from the token: with a secret only
//! HS256 is accepted, with a JWKS only the algorithm of the key the token names (RS256
//! for RSA keys, ES256 for P-256 keys). So `alg: none` is refused, and so is the
//! classic confusion where an HS256 token is "signed" with the issuer's public key as
//! the HMAC secret.

use std::sync::Arc;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use platform_core::AuthenticatedUser;
use serde_json::{Map, Value};

use super::claims;
use super::error::TokenError;
use super::jwks::{JwksCache, JwksSource, SigningKey};
use crate::config::{AuthConfig, AuthMode, ClaimNames, JwtKeys};

/// Verifies bearer tokens with the configured keys; cheap to clone.
#[derive(Debug, Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    keys: Keys,
    /// Times, issuer and audience; the algorithm is set per key.
    validation: Validation,
    claims: ClaimNames,
}

#[derive(Debug)]
enum Keys {
    /// HS256 with the shared secret.
    Secret(Arc<SigningKey>),
    /// RS256/ES256 keys of a JWKS.
    Jwks(Box<JwksCache>),
}

impl Keys {
    /// The algorithms a token may name at all.
    fn algorithms(&self) -> &'static [Algorithm] {
        match self {
            Keys::Secret(_) => &[Algorithm::HS256],
            Keys::Jwks(_) => &[Algorithm::RS256, Algorithm::ES256],
        }
    }
}

impl Verifier {
    /// The verifier of `jwt` mode; `None` in `none` mode.
    pub fn from_config(config: &AuthConfig) -> Option<Self> {
        if config.mode != AuthMode::Jwt {
            return None;
        }
        let keys = match config.keys.as_ref()? {
            JwtKeys::Secret(secret) => Keys::Secret(Arc::new(SigningKey {
                algorithm: Algorithm::HS256,
                key: DecodingKey::from_secret(secret.expose()),
            })),
            JwtKeys::JwksUrl(url) => Keys::Jwks(Box::new(JwksCache::new(
                JwksSource::url(url.clone()),
                config.jwks_min_refresh,
                config.jwks_max_age,
            ))),
            JwtKeys::JwksFile(path) => Keys::Jwks(Box::new(JwksCache::new(
                JwksSource::File(path.clone()),
                config.jwks_min_refresh,
                config.jwks_max_age,
            ))),
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = config.leeway.as_secs();
        validation.validate_exp = true;
        validation.validate_nbf = true;
        // jsonwebtoken checks `iss` and `aud` only when present: require them when set.
        if let Some(issuer) = &config.issuer {
            validation.set_issuer(&[issuer]);
            validation.required_spec_claims.insert("iss".to_owned());
        }
        match &config.audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                validation.required_spec_claims.insert("aud".to_owned());
            }
            None => validation.validate_aud = false,
        }
        Some(Verifier {
            inner: Arc::new(Inner {
                keys,
                validation,
                claims: config.claims.clone(),
            }),
        })
    }

    /// Reads the JWKS now, so a bad file or an unreachable issuer shows at start-up.
    /// Answers how many keys it holds (`None` with a secret).
    pub async fn preload(&self) -> Result<Option<usize>, String> {
        match &self.inner.keys {
            Keys::Secret(_) => Ok(None),
            Keys::Jwks(cache) => cache.load().await.map(Some),
        }
    }

    /// How tokens are verified, for the start-up log.
    pub fn describe(&self) -> &'static str {
        match &self.inner.keys {
            Keys::Secret(_) => "HS256 with AUTH_JWT_SECRET",
            Keys::Jwks(_) => "RS256/ES256 keys of the JWKS",
        }
    }

    /// The user a valid token names, or why the token is refused.
    pub async fn verify(&self, token: &str) -> Result<AuthenticatedUser, TokenError> {
        let header = jsonwebtoken::decode_header(token)?;
        if header.crit.as_ref().is_some_and(|crit| !crit.is_empty()) {
            return Err(TokenError::Malformed(
                "critical header extensions are not supported".to_owned(),
            ));
        }
        if !self.inner.keys.algorithms().contains(&header.alg) {
            return Err(TokenError::Algorithm(header.alg));
        }
        let key = match &self.inner.keys {
            Keys::Secret(key) => key.clone(),
            Keys::Jwks(cache) => cache.key(header.kid.as_deref()).await?,
        };
        if header.alg != key.algorithm {
            return Err(TokenError::Algorithm(header.alg));
        }
        let mut validation = self.inner.validation.clone();
        validation.algorithms = vec![key.algorithm];
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &validation)?;
        claims::user(&data.claims, &self.inner.claims)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use jsonwebtoken::{EncodingKey, Header, encode, get_current_timestamp};
    use serde_json::json;

    use super::*;
    use crate::config::Config;

    const SECRET: &str = "a-development-secret-of-32-bytes!";

    fn config(settings: &[(&str, &str)]) -> AuthConfig {
        let defaults = "service_name = \"svc\"\ndb_name = \"svc_db\"\n";
        let mut overrides = vec![("AUTH_MODE", "jwt")];
        overrides.extend_from_slice(settings);
        Config::from_defaults_and(defaults, &overrides)
            .expect("valid settings")
            .auth
    }

    fn hs256(claims: Value, secret: &str) -> String {
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .expect("encodes")
    }

    fn verifier(settings: &[(&str, &str)]) -> Verifier {
        Verifier::from_config(&config(settings)).expect("jwt mode")
    }

    fn now() -> i64 {
        i64::try_from(get_current_timestamp()).expect("a sane clock")
    }

    #[tokio::test]
    async fn a_valid_token_is_its_user() {
        let verifier = verifier(&[
            ("AUTH_JWT_SECRET", SECRET),
            ("AUTH_ISSUER", "https://issuer.test"),
            ("AUTH_AUDIENCE", "orders"),
        ]);
        let token = hs256(
            json!({"sub": "alice", "roles": ["customer"], "tenant": "acme",
                   "iss": "https://issuer.test", "aud": ["orders", "other"], "exp": now() + 60}),
            SECRET,
        );
        let user = verifier.verify(&token).await.unwrap();
        assert_eq!(user.id, "alice");
        assert_eq!(user.roles, ["customer"]);
        assert_eq!(user.tenant, "acme");
    }

    #[tokio::test]
    async fn times_issuer_audience_and_signature_are_checked() {
        let verifier = verifier(&[
            ("AUTH_JWT_SECRET", SECRET),
            ("AUTH_ISSUER", "https://issuer.test"),
            ("AUTH_AUDIENCE", "orders"),
            ("AUTH_LEEWAY_SECS", "30"),
        ]);
        let base = json!({"sub": "alice", "iss": "https://issuer.test", "aud": "orders", "exp": now() + 60});
        let with = |patch: Value| {
            let mut claims = base.clone();
            for (k, v) in patch.as_object().expect("an object") {
                if v.is_null() {
                    claims.as_object_mut().expect("an object").remove(k);
                } else {
                    claims[k] = v.clone();
                }
            }
            claims
        };
        let cases = [
            (with(json!({"exp": now() - 31})), TokenError::Expired),
            (with(json!({"nbf": now() + 31})), TokenError::NotYetValid),
            (
                with(json!({"iss": "https://evil.test"})),
                TokenError::Issuer,
            ),
            (with(json!({"aud": "billing"})), TokenError::Audience),
            (
                with(json!({"iss": null})),
                TokenError::Claim {
                    name: "iss".into(),
                    problem: "is missing",
                },
            ),
            (
                with(json!({"aud": null})),
                TokenError::Claim {
                    name: "aud".into(),
                    problem: "is missing",
                },
            ),
            (
                with(json!({"exp": null})),
                TokenError::Claim {
                    name: "exp".into(),
                    problem: "is missing",
                },
            ),
        ];
        for (claims, expected) in cases {
            let refused = verifier.verify(&hs256(claims.clone(), SECRET)).await;
            assert_eq!(refused, Err(expected), "{claims}");
        }
        // Within the leeway, both ways.
        let skewed = with(json!({"exp": now() - 20, "nbf": now() + 20}));
        assert!(verifier.verify(&hs256(skewed, SECRET)).await.is_ok());
        let forged = hs256(base, "another-secret-that-is-32-bytes!!");
        assert_eq!(verifier.verify(&forged).await, Err(TokenError::Signature));
    }

    #[tokio::test]
    async fn only_hs256_with_a_secret() {
        let verifier = verifier(&[("AUTH_JWT_SECRET", SECRET)]);
        let claims = json!({"sub": "alice", "exp": now() + 60});
        let hs384 = encode(
            &Header::new(Algorithm::HS384),
            &claims,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        assert_eq!(
            verifier.verify(&hs384).await,
            Err(TokenError::Algorithm(Algorithm::HS384))
        );
        // `alg: none`, unsigned: not even a header jsonwebtoken reads.
        let none = format!(
            "{}.{}.",
            b64(br#"{"alg":"none","typ":"JWT"}"#),
            b64(claims.to_string().as_bytes())
        );
        assert!(matches!(
            verifier.verify(&none).await,
            Err(TokenError::Malformed(_))
        ));
        for garbage in ["", "garbage", "a.b.c", "....."] {
            assert!(
                matches!(
                    verifier.verify(garbage).await,
                    Err(TokenError::Malformed(_))
                ),
                "{garbage:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_jwks_file_is_read_again_for_an_unknown_key_at_most_once_per_interval() {
        tokio::time::pause();
        let dir = std::env::temp_dir().join(format!("jwks-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("jwks.json");
        let first = rsa_jwk("k1");
        std::fs::write(&path, json!({"keys": [first]}).to_string()).unwrap();
        let path_text = path.display().to_string();
        let verifier = verifier(&[
            ("AUTH_JWKS_FILE", &path_text),
            ("AUTH_JWKS_MIN_REFRESH_SECS", "10"),
        ]);
        assert_eq!(verifier.preload().await, Ok(Some(1)));
        // A token naming a key the cache does not know: refreshed once, then refused.
        let token = unsigned_rs256("k2");
        assert_eq!(
            verifier.verify(&token).await,
            Err(TokenError::UnknownKey("k2".into()))
        );
        // The issuer adds k2, but within the interval the file is not read again.
        std::fs::write(&path, json!({"keys": [first, rsa_jwk("k2")]}).to_string()).unwrap();
        assert_eq!(
            verifier.verify(&token).await,
            Err(TokenError::UnknownKey("k2".into()))
        );
        tokio::time::advance(Duration::from_secs(11)).await;
        // Now it is: the key is found (the forged signature is what fails).
        assert_eq!(verifier.verify(&token).await, Err(TokenError::Signature));
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// An RSA public key in JWK form (the modulus of RFC 7517's example, A.1).
    fn rsa_jwk(kid: &str) -> Value {
        json!({
            "kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "e": "AQAB",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
        })
    }

    /// A syntactically valid RS256 token naming `kid`, with a signature that is not one.
    fn unsigned_rs256(kid: &str) -> String {
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": kid});
        let claims = json!({"sub": "alice", "exp": now() + 60});
        format!(
            "{}.{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes()),
            b64(&[7; 256])
        )
    }

    /// Base64url without padding.
    fn b64(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            }
        }
        out
    }
}
