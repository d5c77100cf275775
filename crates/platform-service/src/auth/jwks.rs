//! The issuer's public keys (a JWKS from a URL or a file), cached by key id.
//!
//! Refresh rule: the set is fetched when first needed, again when a token names a key
//! id the cache does not have (the issuer rotated its keys) or when the set is older
//! than `AUTH_JWKS_MAX_AGE_SECS`, and never twice within `AUTH_JWKS_MIN_REFRESH_SECS`.
//! One refresh runs at a time; requests that need it wait for it and then read its
//! result. So tokens naming made-up key ids cost at most one fetch per interval, and a
//! refresh that fails keeps the keys already known.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use tokio::sync::Mutex;
use tokio::time::Instant;
use tracing::{debug, info, warn};

use super::error::TokenError;

/// The longest wait for the issuer's JWKS endpoint.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest JWKS document read.
const MAX_JWKS_BYTES: usize = 1024 * 1024;

/// A verification key and the one algorithm it verifies.
#[derive(Debug)]
pub(super) struct SigningKey {
    /// The algorithm pinned to the key: RS256 for an RSA key, ES256 for a P-256 key.
    pub algorithm: Algorithm,
    /// The key.
    pub key: DecodingKey,
}

/// Where the key set comes from.
#[derive(Debug)]
pub(super) enum JwksSource {
    /// The issuer's JWKS endpoint.
    Url {
        /// The client (its build error, kept for the log).
        client: Result<reqwest::Client, String>,
        /// The endpoint.
        url: String,
    },
    /// A JWKS file, read again on refresh.
    File(PathBuf),
}

impl JwksSource {
    /// An HTTP source.
    pub fn url(url: String) -> Self {
        let client = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .build()
            .map_err(|e| e.to_string());
        JwksSource::Url { client, url }
    }

    /// The source for logs.
    fn describe(&self) -> String {
        match self {
            JwksSource::Url { url, .. } => url.clone(),
            JwksSource::File(path) => path.display().to_string(),
        }
    }

    /// Reads the key set.
    async fn fetch(&self) -> Result<Keys, String> {
        let bytes = match self {
            JwksSource::Url { client, url } => {
                let client = client
                    .as_ref()
                    .map_err(|e| format!("no HTTP client: {e}"))?;
                let mut response = client
                    .get(url)
                    .header(reqwest::header::ACCEPT, "application/json")
                    .send()
                    .await
                    .and_then(reqwest::Response::error_for_status)
                    .map_err(|e| e.to_string())?;
                let mut bytes = Vec::new();
                while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
                    if bytes.len() + chunk.len() > MAX_JWKS_BYTES {
                        return Err(format!("larger than {MAX_JWKS_BYTES} bytes"));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                bytes
            }
            JwksSource::File(path) => tokio::fs::read(path).await.map_err(|e| e.to_string())?,
        };
        parse(&bytes)
    }
}

/// Keys by key id (`""` for a key without one).
type Keys = HashMap<String, Arc<SigningKey>>;

/// The usable keys of a JWKS document: RSA keys for RS256 and P-256 keys for ES256,
/// meant for signatures. Other keys are skipped, not refused: an issuer may publish
/// encryption keys or algorithms this service does not take.
fn parse(bytes: &[u8]) -> Result<Keys, String> {
    #[derive(serde::Deserialize)]
    struct Document {
        keys: Vec<serde_json::Value>,
    }
    let document: Document =
        serde_json::from_slice(bytes).map_err(|e| format!("not a JWKS document: {e}"))?;
    let mut keys = Keys::new();
    for value in document.keys {
        let Ok(jwk) = serde_json::from_value::<Jwk>(value) else {
            debug!("skipping a JWKS entry that is not a key this service reads");
            continue;
        };
        let kid = jwk.common.key_id.clone().unwrap_or_default();
        let for_signatures = matches!(
            jwk.common.public_key_use,
            None | Some(PublicKeyUse::Signature)
        );
        let algorithm = match (&jwk.algorithm, jwk.common.key_algorithm) {
            (AlgorithmParameters::RSA(_), None | Some(KeyAlgorithm::RS256)) => Algorithm::RS256,
            (AlgorithmParameters::EllipticCurve(ec), None | Some(KeyAlgorithm::ES256))
                if ec.curve == EllipticCurve::P256 =>
            {
                Algorithm::ES256
            }
            _ => {
                debug!(
                    kid,
                    "skipping a JWKS key that is not RS256 or ES256 (P-256)"
                );
                continue;
            }
        };
        if !for_signatures {
            debug!(kid, "skipping a JWKS key not meant for signatures");
            continue;
        }
        match DecodingKey::from_jwk(&jwk) {
            Ok(key) => {
                if keys
                    .insert(kid.clone(), Arc::new(SigningKey { algorithm, key }))
                    .is_some()
                {
                    warn!(
                        kid,
                        "the JWKS names this key id twice; the last key is used"
                    );
                }
            }
            Err(err) => warn!(kid, cause = %err, "skipping a JWKS key that does not decode"),
        }
    }
    Ok(keys)
}

/// The cached key set.
#[derive(Debug)]
pub(super) struct JwksCache {
    source: JwksSource,
    min_refresh: Duration,
    max_age: Duration,
    cached: RwLock<Cached>,
    refresh: Mutex<RefreshState>,
}

#[derive(Debug, Default)]
struct Cached {
    keys: Keys,
    fetched_at: Option<Instant>,
}

#[derive(Debug, Default)]
struct RefreshState {
    /// When the last fetch started.
    last_attempt: Option<Instant>,
    /// Whether it failed.
    failed: bool,
}

/// What the cache holds for a token's key id.
enum Lookup {
    /// The key, and whether the set is older than the maximum age.
    Found(Arc<SigningKey>, bool),
    /// No such key.
    Missing,
}

impl JwksCache {
    /// An empty cache over `source`.
    pub fn new(source: JwksSource, min_refresh: Duration, max_age: Duration) -> Self {
        JwksCache {
            source,
            min_refresh,
            max_age,
            cached: RwLock::default(),
            refresh: Mutex::default(),
        }
    }

    /// Fetches the key set now; the error says why it could not be read.
    pub async fn load(&self) -> Result<usize, String> {
        if self.refresh().await {
            return Err(format!(
                "cannot read the JWKS at {}",
                self.source.describe()
            ));
        }
        Ok(self.read().keys.len())
    }

    /// The key a token names (`kid`), fetching the set again when it does not have it.
    pub async fn key(&self, kid: Option<&str>) -> Result<Arc<SigningKey>, TokenError> {
        if let Lookup::Found(key, false) = self.lookup(kid)? {
            return Ok(key);
        }
        let failed = self.refresh().await;
        match self.lookup(kid)? {
            Lookup::Found(key, _) => Ok(key),
            // The issuer may have rotated to a key this process could not fetch.
            Lookup::Missing if failed => Err(TokenError::KeysUnavailable),
            Lookup::Missing => Err(TokenError::UnknownKey(kid.unwrap_or_default().to_owned())),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Cached> {
        self.cached.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn lookup(&self, kid: Option<&str>) -> Result<Lookup, TokenError> {
        let cached = self.read();
        let key = match kid {
            Some(kid) => cached.keys.get(kid),
            None if cached.keys.len() > 1 => return Err(TokenError::NoKeyId),
            None => cached.keys.values().next(),
        };
        let stale = cached
            .fetched_at
            .is_none_or(|at| at.elapsed() >= self.max_age);
        Ok(match key {
            Some(key) => Lookup::Found(key.clone(), stale),
            None => Lookup::Missing,
        })
    }

    /// Fetches the set unless the last fetch started less than the minimum interval
    /// ago; answers whether the latest fetch failed.
    async fn refresh(&self) -> bool {
        let mut state = self.refresh.lock().await;
        let now = Instant::now();
        if state
            .last_attempt
            .is_some_and(|at| now.duration_since(at) < self.min_refresh)
        {
            return state.failed;
        }
        state.last_attempt = Some(now);
        match self.source.fetch().await {
            Ok(keys) => {
                if keys.is_empty() {
                    warn!(source = %self.source.describe(), "the JWKS has no RS256 or ES256 signing key");
                } else {
                    info!(source = %self.source.describe(), keys = keys.len(), "JWKS loaded");
                }
                let mut cached = self.cached.write().unwrap_or_else(PoisonError::into_inner);
                *cached = Cached {
                    keys,
                    fetched_at: Some(now),
                };
                state.failed = false;
            }
            Err(cause) => {
                warn!(source = %self.source.describe(), %cause, "cannot fetch the JWKS; keeping the keys known");
                state.failed = true;
            }
        }
        state.failed
    }
}
