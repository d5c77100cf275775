//! Broadcast of the order events on RabbitMQ through the outbox relay.

use std::collections::BTreeSet;
use std::time::Duration;

use lapin::message::Delivery;
use lapin::types::AMQPValue;
use platform_event_sourcing::testing::TestDatabase;
use platform_messaging::testing::{TestBus, WatchQueue, close_connections_named};
use serde_json::{Value, json};
use workspace_tests::TestService;

const WAIT: Duration = Duration::from_secs(15);

fn body(delivery: &Delivery) -> Value {
    serde_json::from_slice(&delivery.data).expect("JSON body")
}

async fn create_order(svc: &TestService, customer: &str) -> anyhow::Result<String> {
    let (status, created) = svc
        .command("CreateOrder", json!({ "customerId": customer }))
        .await?;
    anyhow::ensure!(status == 200, "{created}");
    Ok(created["orderId"].as_str().expect("orderId").to_owned())
}

async fn add_item(svc: &TestService, order_id: &str, product: &str) -> anyhow::Result<()> {
    let (status, body) = svc
        .command(
            "AddItem",
            json!({ "orderId": order_id, "productId": product, "quantity": 1, "price": "10.00" }),
        )
        .await?;
    anyhow::ensure!(status == 200, "{body}");
    Ok(())
}

/// Adds the event ids received to `seen` until every expected one is there.
async fn receive_ids(
    queue: &mut WatchQueue,
    expected: &BTreeSet<String>,
    seen: &mut BTreeSet<String>,
) -> anyhow::Result<()> {
    while !expected.is_subset(seen) {
        let Some(delivery) = queue.next(WAIT).await? else {
            anyhow::bail!("missing {} events", expected.difference(seen).count());
        };
        seen.insert(
            body(&delivery)["eventId"]
                .as_str()
                .expect("eventId")
                .to_owned(),
        );
    }
    Ok(())
}

async fn event_ids(db: &TestDatabase) -> anyhow::Result<BTreeSet<String>> {
    let ids: Vec<String> = sqlx::query_scalar("SELECT event_id::text FROM events")
        .fetch_all(&db.pool)
        .await?;
    Ok(ids.into_iter().collect())
}

#[tokio::test]
async fn the_order_flow_arrives_in_order_with_envelope_and_properties() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let bus = TestBus::new().await?;
    let mut queue = bus.watch(&["Order.#"]).await?;
    let svc = TestService::start_on(&db, bus, &[]).await?;

    let correlation = "flow-correlation-1";
    let post = |name: &str, body: Value| {
        svc.http
            .post(format!("{}/api/commands/{name}", svc.base_url))
            .header("X-Correlation-Id", correlation)
            .json(&body)
            .send()
    };
    let created: Value = post("CreateOrder", json!({ "customerId": "customer-1" }))
        .await?
        .json()
        .await?;
    let order_id = created["orderId"].as_str().expect("orderId").to_owned();
    for (product, price) in [("product-a", "29.99"), ("product-b", "5.00")] {
        let r = post(
            "AddItem",
            json!({ "orderId": order_id, "productId": product, "quantity": 2, "price": price }),
        )
        .await?;
        assert_eq!(r.status(), 200);
    }
    let r = post(
        "RemoveItem",
        json!({ "orderId": order_id, "productId": "product-b" }),
    )
    .await?;
    assert_eq!(r.status(), 200);
    let r = post("PlaceOrder", json!({ "orderId": order_id })).await?;
    assert_eq!(r.status(), 200);

    let deliveries = queue.take(5, WAIT).await?;
    let stored: Vec<(String, String, i64, i64, Value, Value)> = sqlx::query_as(
        "SELECT event_id::text, event_type, version, global_position, payload, metadata
         FROM events WHERE stream_id = $1 ORDER BY version",
    )
    .bind(&order_id)
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(deliveries.len(), 5, "five events broadcast");
    let types: Vec<&str> = stored.iter().map(|s| s.1.as_str()).collect();
    assert_eq!(
        types,
        [
            "OrderCreated",
            "ItemAdded",
            "ItemAdded",
            "ItemRemoved",
            "OrderPlaced"
        ]
    );
    for (delivery, (event_id, event_type, version, position, payload, metadata)) in
        deliveries.iter().zip(&stored)
    {
        assert_eq!(delivery.routing_key.as_str(), format!("Order.{event_type}"));
        let envelope = body(delivery);
        let occurred_at = envelope["occurredAt"].clone();
        assert!(occurred_at.is_string(), "{envelope}");
        assert_eq!(
            envelope,
            json!({
                "eventId": event_id,
                "tenantId": "default",
                "eventType": event_type,
                "aggregateType": "Order",
                "aggregateId": order_id,
                "version": version,
                "globalPosition": position,
                "occurredAt": occurred_at,
                "schemaVersion": if matches!(event_type.as_str(), "ItemAdded" | "OrderCreated" | "OrderPlaced") { 2 } else { 1 },
                "payload": payload,
                "metadata": metadata,
            })
        );
        assert_eq!(metadata["correlationId"], correlation);
        let p = &delivery.properties;
        assert_eq!(
            p.message_id().as_ref().map(|s| s.as_str()),
            Some(event_id.as_str())
        );
        assert_eq!(
            p.kind().as_ref().map(|s| s.as_str()),
            Some(event_type.as_str())
        );
        assert_eq!(
            p.content_type().as_ref().map(|s| s.as_str()),
            Some("application/json")
        );
        assert_eq!(*p.delivery_mode(), Some(2), "persistent");
        assert_eq!(
            p.app_id().as_ref().map(|s| s.as_str()),
            Some(svc.service_name())
        );
        assert_eq!(
            p.correlation_id().as_ref().map(|s| s.as_str()),
            Some(correlation)
        );
        let tenant = p
            .headers()
            .as_ref()
            .and_then(|h| h.inner().get("tenant-id").cloned());
        assert!(
            matches!(&tenant, Some(AMQPValue::LongString(t)) if t.to_string() == "default"),
            "tenant-id header: {tenant:?}"
        );
        let traceparent = metadata["traceparent"]
            .as_str()
            .expect("traceparent recorded");
        let header = p
            .headers()
            .as_ref()
            .and_then(|h| h.inner().get("traceparent").cloned());
        match header {
            Some(AMQPValue::LongString(value)) => assert_eq!(value.to_string(), traceparent),
            other => panic!("traceparent header missing: {other:?}"),
        }
    }
    // The checkpoint moved past the last event, after the broker confirmed it.
    let checkpoint: i64 =
        sqlx::query_scalar("SELECT global_position FROM checkpoints WHERE name = $1")
            .bind(format!("relay:{}", svc.bus().exchange()))
            .fetch_one(&db.pool)
            .await?;
    assert_eq!(checkpoint, stored[4].3);
    let health = svc.health().await?;
    assert_eq!(health["status"], "ok", "{health}");
    assert_eq!(health["checks"]["messageBus"], "up");
    assert_eq!(health["relay"]["published"], 5);
    assert_eq!(health["relay"]["lagEvents"], 0);
    assert!(
        queue.next(Duration::from_millis(300)).await?.is_none(),
        "nothing more"
    );
    svc.stop().await
}

#[tokio::test]
async fn a_broker_down_at_start_up_delays_publication_and_loses_nothing() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let bus = TestBus::new().await?;
    let mut queue = bus.watch(&["Order.#"]).await?;
    // Nothing listens on port 1: the broker is "down".
    let svc = TestService::start_on(
        &db,
        bus,
        &[("MESSAGE_BUS_URL", "amqp://guest:guest@127.0.0.1:1/%2f")],
    )
    .await?;
    let order_id = create_order(&svc, "customer-down").await?;
    add_item(&svc, &order_id, "product-1").await?;
    let health = svc.health().await?;
    assert_eq!(health["status"], "degraded", "{health}");
    assert_eq!(health["checks"]["messageBus"], "down");
    assert!(queue.next(Duration::from_millis(500)).await?.is_none());

    // The broker is back (the same database, the right URL): the backlog goes out.
    let bus = svc.stop_keeping_bus().await?;
    let svc = TestService::start_on(&db, bus, &[]).await?;
    add_item(&svc, &order_id, "product-2").await?;
    let expected = event_ids(&db).await?;
    assert_eq!(expected.len(), 3);
    let mut seen = BTreeSet::new();
    receive_ids(&mut queue, &expected, &mut seen).await?;
    assert_eq!(seen, expected);
    svc.stop().await
}

#[tokio::test]
async fn a_connection_cut_mid_flow_loses_nothing() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let bus = TestBus::new().await?;
    let mut queue = bus.watch(&["Order.#"]).await?;
    let svc = TestService::start_on(&db, bus, &[]).await?;
    let order_id = create_order(&svc, "customer-cut").await?;
    let mut seen = BTreeSet::new();
    receive_ids(&mut queue, &event_ids(&db).await?, &mut seen).await?;

    let relay_name = format!("relay {}", svc.bus().exchange());
    let closed =
        tokio::task::spawn_blocking(move || close_connections_named(&relay_name)).await??;
    assert_eq!(closed, 1, "the relay's connection was found and closed");
    for n in 0..20 {
        add_item(&svc, &order_id, &format!("product-{n}")).await?;
    }
    let expected = event_ids(&db).await?;
    assert_eq!(expected.len(), 21);
    receive_ids(&mut queue, &expected, &mut seen).await?;
    assert_eq!(seen, expected, "every event arrived after the reconnect");
    let health = svc.health().await?;
    assert_eq!(health["checks"]["messageBus"], "up", "{health}");
    svc.stop().await
}

#[tokio::test]
async fn one_relay_publishes_and_a_standby_takes_over() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let bus = TestBus::new().await?;
    let mut queue = bus.watch(&["Order.#"]).await?;
    let first = TestService::start_on(&db, bus, &[]).await?;
    let order_id = create_order(&first, "customer-lease").await?;
    let mut seen = BTreeSet::new();
    receive_ids(&mut queue, &event_ids(&db).await?, &mut seen).await?;

    // A second process on the same database and exchange stands by.
    let second_bus = TestBus::new().await?;
    let exchange = first.bus().exchange().to_owned();
    let second = TestService::start_on(
        &db,
        second_bus,
        &[("MESSAGE_BUS_EXCHANGE", exchange.as_str())],
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (h1, h2) = (first.health().await?, second.health().await?);
    assert_eq!(h1["relay"]["active"], true, "{h1}");
    assert_eq!(h2["relay"]["active"], false, "{h2}");

    add_item(&second, &order_id, "product-1").await?;
    let bus = first.stop_keeping_bus().await?;
    add_item(&second, &order_id, "product-2").await?;
    let expected = event_ids(&db).await?;
    receive_ids(&mut queue, &expected, &mut seen).await?;
    assert_eq!(seen, expected);
    let h2 = second.health().await?;
    assert_eq!(
        h2["relay"]["active"], true,
        "the standby took the lease: {h2}"
    );
    second.stop().await?;
    bus.cleanup().await?;
    Ok(())
}
