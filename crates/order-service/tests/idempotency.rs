//! Exactly once per `Idempotency-Key`, against the real binary: a client that goes
//! away mid-command, a process killed mid-command or right after its commit, and
//! retries racing each other. Each ends with exactly one set of events.

use std::process::{Child, Stdio};
use std::time::Duration;

use platform_event_sourcing::testing::{TestDatabase, eventually};
use reqwest::StatusCode;
use serde_json::{Value, json};

mod common;

use common::order_service;

/// A running `order-service serve` on its own port, killed when dropped.
struct Running {
    child: Child,
    base_url: String,
    http: reqwest::Client,
}

impl Running {
    async fn start(db: &TestDatabase) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = order_service(&["serve"], Some(&db.url()), "warn")
            .env("MESSAGE_BUS_ENABLED", "false")
            .env("HTTP_PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let running = Running {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        };
        let health = format!("{}/health", running.base_url);
        eventually(Duration::from_secs(30), "the service to start", || async {
            let up = running.http.get(&health).send().await;
            anyhow::Ok(matches!(&up, Ok(r) if r.status().is_success()).then_some(()))
        })
        .await?;
        Ok(running)
    }

    /// A request for command `name` with `body` and an `Idempotency-Key`.
    fn command(&self, name: &str, key: &str, body: &Value) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}/api/commands/{name}", self.base_url))
            .header("idempotency-key", key)
            .json(body)
    }

    /// Sends it and returns status, whether it was a replay, and the JSON body.
    async fn send(
        &self,
        name: &str,
        key: &str,
        body: &Value,
    ) -> anyhow::Result<(StatusCode, bool, Value)> {
        let response = self.command(name, key, body).send().await?;
        let status = response.status();
        let replayed = response.headers().contains_key("idempotent-replayed");
        Ok((status, replayed, response.json().await?))
    }

    fn kill(&mut self) -> anyhow::Result<()> {
        self.child.kill()?; // SIGKILL
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn count(db: &TestDatabase, event_type: &str) -> anyhow::Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = $1")
            .bind(event_type)
            .fetch_one(&db.pool)
            .await?,
    )
}

/// Holds `version` of `order_id` in an open transaction: a command appending that
/// version waits on the stream's unique key until the transaction ends.
async fn block_version(
    db: &TestDatabase,
    order_id: &str,
    version: i64,
) -> anyhow::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    let mut blocker = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO events (event_id, tenant_id, stream_id, aggregate_type, version, event_type, payload) \
         VALUES (gen_random_uuid(), 'default', $1, 'Order', $2, 'Blocker', '{}')",
    )
    .bind(order_id)
    .bind(version)
    .execute(&mut *blocker)
    .await?;
    Ok(blocker)
}

/// Waits until a statement of the service waits for a lock in `db`.
async fn until_blocked(db: &TestDatabase) -> anyhow::Result<()> {
    eventually(
        Duration::from_secs(10),
        "the command to wait on the held version",
        || async {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .fetch_one(&db.pool)
            .await?;
            anyhow::Ok((waiting > 0).then_some(()))
        },
    )
    .await
}

async fn create_order(service: &Running, customer: &str) -> anyhow::Result<String> {
    let (status, _, body) = service
        .send(
            "CreateOrder",
            &format!("create-{customer}"),
            &json!({ "customerId": customer }),
        )
        .await?;
    anyhow::ensure!(status == StatusCode::OK, "CreateOrder: {status} {body}");
    Ok(body["orderId"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn a_client_that_goes_away_does_not_cut_the_command_short() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let service = Running::start(&db).await?;
    let order_id = create_order(&service, "customer-gone").await?;
    let add = json!({ "orderId": order_id, "productId": "p-1", "quantity": 2, "price": 3.5 });

    let blocker = block_version(&db, &order_id, 2).await?;
    // The client gives up long before the command can finish.
    let gone = service
        .command("AddItem", "add-once", &add)
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(gone.is_err(), "the request should have timed out: {gone:?}");
    until_blocked(&db).await?;
    // A retry while the first still runs waits, then says so; it runs nothing.
    let (status, _, body) = service.send("AddItem", "add-once", &add).await?;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "idempotency_key_in_flight");

    blocker.rollback().await?;
    // The first request's command finishes on its own; the next retry replays it.
    let (status, replayed, body) = eventually(
        Duration::from_secs(10),
        "the first request to finish",
        || async {
            let sent = service.send("AddItem", "add-once", &add).await?;
            anyhow::Ok((sent.0 != StatusCode::CONFLICT).then_some(sent))
        },
    )
    .await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(replayed, "the retry must replay the first request's answer");
    assert_eq!(body["version"], 2);
    assert_eq!(count(&db, "ItemAdded").await?, 1);
    assert_eq!(count(&db, "Blocker").await?, 0);
    Ok(())
}

#[tokio::test]
async fn a_process_killed_mid_command_leaves_nothing_and_the_retry_runs_it_once()
-> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let mut first = Running::start(&db).await?;
    let order_id = create_order(&first, "customer-killed").await?;
    let add = json!({ "orderId": order_id, "productId": "p-1", "quantity": 1, "price": 10 });

    let blocker = block_version(&db, &order_id, 2).await?;
    let pending = tokio::spawn(first.command("AddItem", "add-killed", &add).send());
    until_blocked(&db).await?;
    // Killed between claiming the key and committing: its transaction dies with it.
    first.kill()?;
    assert!(pending.await?.is_err(), "the killed process cannot answer");
    blocker.rollback().await?;
    assert_eq!(count(&db, "ItemAdded").await?, 0);

    let second = Running::start(&db).await?;
    let (status, replayed, body) = second.send("AddItem", "add-killed", &add).await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        !replayed,
        "nothing had committed: the retry runs the command"
    );
    let (again, replayed, same) = second.send("AddItem", "add-killed", &add).await?;
    assert_eq!((again, replayed), (StatusCode::OK, true));
    assert_eq!(same, body);
    assert_eq!(count(&db, "ItemAdded").await?, 1);
    Ok(())
}

#[tokio::test]
async fn a_process_killed_after_its_commit_is_replayed_to_the_retry() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let mut first = Running::start(&db).await?;
    let create = json!({ "customerId": "customer-committed" });
    let pending = tokio::spawn(
        first
            .command("CreateOrder", "create-committed", &create)
            .send(),
    );
    // Killed as soon as the order is in the log, whether or not its answer got out.
    eventually(Duration::from_secs(10), "the order to commit", || async {
        anyhow::Ok((count(&db, "OrderCreated").await? > 0).then_some(()))
    })
    .await?;
    first.kill()?;
    let _ = pending.await?;

    let second = Running::start(&db).await?;
    let (status, replayed, body) = second
        .send("CreateOrder", "create-committed", &create)
        .await?;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(replayed, "the retry must find the committed answer");
    let stored: String = sqlx::query_scalar("SELECT stream_id FROM events")
        .fetch_one(&db.pool)
        .await?;
    assert_eq!(body["orderId"], stored.as_str());
    assert_eq!(count(&db, "OrderCreated").await?, 1);
    Ok(())
}

#[tokio::test]
async fn racing_retries_run_the_command_once() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let service = Running::start(&db).await?;
    let create = json!({ "customerId": "customer-race" });
    let sends = (0..8).map(|_| service.send("CreateOrder", "create-race", &create));
    let answers = futures_util::future::join_all(sends).await;

    let mut order_ids = Vec::new();
    let mut fresh = 0;
    for answer in answers {
        let (status, replayed, body) = answer?;
        match status {
            StatusCode::OK => {
                order_ids.push(body["orderId"].clone());
                fresh += usize::from(!replayed);
            }
            // A retry that waited longer than the in-flight wait says so and runs nothing.
            StatusCode::CONFLICT => assert_eq!(body["code"], "idempotency_key_in_flight"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(fresh, 1, "exactly one request runs the command");
    order_ids.dedup();
    assert_eq!(order_ids.len(), 1, "every answer names the same order");
    assert_eq!(count(&db, "OrderCreated").await?, 1);
    Ok(())
}
