//! Authentication and access over real HTTP with HS256 tokens: tokens refused for every
//! reason (401 `invalid_token`, nothing appended), malformed headers, access rules
//! (401/403), the user id in event metadata coming from the token only, idempotency
//! keys per user, and `none` mode. Public keys (JWKS) are in `jwks.rs`.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::get_current_timestamp;
use order_service_client::{ClientError, GetOrderEvents, ListOrders, OrderServiceClient};
use platform_event_sourcing::testing::{TestDatabase, eventually};
use serde_json::{Value, json};
use workspace_tests::{Answer, TEST_JWT_SECRET, TestService, sign_hs256, token};

const ISSUER: &str = "https://issuer.test";
const AUDIENCE: &str = "orders";

/// `CreateOrder` of an order of customer `alice` with this `Authorization` header.
async fn create_order(svc: &TestService, authorization: Option<&str>) -> anyhow::Result<Answer> {
    svc.send(
        "/api/commands/CreateOrder",
        authorization,
        &[],
        json!({ "customerId": "alice" }),
    )
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

/// Claims the HS256 service of [`assert_refused`] accepts, with `patch` applied.
fn claims(patch: Value) -> Value {
    let mut claims = json!({
        "sub": "alice", "roles": ["customer"], "iss": ISSUER, "aud": AUDIENCE,
        "exp": now() + 300,
    });
    for (name, value) in patch.as_object().expect("a patch is an object") {
        claims[name] = value.clone();
    }
    claims
}

/// Sends CreateOrder with `Authorization: Bearer {token}` to a service verifying HS256
/// tokens of [`ISSUER`] for [`AUDIENCE`], and checks it is refused as an invalid token
/// because of `why`, with nothing appended.
async fn assert_refused(token: &str, why: &str) -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start_jwt(&db, &[("AUTH_ISSUER", ISSUER), ("AUTH_AUDIENCE", AUDIENCE)])
        .await?;
    // The same service takes a good token: only what the test changed is refused.
    let good = create_order(
        &svc,
        Some(&format!(
            "Bearer {}",
            sign_hs256(&claims(json!({})), TEST_JWT_SECRET.as_bytes())
        )),
    )
    .await?;
    assert_eq!(good.status, 200, "{}", good.body);
    let answer = create_order(&svc, Some(&format!("Bearer {token}"))).await?;
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert_eq!(answer.code(), "unauthenticated");
    assert!(
        answer
            .challenge()
            .starts_with(r#"Bearer error="invalid_token", error_description=""#),
        "{}",
        answer.challenge()
    );
    assert!(
        answer.challenge().contains(why),
        "{} should say {why:?}",
        answer.challenge()
    );
    assert_eq!(
        events(&db).await?,
        1,
        "only the good token's command appended"
    );
    svc.stop().await
}

fn hs256(claims: &Value) -> String {
    sign_hs256(claims, TEST_JWT_SECRET.as_bytes())
}

#[tokio::test]
async fn an_expired_token_is_refused() -> anyhow::Result<()> {
    // Beyond the default leeway of 30 s.
    assert_refused(
        &hs256(&claims(json!({"exp": now() - 120}))),
        "token expired",
    )
    .await
}

#[tokio::test]
async fn a_token_not_valid_yet_is_refused() -> anyhow::Result<()> {
    assert_refused(
        &hs256(&claims(json!({"nbf": now() + 120}))),
        "token not valid yet",
    )
    .await
}

#[tokio::test]
async fn a_token_of_another_issuer_is_refused() -> anyhow::Result<()> {
    assert_refused(
        &hs256(&claims(json!({"iss": "https://evil.test"}))),
        "wrong issuer",
    )
    .await
}

#[tokio::test]
async fn a_token_for_another_audience_is_refused() -> anyhow::Result<()> {
    assert_refused(&hs256(&claims(json!({"aud": "billing"}))), "wrong audience").await
}

#[tokio::test]
async fn a_token_with_a_wrong_signature_is_refused() -> anyhow::Result<()> {
    let forged = sign_hs256(
        &claims(json!({})),
        b"not-the-service-secret-but-32-bytes-long",
    );
    assert_refused(&forged, "invalid signature").await?;
    // A genuine token whose claims were swapped for an admin's.
    let genuine = hs256(&claims(json!({})));
    let parts: Vec<&str> = genuine.split('.').collect();
    let admin =
        URL_SAFE_NO_PAD.encode(claims(json!({"sub": "admin", "roles": ["admin"]})).to_string());
    assert_refused(
        &format!("{}.{admin}.{}", parts[0], parts[2]),
        "invalid signature",
    )
    .await
}

#[tokio::test]
async fn an_unsigned_alg_none_token_is_refused() -> anyhow::Result<()> {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims(json!({})).to_string());
    assert_refused(&format!("{header}.{payload}."), "none").await
}

#[tokio::test]
async fn a_tenant_that_is_not_a_tenant_name_is_refused() -> anyhow::Result<()> {
    assert_refused(
        &hs256(&claims(json!({"tenant": "acme'; --"}))),
        "claim ?tenant?",
    )
    .await
}

#[tokio::test]
async fn malformed_authorization_headers_are_refused_at_once() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start_jwt(&db, &[]).await?;
    for (authorization, challenge) in [
        ("Bearer garbage", r#"Bearer error="invalid_token""#),
        ("Bearer a.b.c", r#"Bearer error="invalid_token""#),
        ("Bearer", r#"Bearer error="invalid_request""#),
        ("Bearer two words", r#"Bearer error="invalid_token""#),
        ("Basic dXNlcjpwYXNzd29yZA==", "Bearer"),
        ("alice", "Bearer"),
    ] {
        // Even on a query open to anyone: credentials that were sent must be valid.
        for path in ["/api/commands/CreateOrder", "/api/queries/GetProductDemand"] {
            let answer = svc
                .send(
                    path,
                    Some(authorization),
                    &[],
                    json!({"customerId": "c", "productId": "p"}),
                )
                .await?;
            assert_eq!(answer.status, 401, "{authorization:?} on {path}");
            assert_eq!(answer.code(), "unauthenticated", "{authorization:?}");
            assert!(
                answer.challenge().starts_with(challenge),
                "{authorization:?}: {}",
                answer.challenge()
            );
            // The correlation id is still echoed: the request was seen, then refused.
            assert!(answer.headers.contains_key("x-correlation-id"));
        }
    }
    // `Basic` gets the bare challenge (RFC 6750, 3.1), not an error code.
    let basic = create_order(&svc, Some("Basic dXNlcjpwYXNzd29yZA==")).await?;
    assert_eq!(basic.challenge(), "Bearer");
    assert_eq!(events(&db).await?, 0);
    svc.stop().await
}

#[tokio::test]
async fn without_a_token_a_command_is_401_and_a_query_for_anyone_is_answered() -> anyhow::Result<()>
{
    let db = TestDatabase::empty().await?;
    let svc = TestService::start_jwt(&db, &[]).await?;
    let anonymous = create_order(&svc, None).await?;
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    assert_eq!(anonymous.code(), "unauthenticated");
    assert_eq!(anonymous.challenge(), "Bearer");
    let anonymous = svc
        .send(
            "/api/queries/GetOrder",
            None,
            &[],
            json!({"orderId": "nope"}),
        )
        .await?;
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    assert_eq!(events(&db).await?, 0);

    // A customer orders a product...
    let customer = format!("Bearer {}", token("alice", &["customer"]));
    let created = create_order(&svc, Some(&customer)).await?;
    assert_eq!(created.status, 200, "{}", created.body);
    let added = svc.send(
        "/api/commands/AddItem",
        Some(&customer),
        &[],
        json!({"orderId": created.body["orderId"], "productId": "product-a", "quantity": 2, "price": "1.50"}),
    )
    .await?;
    assert_eq!(added.status, 200, "{}", added.body);
    // ...and GetProductDemand (Access::Anyone) shows it to a caller without a token.
    let demand = eventually(
        Duration::from_secs(10),
        "rm_product_demand to show product-a",
        || async {
            let answer = svc
                .send(
                    "/api/queries/GetProductDemand",
                    None,
                    &[],
                    json!({"productId": "product-a"}),
                )
                .await?;
            anyhow::Ok((answer.status == 200).then_some(answer.body))
        },
    )
    .await?;
    assert_eq!(demand["unitsAdded"], 2, "{demand}");
    svc.stop().await
}

#[tokio::test]
async fn the_user_id_in_metadata_is_the_tokens_never_a_header() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start_jwt(&db, &[]).await?;
    let customer = format!("Bearer {}", token("alice", &["customer"]));
    let answer = svc
        .send(
            "/api/commands/CreateOrder",
            Some(&customer),
            &[("X-User-Id", "admin")],
            json!({}),
        )
        .await?;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let users: Vec<Option<String>> = sqlx::query_scalar("SELECT metadata->>'userId' FROM events")
        .fetch_all(&db.pool)
        .await?;
    assert_eq!(users, [Some("alice".to_owned())]);
    svc.stop().await
}

#[tokio::test]
async fn the_same_idempotency_key_from_two_users_runs_twice() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start_jwt(&db, &[]).await?;
    let create = |user: &'static str| {
        let authorization = format!("Bearer {}", token(user, &["customer"]));
        let svc = &svc;
        async move {
            svc.send(
                "/api/commands/CreateOrder",
                Some(&authorization),
                &[("Idempotency-Key", "order-1")],
                json!({}),
            )
            .await
        }
    };
    let alice = create("alice").await?;
    let bob = create("bob").await?;
    assert_eq!((alice.status, bob.status), (200, 200));
    assert_ne!(
        alice.body["orderId"], bob.body["orderId"],
        "bob must not get alice's response"
    );
    assert!(!bob.headers.contains_key("idempotent-replayed"));
    // Alice's retry is her own response again.
    let again = create("alice").await?;
    assert_eq!(again.body["orderId"], alice.body["orderId"]);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(events(&db).await?, 2);
    let scopes: Vec<(String, String)> = sqlx::query_as(
        "SELECT tenant_id, user_id FROM idempotency_keys WHERE key = 'order-1' ORDER BY user_id",
    )
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(
        scopes,
        [
            ("default".to_owned(), "alice".to_owned()),
            ("default".to_owned(), "bob".to_owned())
        ]
    );
    svc.stop().await
}

#[tokio::test]
async fn the_client_reports_401_and_403_without_retrying() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start_jwt(&db, &[]).await?;
    let anonymous = OrderServiceClient::builder(&svc.base_url)
        .backoff(Duration::from_millis(1))
        .build()?;
    let unauthenticated = anonymous
        .get_order_events(GetOrderEvents {
            order_id: "o".into(),
            ..Default::default()
        })
        .await;
    assert!(
        matches!(&unauthenticated, Err(ClientError::Unauthenticated { code, .. }) if code == "unauthenticated"),
        "{unauthenticated:?}"
    );
    let customer = OrderServiceClient::builder(&svc.base_url)
        .bearer_token(token("alice", &["customer"]))
        .backoff(Duration::from_millis(1))
        .build()?;
    // Another customer's orders are for staff only.
    let forbidden = customer
        .list_orders(ListOrders {
            customer_id: Some("bob".into()),
            ..Default::default()
        })
        .await;
    assert!(
        matches!(&forbidden, Err(ClientError::Forbidden { code, .. }) if code == "forbidden"),
        "{forbidden:?}"
    );
    assert_eq!(
        forbidden.as_ref().err().and_then(ClientError::code),
        Some("forbidden")
    );
    assert!(!forbidden.as_ref().is_err_and(ClientError::is_transient));
    // One request each: neither was retried.
    let metrics = svc
        .http
        .get(format!("{}/metrics", svc.base_url))
        .send()
        .await?
        .text()
        .await?;
    for (name, status) in [("GetOrderEvents", "401"), ("ListOrders", "403")] {
        let line =
            format!(r#"platform_requests_total{{kind="query",name="{name}",status="{status}"}} 1"#);
        assert!(metrics.contains(&line), "{line} in\n{metrics}");
    }
    svc.stop().await
}

#[tokio::test]
async fn in_none_mode_tokens_are_not_read_and_nothing_is_enforced() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start(&db).await?;
    let created = create_order(&svc, Some("Bearer garbage")).await?;
    assert_eq!(created.status, 200, "{}", created.body);
    let trail = svc
        .send(
            "/api/queries/GetOrderEvents",
            None,
            &[],
            json!({"orderId": created.body["orderId"]}),
        )
        .await?;
    assert_eq!(trail.status, 200, "{}", trail.body);
    assert_eq!(trail.body["events"][0]["metadata"]["userId"], Value::Null);
    svc.stop().await
}
