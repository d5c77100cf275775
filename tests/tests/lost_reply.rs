//! A lost reply over HTTP: the service's connections to PostgreSQL go through a proxy
//! that cuts one of them after a command's append (or its COMMIT) reached the database.
//! The caller gets either success or a retryable 503, and the command is in the log
//! once, retries included.

use platform_event_sourcing::testing::{Cut, CutProxy, TestDatabase};
use serde_json::{Value, json};
use sqlx::ConnectOptions;
use workspace_tests::{Answer, TestService};

/// A service whose database connections go through `proxy` (as the database's runtime
/// role, as every test service runs), with an order to add to.
async fn service(db: &TestDatabase) -> anyhow::Result<(CutProxy, TestService, String)> {
    let proxy = CutProxy::in_front_of(db).await?;
    let role = db.runtime_role().await?;
    let url = proxy
        .options(db)
        .username(&role.name)
        .to_url_lossy()
        .to_string();
    let svc = TestService::start_with(db, &[("DATABASE_URL", &url)]).await?;
    let (status, created) = svc
        .command("CreateOrder", json!({ "customerId": "customer-1" }))
        .await?;
    anyhow::ensure!(status == 200, "{created}");
    let order = created["orderId"].as_str().unwrap_or_default().to_owned();
    Ok((proxy, svc, order))
}

fn add_item(order: &str, product: &str) -> Value {
    json!({ "orderId": order, "productId": product, "quantity": 1, "price": "2.50" })
}

/// `ItemAdded` events for `product`, counted in PostgreSQL directly.
async fn items_added(db: &TestDatabase, product: &str) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE event_type = 'ItemAdded' AND payload->>'productId' = $1",
    )
    .bind(product)
    .fetch_one(&db.pool)
    .await?)
}

/// Sends `AddItem` with the given headers until it is answered 2xx, retrying only a 503
/// `unavailable`; returns the answers.
async fn add_until_answered(
    svc: &TestService,
    body: &Value,
    headers: &[(&str, &str)],
) -> anyhow::Result<Vec<Answer>> {
    let mut answers = Vec::new();
    while answers.len() < 5 {
        let answer = svc
            .send("/api/commands/AddItem", None, headers, body.clone())
            .await?;
        let status = answer.status;
        anyhow::ensure!(
            status == 200 || (status == 503 && answer.code() == "unavailable"),
            "neither success nor a retryable 503: {status} {}",
            answer.body
        );
        answers.push(answer);
        if status == 200 {
            return Ok(answers);
        }
    }
    anyhow::bail!("still unavailable after 5 tries")
}

#[tokio::test]
async fn a_commit_whose_reply_was_lost_answers_200_and_appends_once() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let (proxy, svc, order) = service(&db).await?;

    proxy.arm(Cut::AfterCommitReply);
    let answers = add_until_answered(&svc, &add_item(&order, "lost-1"), &[]).await?;
    assert_eq!(proxy.trips(), 1, "the proxy cut the COMMIT's reply");
    assert_eq!(answers.len(), 1, "found in the log, answered at once");
    assert_eq!(answers[0].body["version"], 2);
    assert_eq!(items_added(&db, "lost-1").await?, 1);
    svc.stop().await?;
    Ok(())
}

#[tokio::test]
async fn a_reply_lost_after_the_append_is_200_or_503_and_appends_once() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let (proxy, svc, order) = service(&db).await?;

    // Appended in one statement, the events committed: 200. Appended in a transaction
    // (a role bound by row-level security), the COMMIT was never sent: 503, and the
    // retry appends them.
    proxy.arm(Cut::AfterAppendReply);
    let answers = add_until_answered(&svc, &add_item(&order, "lost-4"), &[]).await?;
    assert_eq!(proxy.trips(), 1, "the proxy cut the append's reply");
    assert!(answers.len() <= 2, "at most one 503 before the 200");
    assert_eq!(items_added(&db, "lost-4").await?, 1);
    svc.stop().await?;
    Ok(())
}

#[tokio::test]
async fn an_append_that_never_arrived_is_a_503_and_the_retry_appends_once() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let (proxy, svc, order) = service(&db).await?;

    proxy.arm(Cut::BeforeAppend);
    let answers = add_until_answered(&svc, &add_item(&order, "lost-2"), &[]).await?;
    assert_eq!(proxy.trips(), 1, "the proxy cut the append");
    assert_eq!(answers.len(), 2, "a 503, then the retry's 200");
    assert_eq!(answers[0].status, 503);
    assert_eq!(items_added(&db, "lost-2").await?, 1);
    svc.stop().await?;
    Ok(())
}

#[tokio::test]
async fn a_keyed_command_whose_commit_reply_was_lost_is_replayed_not_run_again()
-> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let (proxy, svc, order) = service(&db).await?;

    proxy.arm(Cut::AfterCommitReply);
    let key = [("Idempotency-Key", "lost-commit-1")];
    let answers = add_until_answered(&svc, &add_item(&order, "lost-3"), &key).await?;
    assert_eq!(proxy.trips(), 1, "the proxy cut the COMMIT's reply");
    assert_eq!(items_added(&db, "lost-3").await?, 1, "in the log once");
    let last = answers.last().map(|a| &a.body["version"]);
    assert_eq!(last, Some(&json!(2)));
    // The outcome was unknown to the service: a 503, and the retry finds the key's
    // answer, committed with the events.
    assert_eq!(answers.len(), 2, "a 503, then the retry's 200");
    assert_eq!(answers[0].status, 503);
    let replayed = answers[1].headers.get("idempotent-replayed");
    assert_eq!(
        replayed.and_then(|v| v.to_str().ok()),
        Some("true"),
        "the retry is answered from the key, not run again"
    );
    svc.stop().await?;
    Ok(())
}
