//! Bad input gets a clear problem+json answer with a stable code and writes nothing.

use platform_event_sourcing::testing::TestDatabase;
use serde_json::{Value, json};
use workspace_tests::TestService;

async fn raw(svc: &TestService, path: &str, body: Vec<u8>) -> anyhow::Result<(u16, String, Value)> {
    let response = svc
        .http
        .post(format!("{}{path}", svc.base_url))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?;
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"].to_str()?.to_owned();
    Ok((status, content_type, response.json().await?))
}

async fn event_count(db: &TestDatabase) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&db.pool)
        .await?)
}

#[tokio::test]
async fn each_bad_input_has_its_status_and_code() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start_with(&db, &[("HTTP_BODY_LIMIT_BYTES", "4096")]).await?;
    let (_, created) = svc
        .command("CreateOrder", json!({ "customerId": "c" }))
        .await?;
    let order_id = created["orderId"].as_str().expect("orderId").to_owned();
    let before = event_count(&db).await?;

    let add = |body: &str| body.replace("$ID", &order_id).into_bytes();
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "/api/commands/AddItem",
            b"{not json".to_vec(),
            400,
            "malformed_json",
        ),
        (
            "/api/commands/AddItem",
            b"[1,2".to_vec(),
            400,
            "malformed_json",
        ),
        (
            "/api/commands/AddItem",
            add(r#"{"orderId":"$ID","productId":"p","quantity":"two","price":1}"#),
            400,
            "validation_failed",
        ),
        (
            "/api/commands/AddItem",
            add(r#"{"orderId":"$ID","productId":"p","quantity":1.5,"price":1}"#),
            400,
            "validation_failed",
        ),
        (
            "/api/commands/AddItem",
            add(r#"{"orderId":"$ID","productId":"p","quantity":1,"price":"cheap"}"#),
            400,
            "validation_failed",
        ),
        (
            "/api/commands/AddItem",
            add(r#"{"orderId":"$ID","quantity":1,"price":1}"#),
            400,
            "validation_failed",
        ),
        (
            "/api/commands/CreateOrder",
            b"{}".to_vec(),
            422,
            "customer_required",
        ),
        (
            "/api/commands/CreateOrder",
            br#"{"customerId":42}"#.to_vec(),
            400,
            "validation_failed",
        ),
        (
            "/api/commands/ShipOrder",
            b"{}".to_vec(),
            404,
            "unknown_command",
        ),
        (
            "/api/queries/GetInvoice",
            b"{}".to_vec(),
            404,
            "unknown_query",
        ),
        (
            "/api/commands/AddItem",
            br#"{"orderId":"missing","productId":"p","quantity":1,"price":1}"#.to_vec(),
            404,
            "not_found",
        ),
        (
            "/api/queries/GetOrder",
            br#"{"orderId":"missing"}"#.to_vec(),
            404,
            "not_found",
        ),
        (
            "/api/commands/AddItem",
            add(r#"{"orderId":"$ID","productId":"p","quantity":0,"price":1}"#),
            422,
            "invalid_quantity",
        ),
        (
            "/api/commands/AddItem",
            add(r#"{"orderId":"$ID","productId":"p","quantity":1,"price":-1}"#),
            422,
            "negative_price",
        ),
        (
            "/api/commands/PlaceOrder",
            add(r#"{"orderId":"$ID"}"#),
            422,
            "order_empty",
        ),
        (
            "/api/commands/CreateOrder",
            br#"{"customerId":""}"#.to_vec(),
            422,
            "customer_required",
        ),
        (
            "/api/commands/CreateOrder",
            format!(r#"{{"customerId":"{}"}}"#, "x".repeat(5000)).into_bytes(),
            413,
            "payload_too_large",
        ),
        (
            "/api/commands/CreateOrder",
            format!(r#"{{"customerId":"{}"}}"#, "x".repeat(300)).into_bytes(),
            400,
            "validation_failed",
        ),
    ];
    for (path, body, status, code) in cases {
        let shown = String::from_utf8_lossy(&body[..body.len().min(80)]).into_owned();
        let (got, content_type, problem) = raw(&svc, path, body).await?;
        assert_eq!(
            (got, problem["code"].as_str()),
            (status, Some(code)),
            "{path} {shown}: {problem}"
        );
        assert_eq!(content_type, "application/problem+json", "{path} {shown}");
        assert_eq!(problem["status"], status);
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
    // A 10 MB body is refused the same way.
    let (got, _, problem) = raw(&svc, "/api/commands/CreateOrder", vec![b' '; 10 << 20]).await?;
    assert_eq!(
        (got, problem["code"].as_str()),
        (413, Some("payload_too_large"))
    );

    let response = svc
        .http
        .get(format!("{}/api/commands/CreateOrder", svc.base_url))
        .send()
        .await?;
    assert_eq!(response.status(), 405);
    let response = svc
        .http
        .get(format!("{}/nowhere", svc.base_url))
        .send()
        .await?;
    assert_eq!(response.status(), 404);

    assert_eq!(
        event_count(&db).await?,
        before,
        "bad input must append nothing"
    );
    Ok(())
}
