//! Time limits and size limits over real HTTP and PostgreSQL: the request timeout, the
//! header-read timeout, the database session timeouts, and the lines of an order.

use std::time::Duration;

use platform_event_sourcing::testing::{TestDatabase, eventually};
use platform_service::{Config, connect_and_migrate, connect_service};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use workspace_tests::TestService;

/// Events stored for a stream.
async fn events_of(db: &TestDatabase, stream_id: &str) -> anyhow::Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM events WHERE stream_id = $1")
            .bind(stream_id)
            .fetch_one(&db.pool)
            .await?,
    )
}

async fn create_order(svc: &TestService) -> anyhow::Result<String> {
    let (status, created) = svc
        .command("CreateOrder", json!({ "customerId": "customer-l" }))
        .await?;
    assert_eq!(status, 200, "{created}");
    Ok(created["orderId"].as_str().unwrap_or_default().to_owned())
}

fn add_item(order_id: &str, product_id: &str) -> Value {
    json!({ "orderId": order_id, "productId": product_id, "quantity": 1, "price": "1.00" })
}

#[tokio::test]
async fn a_request_longer_than_the_timeout_is_a_503_and_its_command_still_completes()
-> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    // Long enough for the set-up's requests on a busy machine.
    let svc = TestService::start_with(&db, &[("REQUEST_TIMEOUT_MS", "1500")]).await?;
    let order_id = create_order(&svc).await?;

    // Nobody may append while the test holds this lock: the command waits for it.
    let mut blocker = db.pool.begin().await?;
    sqlx::query("LOCK TABLE events IN EXCLUSIVE MODE")
        .execute(&mut *blocker)
        .await?;
    let answer = svc
        .send(
            "/api/commands/AddItem",
            None,
            &[],
            add_item(&order_id, "p-slow"),
        )
        .await?;
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert_eq!(answer.code(), "timeout", "{}", answer.body);
    assert_eq!(answer.body["status"], 503);
    assert!(
        answer.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("1500 ms"),
        "{}",
        answer.body
    );
    assert_eq!(
        answer
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    assert!(answer.headers.contains_key("x-correlation-id"));
    assert_eq!(events_of(&db, &order_id).await?, 1, "not appended yet");

    // The client was answered; the command was not cut short: once the lock goes, its
    // unit of work commits on its own.
    blocker.commit().await?;
    eventually(
        Duration::from_secs(10),
        "the command to complete",
        || async { anyhow::Ok((events_of(&db, &order_id).await? == 2).then_some(())) },
    )
    .await?;
    let (status, order) = svc
        .query("GetOrder", json!({ "orderId": order_id }))
        .await?;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["items"][0]["productId"], "p-slow");

    // A query that waits as long is answered the same way.
    let mut blocker = db.pool.begin().await?;
    sqlx::query("LOCK TABLE rm_orders IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *blocker)
        .await?;
    let answer = svc
        .send(
            "/api/queries/GetOrder",
            None,
            &[],
            json!({ "orderId": order_id }),
        )
        .await?;
    assert_eq!((answer.status, answer.code()), (503, "timeout"));
    blocker.rollback().await?;

    // Both timeouts are counted under their names; the command, which did complete,
    // also with its own outcome.
    let metrics_url = format!("{}/metrics", svc.base_url);
    let lines = [
        r#"platform_request_timeouts_total{kind="command",name="AddItem"} 1"#,
        r#"platform_request_timeouts_total{kind="query",name="GetOrder"} 1"#,
        r#"platform_requests_total{kind="command",name="AddItem",status="200"} 1"#,
    ];
    let metrics = eventually(Duration::from_secs(10), "the metrics", || async {
        let text = svc.http.get(&metrics_url).send().await?.text().await?;
        anyhow::Ok(lines.iter().all(|line| text.contains(line)).then_some(text))
    })
    .await?;
    assert!(
        !metrics.contains(r#"name="AddItem",status="503""#),
        "{metrics}"
    );
    svc.stop().await?;
    Ok(())
}

#[tokio::test]
async fn a_connection_that_sends_its_head_too_slowly_is_closed() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    // Above the start-up polls' interval, so their kept-alive connection stays open.
    let svc = TestService::start_with(&db, &[("HTTP_HEADER_READ_TIMEOUT_MS", "1000")]).await?;
    let addr = svc.base_url.trim_start_matches("http://").to_owned();

    // Half a request head, then nothing (slowloris): the server closes the connection.
    let mut slow = TcpStream::connect(&addr).await?;
    slow.write_all(b"POST /api/queries/GetOrder HTTP/1.1\r\nhost: test\r\n")
        .await?;
    let mut buffer = [0_u8; 512];
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read(&mut buffer))
        .await
        .map_err(|_| anyhow::anyhow!("the slow connection was still open after 10 s"))?;
    // Closed (end of stream or reset), possibly after a 408: never a request served.
    match read {
        Ok(0) | Err(_) => {}
        Ok(n) => {
            let text = String::from_utf8_lossy(&buffer[..n]);
            assert!(text.starts_with("HTTP/1.1 408"), "{text}");
        }
    }
    // A connection that sends nothing at all is closed as well.
    let mut silent = TcpStream::connect(&addr).await?;
    let read = tokio::time::timeout(Duration::from_secs(10), silent.read(&mut buffer))
        .await
        .map_err(|_| anyhow::anyhow!("the silent connection was still open after 10 s"))?;
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");

    // Whole requests are served as before.
    let health = svc.health().await?;
    assert!(health["status"].is_string(), "{health}");
    svc.stop().await?;
    Ok(())
}

#[tokio::test]
async fn the_service_connections_carry_the_session_timeouts() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let url = db.url();
    let config = Config::from_defaults_and(
        order_service::DEFAULT_CONFIG,
        &[("DATABASE_URL", url.as_str())],
    )?;
    let (maintenance, _) = connect_and_migrate(&config.database).await?;
    let service = connect_service(&config.database).await?;
    let show = |pool: sqlx::PgPool, setting: &'static str| async move {
        let value: String = sqlx::query_scalar(&format!("SHOW {setting}"))
            .fetch_one(&pool)
            .await?;
        anyhow::Ok(value)
    };
    assert_eq!(show(service.clone(), "statement_timeout").await?, "30s");
    assert_eq!(
        show(service.clone(), "idle_in_transaction_session_timeout").await?,
        "1min"
    );
    // Migrations and maintenance run without a statement timeout.
    assert_eq!(show(maintenance.clone(), "statement_timeout").await?, "0");
    assert_eq!(
        show(maintenance.clone(), "idle_in_transaction_session_timeout").await?,
        "1min"
    );

    // The limit is PostgreSQL's own: a longer statement is cancelled.
    let config = Config::from_defaults_and(
        order_service::DEFAULT_CONFIG,
        &[
            ("DATABASE_URL", url.as_str()),
            ("DB_STATEMENT_TIMEOUT_MS", "200"),
            ("DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", "0"),
        ],
    )?;
    let short = connect_service(&config.database).await?;
    assert_eq!(show(short.clone(), "statement_timeout").await?, "200ms");
    assert_eq!(
        show(short.clone(), "idle_in_transaction_session_timeout").await?,
        "0"
    );
    let err = sqlx::query("SELECT pg_sleep(5)")
        .execute(&short)
        .await
        .expect_err("cancelled by statement_timeout");
    let code = err
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned());
    assert_eq!(code.as_deref(), Some("57014"), "{err}");
    for pool in [maintenance, service, short] {
        pool.close().await;
    }
    Ok(())
}

#[tokio::test]
async fn a_statement_cut_by_the_database_timeout_is_a_503_not_a_500() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start_with(
        &db,
        &[
            ("DB_STATEMENT_TIMEOUT_MS", "1500"),
            ("REQUEST_TIMEOUT_MS", "20000"),
        ],
    )
    .await?;
    let order_id = create_order(&svc).await?;
    let mut blocker = db.pool.begin().await?;
    sqlx::query("LOCK TABLE rm_orders IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *blocker)
        .await?;
    let answer = svc
        .send(
            "/api/queries/GetOrder",
            None,
            &[],
            json!({ "orderId": order_id }),
        )
        .await?;
    blocker.rollback().await?;
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert_eq!(answer.code(), "unavailable", "{}", answer.body);
    svc.stop().await?;
    Ok(())
}

#[tokio::test]
async fn an_order_holds_at_most_max_lines_per_order_lines() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start(&db).await?;
    let order_id = create_order(&svc).await?;
    for n in 1..=200 {
        let (status, body) = svc
            .command("AddItem", add_item(&order_id, &format!("p-{n}")))
            .await?;
        assert_eq!(status, 200, "line {n}: {body}");
    }
    let (status, problem) = svc.command("AddItem", add_item(&order_id, "p-201")).await?;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["code"], "too_many_lines", "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("at most 200 lines"),
        "{problem}"
    );
    assert_eq!(events_of(&db, &order_id).await?, 201, "nothing appended");

    // More units of a product already there are no new line; a removed line frees one.
    let (status, body) = svc.command("AddItem", add_item(&order_id, "p-7")).await?;
    assert_eq!(status, 200, "{body}");
    let (status, body) = svc
        .command(
            "RemoveItem",
            json!({ "orderId": order_id, "productId": "p-1" }),
        )
        .await?;
    assert_eq!(status, 200, "{body}");
    let (status, body) = svc.command("AddItem", add_item(&order_id, "p-201")).await?;
    assert_eq!(status, 200, "{body}");
    let (_, order) = svc
        .query("GetOrder", json!({ "orderId": order_id }))
        .await?;
    assert_eq!(order["items"].as_array().map(Vec::len), Some(200));
    svc.stop().await?;

    // The limit is a setting.
    let db = TestDatabase::empty().await?;
    let svc = TestService::start_with(&db, &[("MAX_LINES_PER_ORDER", "2")]).await?;
    let order_id = create_order(&svc).await?;
    for product in ["a", "b"] {
        let (status, body) = svc.command("AddItem", add_item(&order_id, product)).await?;
        assert_eq!(status, 200, "{body}");
    }
    let (status, problem) = svc.command("AddItem", add_item(&order_id, "c")).await?;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("too_many_lines"))
    );
    assert_eq!(events_of(&db, &order_id).await?, 3);
    svc.stop().await?;
    Ok(())
}
