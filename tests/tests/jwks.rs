//! RS256 and ES256 tokens verified with an issuer's public keys over real HTTP: a JWKS
//! served by a small HTTP server or read from a file, key rotation (a new `kid` makes a
//! refresh, a withdrawn key stops working), refresh limits against made-up `kid`s, and
//! algorithm confusion.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode, get_current_timestamp};
use p256::pkcs8::EncodePrivateKey;
use platform_event_sourcing::testing::TestDatabase;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use workspace_tests::{Answer, TestService};

/// `CreateOrder` with this `Authorization` header: the token's customer's own order.
async fn create_order(svc: &TestService, authorization: Option<&str>) -> anyhow::Result<Answer> {
    svc.send("/api/commands/CreateOrder", authorization, &[], json!({}))
        .await
}

async fn events(db: &TestDatabase) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&db.pool)
        .await?)
}

fn now() -> u64 {
    get_current_timestamp()
}

/// A signing key of the test issuer, its public JWK and (for RSA) its public PEM.
struct IssuerKey {
    kid: &'static str,
    algorithm: Algorithm,
    encoding: EncodingKey,
    public_pem: String,
}

impl IssuerKey {
    /// A fresh RSA key (RS256).
    fn rsa(kid: &'static str) -> Self {
        let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("keygen");
        let der = private.to_pkcs1_der().expect("PKCS#1");
        let public_pem = private
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("PEM");
        IssuerKey {
            kid,
            algorithm: Algorithm::RS256,
            encoding: EncodingKey::from_rsa_der(der.as_bytes()),
            public_pem,
        }
    }

    /// A fresh P-256 key (ES256).
    fn p256(kid: &'static str) -> Self {
        let private = p256::ecdsa::SigningKey::random(&mut rsa::rand_core::OsRng);
        let der = private.to_pkcs8_der().expect("PKCS#8");
        IssuerKey {
            kid,
            algorithm: Algorithm::ES256,
            encoding: EncodingKey::from_ec_der(der.as_bytes()),
            public_pem: String::new(),
        }
    }

    /// The public key as a JWK entry.
    fn jwk(&self) -> Value {
        let jwk = Jwk::from_encoding_key(&self.encoding, self.algorithm).expect("a public JWK");
        let mut jwk = serde_json::to_value(jwk).expect("JSON");
        jwk["kid"] = json!(self.kid);
        jwk["use"] = json!("sig");
        jwk
    }

    /// A token for `sub` signed with this key, naming `kid`.
    fn token_naming(&self, kid: &str, sub: &str) -> String {
        let mut header = Header::new(self.algorithm);
        header.kid = Some(kid.to_owned());
        encode(
            &header,
            &json!({"sub": sub, "roles": ["customer"], "exp": now() + 300}),
            &self.encoding,
        )
        .expect("signs")
    }

    /// A token for `sub` signed with this key.
    fn token(&self, sub: &str) -> String {
        self.token_naming(self.kid, sub)
    }
}

/// RSA keys are slow to make: made once for all the tests of this file.
static RSA_1: LazyLock<IssuerKey> = LazyLock::new(|| IssuerKey::rsa("rsa-1"));
static RSA_2: LazyLock<IssuerKey> = LazyLock::new(|| IssuerKey::rsa("rsa-2"));

fn jwks(keys: &[&IssuerKey]) -> Value {
    json!({ "keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>() })
}

/// The issuer's JWKS endpoint: serves `keys` and counts the fetches.
struct JwksServer {
    url: String,
    keys: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
    server: tokio::task::JoinHandle<()>,
}

impl JwksServer {
    async fn start(keys: Value) -> anyhow::Result<Self> {
        let keys = Arc::new(Mutex::new(keys));
        let fetches = Arc::new(AtomicUsize::new(0));
        let app = axum::Router::new().route(
            "/.well-known/jwks.json",
            axum::routing::get({
                let (keys, fetches) = (keys.clone(), fetches.clone());
                move || async move {
                    fetches.fetch_add(1, Ordering::SeqCst);
                    let keys = keys.lock().expect("not poisoned").clone();
                    axum::Json(keys)
                }
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/.well-known/jwks.json", listener.local_addr()?);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(JwksServer {
            url,
            keys,
            fetches,
            server,
        })
    }

    fn publish(&self, keys: Value) {
        *self.keys.lock().expect("not poisoned") = keys;
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[tokio::test]
async fn rs256_tokens_are_verified_with_the_issuers_jwks_and_a_rotation_is_picked_up()
-> anyhow::Result<()> {
    let issuer = JwksServer::start(jwks(&[&RSA_1])).await?;
    let db = TestDatabase::empty().await?;
    let svc = TestService::start_with(
        &db,
        &[
            ("AUTH_MODE", "jwt"),
            ("AUTH_JWKS_URL", &issuer.url),
            ("AUTH_JWKS_MIN_REFRESH_SECS", "0"),
        ],
    )
    .await?;
    let fetched_at_start = issuer.fetches();
    assert_eq!(fetched_at_start, 1, "the keys are read at start-up");
    let first = create_order(&svc, Some(&bearer(&RSA_1.token("alice")))).await?;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(issuer.fetches(), 1, "a known key needs no fetch");

    // The issuer rotates to rsa-2 and withdraws rsa-1.
    issuer.publish(jwks(&[&RSA_2]));
    let rotated = create_order(&svc, Some(&bearer(&RSA_2.token("bob")))).await?;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    assert_eq!(issuer.fetches(), 2, "the unknown kid made one refresh");
    let withdrawn = create_order(&svc, Some(&bearer(&RSA_1.token("alice")))).await?;
    assert_eq!(withdrawn.status, 401, "{}", withdrawn.body);
    assert!(
        withdrawn.challenge().contains("unknown signing key"),
        "{}",
        withdrawn.challenge()
    );
    // A token signed by rsa-2 but naming rsa-1's kid: no such key any more.
    let mislabelled =
        create_order(&svc, Some(&bearer(&RSA_2.token_naming("rsa-1", "eve")))).await?;
    assert_eq!(mislabelled.status, 401);

    let users: Vec<Option<String>> =
        sqlx::query_scalar("SELECT metadata->>'userId' FROM events ORDER BY global_position")
            .fetch_all(&db.pool)
            .await?;
    assert_eq!(users, [Some("alice".to_owned()), Some("bob".to_owned())]);
    svc.stop().await
}

#[tokio::test]
async fn unknown_key_ids_cannot_make_the_service_hammer_the_issuer() -> anyhow::Result<()> {
    let issuer = JwksServer::start(jwks(&[&RSA_1])).await?;
    let db = TestDatabase::empty().await?;
    let svc = TestService::start_with(&db, &[("AUTH_MODE", "jwt"), ("AUTH_JWKS_URL", &issuer.url)])
        .await?;
    assert_eq!(issuer.fetches(), 1);
    let attempts = (0..20).map(|i| {
        let token = RSA_1.token_naming(&format!("made-up-{i}"), "mallory");
        let svc = &svc;
        async move { create_order(svc, Some(&bearer(&token))).await }
    });
    for answer in futures_util::future::join_all(attempts).await {
        let answer = answer?;
        assert_eq!(answer.status, 401, "{}", answer.body);
    }
    // Within AUTH_JWKS_MIN_REFRESH_SECS (30 s) of the start-up fetch: none at all.
    assert_eq!(issuer.fetches(), 1);
    // The known key still works.
    let good = create_order(&svc, Some(&bearer(&RSA_1.token("alice")))).await?;
    assert_eq!(good.status, 200, "{}", good.body);
    svc.stop().await
}

#[tokio::test]
async fn an_hs256_token_signed_with_the_public_key_is_refused() -> anyhow::Result<()> {
    // The classic algorithm confusion: the issuer's public key (which anyone has) used
    // as an HMAC secret, hoping the service verifies HS256 with the key it holds.
    let issuer = JwksServer::start(jwks(&[&RSA_1])).await?;
    let db = TestDatabase::empty().await?;
    let svc = TestService::start_with(&db, &[("AUTH_MODE", "jwt"), ("AUTH_JWKS_URL", &issuer.url)])
        .await?;
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("rsa-1".to_owned());
    let confused = encode(
        &header,
        &json!({"sub": "admin", "roles": ["admin"], "exp": now() + 300}),
        &EncodingKey::from_secret(RSA_1.public_pem.as_bytes()),
    )?;
    let answer = create_order(&svc, Some(&bearer(&confused))).await?;
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert!(
        answer
            .challenge()
            .contains("algorithm HS256 is not accepted"),
        "{}",
        answer.challenge()
    );
    assert_eq!(events(&db).await?, 0);
    svc.stop().await
}

#[tokio::test]
async fn a_jwks_file_gives_rs256_and_es256_keys_and_is_read_again_for_a_new_key()
-> anyhow::Result<()> {
    let ec = IssuerKey::p256("ec-1");
    let dir = std::env::temp_dir().join(format!("jwks-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("jwks.json");
    std::fs::write(&path, jwks(&[&RSA_1, &ec]).to_string())?;
    let db = TestDatabase::empty().await?;
    let file = path.display().to_string();
    let svc = TestService::start_with(
        &db,
        &[
            ("AUTH_MODE", "jwt"),
            ("AUTH_JWKS_FILE", &file),
            ("AUTH_JWKS_MIN_REFRESH_SECS", "0"),
        ],
    )
    .await?;
    let rs = create_order(&svc, Some(&bearer(&RSA_1.token("alice")))).await?;
    assert_eq!(rs.status, 200, "{}", rs.body);
    let es = create_order(&svc, Some(&bearer(&ec.token("carol")))).await?;
    assert_eq!(es.status, 200, "{}", es.body);
    // An ES256 header on the RSA key's kid is refused: the key fixes the algorithm.
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("rsa-1".to_owned());
    let mixed = encode(
        &header,
        &json!({"sub": "eve", "exp": now() + 300}),
        &ec.encoding,
    )?;
    let refused = create_order(&svc, Some(&bearer(&mixed))).await?;
    assert_eq!(refused.status, 401);
    assert!(
        refused
            .challenge()
            .contains("algorithm ES256 is not accepted")
    );
    // rsa-2 is not in the file yet; then it is, and the next token naming it is taken.
    let early = create_order(&svc, Some(&bearer(&RSA_2.token("bob")))).await?;
    assert_eq!(early.status, 401);
    std::fs::write(&path, jwks(&[&RSA_1, &RSA_2, &ec]).to_string())?;
    let rotated = create_order(&svc, Some(&bearer(&RSA_2.token("bob")))).await?;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let users: Vec<Option<String>> =
        sqlx::query_scalar("SELECT metadata->>'userId' FROM events ORDER BY global_position")
            .fetch_all(&db.pool)
            .await?;
    assert_eq!(
        users,
        [
            Some("alice".to_owned()),
            Some("carol".to_owned()),
            Some("bob".to_owned())
        ]
    );
    svc.stop().await?;
    std::fs::remove_dir_all(dir)?;
    Ok(())
}
