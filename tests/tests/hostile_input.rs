//! Hostile input over real HTTP: NUL and other control characters, dates PostgreSQL
//! cannot hold, bodies not sent as JSON, unknown fields, floats where integers go.
//! Each gets its 4xx problem with a stable code and appends nothing, with or without
//! an `Idempotency-Key`.

use platform_event_sourcing::testing::TestDatabase;
use serde_json::{Value, json};
use workspace_tests::TestService;

/// What came back: status, `Content-Type` and the JSON body (`Null` if none).
struct Reply {
    status: u16,
    content_type: String,
    body: Value,
}

/// POSTs raw `body` to `path` with `content_type` (none when `None`) and extra headers.
async fn post(
    svc: &TestService,
    path: &str,
    content_type: Option<&str>,
    headers: &[(&str, &str)],
    body: impl Into<reqwest::Body>,
) -> anyhow::Result<Reply> {
    let mut request = svc.http.post(format!("{}{path}", svc.base_url));
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.body(body).send().await?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.json().await.unwrap_or(Value::Null);
    Ok(Reply {
        status,
        content_type,
        body,
    })
}

async fn count(db: &TestDatabase, table: &str) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(&db.pool)
        .await?)
}

const JSON: Option<&str> = Some("application/json");

/// Path, content type, headers, body, status, code, and what the detail must name.
type Case<'a> = (
    &'a str,
    Option<&'a str>,
    &'a [(&'a str, &'a str)],
    String,
    u16,
    &'a str,
    &'a str,
);

#[tokio::test]
async fn hostile_bodies_get_a_problem_and_append_nothing() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start(&db).await?;
    let (status, created) = svc
        .command("CreateOrder", json!({ "customerId": "c" }))
        .await?;
    assert_eq!(status, 200, "{created}");
    let id = created["orderId"].as_str().unwrap_or_default().to_owned();
    let events = count(&db, "events").await?;

    let with_id = |body: &str| body.replace("$ID", &id);
    let key = [("idempotency-key", "hostile-1")];
    let cases: Vec<Case> = vec![
        (
            "/api/commands/CreateOrder",
            JSON,
            &[],
            r#"{"customerId":"a\u0000b"}"#.into(),
            400,
            "validation_failed",
            "U+0000",
        ),
        (
            "/api/queries/GetOrder",
            JSON,
            &[],
            r#"{"orderId":"\u0000"}"#.into(),
            400,
            "validation_failed",
            "orderId",
        ),
        (
            // The keyed path stores the request as jsonb, which refuses U+0000.
            "/api/commands/CreateOrder",
            JSON,
            &key,
            r#"{"customerId":"c","note":{"deep":["\u0000"]}}"#.into(),
            400,
            "validation_failed",
            "note.deep[0]",
        ),
        (
            "/api/commands/CancelOrder",
            JSON,
            &key,
            with_id(r#"{"orderId":"$ID","reason":"bell\u0007"}"#),
            400,
            "validation_failed",
            "U+0007",
        ),
        (
            "/api/queries/GetOrder",
            JSON,
            &[],
            with_id(r#"{"orderId":"$ID","asOf":"-005000-01-01T00:00:00Z"}"#),
            400,
            "validation_failed",
            "RFC 3339",
        ),
        (
            "/api/queries/GetOrder",
            JSON,
            &[],
            with_id(r#"{"orderId":"$ID","asOf":"+275760-09-13T00:00:00Z"}"#),
            400,
            "validation_failed",
            "RFC 3339",
        ),
        (
            "/api/commands/CreateOrder",
            Some("text/plain"),
            &[],
            r#"{"customerId":"c"}"#.into(),
            415,
            "unsupported_media_type",
            "text/plain",
        ),
        (
            "/api/commands/CreateOrder",
            Some("application/x-www-form-urlencoded"),
            &key,
            r#"{"customerId":"c"}"#.into(),
            415,
            "unsupported_media_type",
            "application/json",
        ),
        (
            "/api/commands/CreateOrder",
            None,
            &[],
            r#"{"customerId":"c"}"#.into(),
            415,
            "unsupported_media_type",
            "application/json",
        ),
        (
            "/api/queries/ListOrders",
            None,
            &[],
            "{}".into(),
            415,
            "unsupported_media_type",
            "application/json",
        ),
        (
            "/api/commands/AddItem",
            JSON,
            &[],
            with_id(r#"{"orderId":"$ID","productId":"p","quantitty":1,"price":1}"#),
            400,
            "validation_failed",
            "quantitty",
        ),
        (
            "/api/commands/CancelOrder",
            JSON,
            &[],
            with_id(r#"{"orderId":"$ID","reasn":"typo"}"#),
            400,
            "validation_failed",
            "reasn",
        ),
        (
            "/api/queries/ListOrders",
            JSON,
            &[],
            r#"{"limit":1.5}"#.into(),
            400,
            "validation_failed",
            "u32",
        ),
        (
            "/api/queries/ListOrders",
            JSON,
            &[],
            r#"[null, 10]"#.into(),
            400,
            "validation_failed",
            "object",
        ),
        (
            "/api/commands/AddItem",
            JSON,
            &[],
            with_id(r#"{"orderId":"$ID","productId":"p","quantity":1,"price":"1E40"}"#),
            400,
            "validation_failed",
            "price",
        ),
        (
            "/api/commands/AddItem",
            JSON,
            &[],
            with_id(r#"{"orderId":"$ID","productId":"p","quantity":1,"price":1e300}"#),
            400,
            "validation_failed",
            "price",
        ),
    ];
    for (path, content_type, headers, body, status, code, named) in cases {
        let reply = post(&svc, path, content_type, headers, body.clone()).await?;
        assert_eq!(
            (reply.status, reply.body["code"].as_str()),
            (status, Some(code)),
            "{path} {body}: {}",
            reply.body
        );
        assert_eq!(
            reply.content_type, "application/problem+json",
            "{path} {body}"
        );
        let detail = reply.body["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains(named),
            "{path} {body}: {detail:?} names {named:?}"
        );
    }
    assert_eq!(count(&db, "events").await?, events, "nothing appended");
    assert_eq!(
        count(&db, "idempotency_keys").await?,
        0,
        "a body refused before decoding takes no key"
    );
    Ok(())
}

#[tokio::test]
async fn what_the_contract_allows_still_works() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start(&db).await?;
    let (_, created) = svc
        .command("CreateOrder", json!({ "customerId": "c" }))
        .await?;
    let id = created["orderId"].as_str().unwrap_or_default().to_owned();

    // An integral float is an integer; a charset parameter is fine.
    let add = json!({ "orderId": id, "productId": "p", "quantity": 2.0, "price": "1.50" });
    let reply = post(
        &svc,
        "/api/commands/AddItem",
        Some("application/json; charset=utf-8"),
        &[],
        add.to_string(),
    )
    .await?;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = post(
        &svc,
        "/api/queries/ListOrders",
        JSON,
        &[],
        r#"{"limit":2.0}"#,
    )
    .await?;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["orders"][0]["items"][0]["quantity"], 2);
    // An empty body is `{}` and needs no Content-Type.
    let reply = post(&svc, "/api/queries/ListOrders", None, &[], "").await?;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // Tab, line feed and carriage return are text; a four-digit-year asOf is read.
    let cancel = json!({ "orderId": id, "reason": "line one\r\n\tline two" });
    let reply = post(
        &svc,
        "/api/commands/CancelOrder",
        JSON,
        &[],
        cancel.to_string(),
    )
    .await?;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reasons: Vec<Value> = sqlx::query_scalar(
        "SELECT payload->'reason' FROM events WHERE event_type = 'OrderCancelled'",
    )
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(reasons, vec![json!("line one\r\n\tline two")]);
    let as_of = json!({ "orderId": id, "asOf": "0001-01-01T00:00:00Z" });
    let reply = post(&svc, "/api/queries/GetOrder", JSON, &[], as_of.to_string()).await?;
    assert_eq!(
        (reply.status, reply.body["code"].as_str()),
        (404, Some("not_found")),
        "before the order existed: {}",
        reply.body
    );
    Ok(())
}
