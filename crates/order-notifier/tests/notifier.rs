//! The `order-notifier` binary end to end: events appended to an order log, broadcast
//! by the outbox relay, consumed by the notifier, served by its query.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use order_notifier::{GetNotifications, NotificationList};
use platform_core::{Query, broadcast_event_types};
use platform_event_sourcing::testing::{StoredEvent, TestDatabase, eventually};
use platform_messaging::testing::TestBus;
use platform_messaging::{OutboxRelay, RelayMonitor, RelayOptions, RepublishRange, republish};
use serde_json::{Value, json};
use tokio::sync::watch;

const BIN: &str = env!("CARGO_BIN_EXE_order-notifier");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The notifier binary, killed when dropped (a failed test leaves no process behind).
struct Notifier {
    child: Option<Child>,
    base_url: String,
    http: reqwest::Client,
}

impl Notifier {
    /// The service name of a notifier on `bus`: its queue is `{name}.notifications`, its
    /// own for each test.
    fn service_name(bus: &TestBus) -> String {
        format!("order-notifier-{}", bus.exchange())
    }

    async fn start(db: &TestDatabase, bus: &TestBus) -> anyhow::Result<Self> {
        let port = free_port();
        let child = Command::new(BIN)
            .env_remove("DATABASE_URL")
            .env("CONFIG_DIR", env!("CARGO_MANIFEST_DIR"))
            .env("DATABASE_URL", db.url())
            .env("MESSAGE_BUS_URL", &bus.options.url)
            .env("MESSAGE_BUS_EXCHANGE", bus.exchange())
            .env("SERVICE_NAME", Self::service_name(bus))
            .env("HTTP_HOST", "127.0.0.1")
            .env("HTTP_PORT", port.to_string())
            .env("LOG_LEVEL", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let notifier = Notifier {
            child: Some(child),
            base_url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        };
        // Up when its subscriber consumes: its queue is bound, nothing published is lost.
        let health = format!("{}/health", notifier.base_url);
        eventually(
            Duration::from_secs(30),
            "the notifier to start consuming",
            || async {
                let consuming = if let Ok(r) = notifier.http.get(&health).send().await
                    && let Ok(health) = r.json::<Value>().await
                {
                    health["subscribers"]["notifications"]["consuming"] == true
                } else {
                    false
                };
                anyhow::Ok(consuming.then_some(()))
            },
        )
        .await?;
        Ok(notifier)
    }

    async fn health(&self) -> anyhow::Result<Value> {
        let response = self
            .http
            .get(format!("{}/health", self.base_url))
            .send()
            .await?;
        Ok(response.json().await?)
    }

    async fn notifications(&self, query: &GetNotifications) -> anyhow::Result<(u16, Value)> {
        let response = self
            .http
            .post(format!(
                "{}/api/queries/{}",
                self.base_url,
                GetNotifications::NAME
            ))
            .json(query)
            .send()
            .await?;
        Ok((response.status().as_u16(), response.json().await?))
    }

    async fn wait_for(&self, customer: &str, count: usize) -> anyhow::Result<NotificationList> {
        let query = GetNotifications {
            customer_id: Some(customer.to_owned()),
            ..Default::default()
        };
        eventually(
            Duration::from_secs(15),
            &format!("{customer} to have {count} notifications"),
            || async {
                let (status, body) = self.notifications(&query).await?;
                anyhow::ensure!(status == 200, "{body}");
                let list: NotificationList = serde_json::from_value(body)?;
                Ok((list.notifications.len() >= count).then_some(list))
            },
        )
        .await
    }

    fn stop(mut self) -> anyhow::Result<String> {
        let child = self
            .child
            .take()
            .ok_or_else(|| anyhow::anyhow!("the notifier was stopped already"))?;
        let killed = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()?;
        anyhow::ensure!(killed.success());
        let output = child.wait_with_output()?;
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        anyhow::ensure!(output.status.success(), "{stderr}");
        Ok(stderr)
    }
}

impl Drop for Notifier {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The order service's log: a placed order and a cancelled one of customer c-1, and an
/// order of c-2 that stays a draft.
async fn seed_order_log(db: &TestDatabase) -> anyhow::Result<()> {
    let event = |stream, version, event_type, payload| {
        StoredEvent::new("Order", stream, version, event_type, payload)
    };
    db.insert_events(&[
        event(
            "order-1",
            1,
            "OrderCreated",
            json!({"orderId": "order-1", "customerId": "c-1"}),
        ),
        event(
            "order-1",
            2,
            "ItemAdded",
            json!({"orderId": "order-1", "productId": "p", "quantity": 2, "price": "29.99"}),
        ),
        event(
            "order-1",
            3,
            "OrderPlaced",
            json!({"orderId": "order-1", "customerId": "c-1", "total": "59.98"}),
        ),
        event(
            "order-2",
            1,
            "OrderCreated",
            json!({"orderId": "order-2", "customerId": "c-1"}),
        ),
        event(
            "order-2",
            2,
            "OrderCancelled",
            json!({"orderId": "order-2", "customerId": "c-1", "reason": "changed my mind"}),
        ),
        event(
            "order-3",
            1,
            "OrderCreated",
            json!({"orderId": "order-3", "customerId": "c-2"}),
        ),
    ])
    .await?;
    Ok(())
}

#[tokio::test]
async fn placed_and_cancelled_orders_become_notifications_exactly_once() -> anyhow::Result<()> {
    let orders = TestDatabase::new().await?;
    let notifier_db = TestDatabase::reserve()?;
    let mut bus = TestBus::new().await?;
    bus.track_queue(&format!("{}.notifications", Notifier::service_name(&bus)));
    let notifier = Notifier::start(&notifier_db, &bus).await?;

    // A service that only subscribes runs no relay; its bus status is its subscriber's.
    let health = notifier.health().await?;
    assert_eq!(health["checks"]["messageBus"], "up", "{health}");
    assert_eq!(health["status"], "ok", "{health}");
    assert_eq!(health["relay"]["connected"], false, "{health}");

    seed_order_log(&orders).await?;
    let (stop, stopped) = watch::channel(false);
    let relay = OutboxRelay::new(
        orders.pool.clone(),
        bus.options.clone(),
        RelayOptions::default(),
        broadcast_event_types(),
        RelayMonitor::default(),
    );
    let relay = tokio::spawn(relay.run(stopped));

    let list = notifier.wait_for("c-1", 2).await?;
    let seen: Vec<(&str, &str, &str)> = list
        .notifications
        .iter()
        .map(|n| (n.order_id.as_str(), n.kind.as_str(), n.message.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (
                "order-2",
                "order_cancelled",
                "Your order order-2 was cancelled: changed my mind"
            ),
            (
                "order-1",
                "order_placed",
                "Your order order-1 was placed; total 59.98."
            ),
        ]
    );
    let placed_event: uuid::Uuid = sqlx::query_scalar(
        "SELECT event_id FROM events WHERE stream_id = 'order-1' AND event_type = 'OrderPlaced'",
    )
    .fetch_one(&orders.pool)
    .await?;
    assert_eq!(list.notifications[1].event_id, placed_event);

    // Every event again (a republish for some new subscriber): no new notification.
    let again = republish(
        &orders.pool,
        &bus.options,
        broadcast_event_types(),
        &RepublishRange::default(),
        100,
        |_, _| {},
    )
    .await?;
    assert_eq!(again, 6);
    let health = eventually(
        Duration::from_secs(10),
        "the notifier to count 2 duplicates",
        || async {
            let health = notifier.health().await?;
            let counted = health["subscribers"]["notifications"]["duplicates"] == 2;
            anyhow::Ok(counted.then_some(health))
        },
    )
    .await?;
    assert_eq!(
        health["subscribers"]["notifications"]["duplicates"], 2,
        "{health}"
    );
    assert_eq!(
        health["subscribers"]["notifications"]["handled"], 2,
        "{health}"
    );
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications")
        .fetch_one(&notifier_db.pool)
        .await?;
    assert_eq!(rows, 2);
    let drafts = notifier.wait_for("c-2", 0).await?;
    assert!(drafts.notifications.is_empty(), "a draft is not notified");

    let (status, body) = notifier.notifications(&GetNotifications::default()).await?;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "validation_failed");
    let (status, body) = {
        let r = notifier
            .http
            .post(format!(
                "{}/api/queries/GetNotifications",
                notifier.base_url
            ))
            .json(&json!({ "customerId": 42 }))
            .send()
            .await?;
        (r.status().as_u16(), r.json::<Value>().await?)
    };
    assert_eq!(status, 400, "{body}");

    stop.send(true)?;
    relay.await?;
    let stderr = tokio::task::spawn_blocking(move || notifier.stop()).await??;
    assert!(stderr.contains("shut down cleanly"), "{stderr}");
    // A clean shutdown (its subscriber's channels closed before the connection) logs
    // nothing at error level.
    assert!(!stderr.contains("ERROR"), "{stderr}");
    bus.cleanup().await?;
    Ok(())
}

#[test]
fn started_from_the_workspace_root_it_is_the_notifier_not_the_order_service() {
    let crate_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in [crate_dir.join("../.."), crate_dir.join("../order-service")] {
        let output = std::process::Command::new(BIN)
            .arg("config")
            .env_clear()
            .current_dir(&dir)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run the binary");
        let printed = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{output:?}");
        assert!(
            printed.contains("service: order-notifier\n"),
            "{dir:?}: {printed}"
        );
        assert!(printed.contains("/order_notifier\n"), "{dir:?}: {printed}");
        assert!(
            printed.contains("http: 0.0.0.0:3001\n"),
            "{dir:?}: {printed}"
        );
        assert!(
            printed.contains(&crate_dir.join("config/default.toml").display().to_string()),
            "{dir:?}: {printed}"
        );
    }
}
