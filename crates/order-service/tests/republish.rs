//! `order-service republish`: a range of the log published again, for a new subscriber.

use std::time::Duration;

use platform_event_sourcing::testing::{StoredEvent, TestDatabase};
use platform_messaging::testing::TestBus;
use serde_json::{Value, json};

mod common;

use common::order_service;

fn republish(db: &TestDatabase, bus: &TestBus, args: &[&str]) -> std::process::Output {
    let args: Vec<&str> = ["republish"].iter().chain(args).copied().collect();
    order_service(&args, Some(&db.url()), "warn")
        .env("MESSAGE_BUS_URL", &bus.options.url)
        .env("MESSAGE_BUS_EXCHANGE", bus.exchange())
        .output()
        .expect("the binary runs")
}

/// Two orders: positions 1-3 are order A (created, item, placed), 4-5 order B.
async fn seed(db: &TestDatabase) -> anyhow::Result<()> {
    let event = |stream, version, event_type, payload| {
        StoredEvent::new("Order", stream, version, event_type, payload)
    };
    db.insert_events(&[
        event(
            "order-a",
            1,
            "OrderCreated",
            json!({"orderId": "order-a", "customerId": "c1"}),
        ),
        event(
            "order-a",
            2,
            "ItemAdded",
            json!({"orderId": "order-a", "productId": "p1", "quantity": 1, "price": "2.50"}),
        ),
        event(
            "order-a",
            3,
            "OrderPlaced",
            json!({"orderId": "order-a", "customerId": "c1", "total": "2.50"}),
        ),
        event(
            "order-b",
            1,
            "OrderCreated",
            json!({"orderId": "order-b", "customerId": "c2"}),
        ),
        event(
            "order-b",
            2,
            "OrderCancelled",
            json!({"orderId": "order-b", "customerId": "c2"}),
        ),
    ])
    .await?;
    Ok(())
}

#[tokio::test]
async fn republish_sends_a_range_of_the_log_again() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    seed(&db).await?;
    let bus = TestBus::new().await?;
    let mut queue = bus.watch(&["Order.#"]).await?;

    let output = republish(&db, &bus, &["--from", "2", "--to", "4"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("republished 3 events"), "{stdout}");
    let got = queue.take(3, Duration::from_secs(10)).await?;
    let positions: Vec<(i64, String)> = got
        .iter()
        .map(|d| {
            let body: Value = serde_json::from_slice(&d.data).expect("JSON");
            (
                body["globalPosition"].as_i64().expect("position"),
                d.routing_key.to_string(),
            )
        })
        .collect();
    assert_eq!(
        positions,
        [
            (2, "Order.ItemAdded".to_owned()),
            (3, "Order.OrderPlaced".to_owned()),
            (4, "Order.OrderCreated".to_owned()),
        ]
    );
    assert!(queue.next(Duration::from_millis(300)).await?.is_none());

    // Only one type, over the whole log; the relay's checkpoint is not touched.
    let output = republish(&db, &bus, &["--event-type", "OrderCreated"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let got = queue.take(2, Duration::from_secs(10)).await?;
    let keys: Vec<String> = got.iter().map(|d| d.routing_key.to_string()).collect();
    assert_eq!(keys, ["Order.OrderCreated", "Order.OrderCreated"]);
    let checkpoints: i64 =
        sqlx::query_scalar("SELECT count(*) FROM checkpoints WHERE name LIKE 'relay:%'")
            .fetch_one(&db.pool)
            .await?;
    assert_eq!(checkpoints, 0);
    bus.cleanup().await?;
    Ok(())
}

#[tokio::test]
async fn republish_refuses_bad_ranges_and_unknown_types() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let bus = TestBus::new().await?;
    let output = republish(&db, &bus, &["--from", "5", "--to", "2"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("--from 5 is after --to 2"), "{stderr}");
    let output = republish(&db, &bus, &["--event-type", "OrderShipped"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("\"OrderShipped\" is not a broadcast event type"),
        "{stderr}"
    );
    assert!(stderr.contains("OrderPlaced"), "{stderr}");
    bus.cleanup().await?;
    Ok(())
}

#[tokio::test]
async fn republish_with_the_broker_down_fails_with_one_clear_line() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    seed(&db).await?;
    let output = order_service(&["republish"], Some(&db.url()), "warn")
        .env("MESSAGE_BUS_URL", "amqp://guest:guest@127.0.0.1:1/%2f")
        .output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.starts_with("error: republish to exchange platform at amqp://…@127.0.0.1:1/%2f"),
        "{stderr}"
    );
    Ok(())
}

#[tokio::test]
async fn republish_can_take_one_tenant() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    seed(&db).await?;
    db.insert_events(&[StoredEvent::new(
        "Order",
        "order-a",
        1,
        "OrderCreated",
        json!({"orderId": "order-a", "customerId": "acme-customer"}),
    )
    .tenant("acme")])
        .await?;
    let bus = TestBus::new().await?;
    let mut queue = bus.watch(&["Order.#"]).await?;
    let output = republish(&db, &bus, &["--tenant", "acme"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let got = queue.take(1, Duration::from_secs(10)).await?;
    let body: Value = serde_json::from_slice(&got[0].data)?;
    assert_eq!(body["tenantId"], "acme");
    assert_eq!(body["payload"]["customerId"], "acme-customer");
    assert!(queue.next(Duration::from_millis(300)).await?.is_none());
    bus.cleanup().await?;
    Ok(())
}
