//! The order flow over real HTTP against a real service and database.

use order_service_client::{AddItem, CreateOrder, GetOrder, OrderStatus, PlaceOrder};
use platform_event_sourcing::testing::TestDatabase;
use serde_json::{Value, json};
use workspace_tests::{TestService, token};

#[tokio::test]
async fn create_add_place_get() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start(&db).await?;
    let client = svc.client();

    let created = client
        .create_order(CreateOrder {
            customer_id: "customer-123".into(),
        })
        .await?;
    assert_eq!(created.customer_id, "customer-123");
    let order_id = created.order_id;

    let add = |product: &str, quantity: i64, price: &str| AddItem {
        order_id: order_id.clone(),
        product_id: product.into(),
        quantity,
        price: price.parse().expect("a decimal"),
    };
    assert_eq!(
        client
            .add_item(add("product-456", 2, "29.99"))
            .await?
            .version,
        2
    );
    assert_eq!(
        client
            .add_item(add("product-789", 1, "49.99"))
            .await?
            .version,
        3
    );
    let place = PlaceOrder {
        order_id: order_id.clone(),
    };
    assert_eq!(client.place_order(place.clone()).await?.version, 4);
    // Placing again is a no-op: same version, no event.
    assert_eq!(client.place_order(place).await?.version, 4);

    let order = client
        .get_order(GetOrder {
            order_id: order_id.clone(),
            ..Default::default()
        })
        .await?;
    assert_eq!(order.id, order_id);
    assert_eq!(order.customer_id, "customer-123");
    assert_eq!(order.status, OrderStatus::Placed);
    assert_eq!(order.total.to_string(), "109.97");
    assert_eq!(order.version, 4);
    let items: Vec<(String, i64, String)> = order
        .items
        .iter()
        .map(|i| (i.product_id.clone(), i.quantity, i.price.to_string()))
        .collect();
    assert_eq!(
        items,
        [
            ("product-456".to_owned(), 2, "29.99".to_owned()),
            ("product-789".to_owned(), 1, "49.99".to_owned()),
        ]
    );
    assert!(order.placed_at.is_some());

    // The wire format is the contract: money as strings, camelCase.
    let (status, raw) = svc
        .query("GetOrder", json!({ "orderId": order_id }))
        .await?;
    assert_eq!(status, 200, "{raw}");
    assert_eq!(raw["total"], "109.97");
    assert_eq!(
        raw["items"][0],
        json!({ "productId": "product-456", "quantity": 2, "price": "29.99" })
    );
    assert!(raw["createdAt"].is_string() && raw["placedAt"].is_string());

    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT version, event_type FROM events WHERE stream_id = $1 ORDER BY version",
    )
    .bind(&order_id)
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(
        rows,
        vec![
            (1, "OrderCreated".to_owned()),
            (2, "ItemAdded".to_owned()),
            (3, "ItemAdded".to_owned()),
            (4, "OrderPlaced".to_owned()),
        ]
    );
    let total: String = sqlx::query_scalar(
        "SELECT payload->>'total' FROM events WHERE stream_id = $1 AND version = 4",
    )
    .bind(&order_id)
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(total, "109.97");
    svc.stop().await?;
    Ok(())
}

#[tokio::test]
async fn remove_and_cancel() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start(&db).await?;
    let (_, created) = svc
        .command("CreateOrder", json!({ "customerId": "c" }))
        .await?;
    let order_id = created["orderId"].clone();
    svc.command(
        "AddItem",
        json!({ "orderId": order_id, "productId": "p", "quantity": 1, "price": 5 }),
    )
    .await?;
    let (status, _) = svc
        .command(
            "RemoveItem",
            json!({ "orderId": order_id, "productId": "p" }),
        )
        .await?;
    assert_eq!(status, 200);
    let (status, body) = svc
        .command(
            "CancelOrder",
            json!({ "orderId": order_id, "reason": "changed mind" }),
        )
        .await?;
    assert_eq!((status, &body["version"]), (200, &json!(4)), "{body}");
    let (_, order) = svc
        .query("GetOrder", json!({ "orderId": order_id }))
        .await?;
    assert_eq!(order["status"], "cancelled");
    assert_eq!(order["items"], json!([]));
    assert_eq!(order["total"], "0");
    assert!(order["cancelledAt"].is_string());
    let reason: Value = sqlx::query_scalar(
        "SELECT payload->'reason' FROM events WHERE event_type = 'OrderCancelled'",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(reason, json!("changed mind"));
    Ok(())
}

#[tokio::test]
async fn correlation_ids_are_recorded_and_echoed() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start_jwt(&db, &[]).await?;
    let response = svc
        .http
        .post(format!("{}/api/commands/CreateOrder", svc.base_url))
        .header("X-Correlation-Id", "req-42")
        .bearer_auth(token("alice", &["customer"]))
        .json(&json!({ "customerId": "alice" }))
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-correlation-id"], "req-42");
    let metadata: Value = sqlx::query_scalar("SELECT metadata FROM events")
        .fetch_one(&db.pool)
        .await?;
    assert_eq!(metadata["correlationId"], "req-42");
    assert_eq!(metadata["userId"], "alice");
    assert!(metadata["causationId"].is_string());

    // Without the header the service makes one and still echoes it.
    let response = svc
        .http
        .post(format!("{}/api/queries/GetOrder", svc.base_url))
        .bearer_auth(token("alice", &["customer"]))
        .json(&json!({ "orderId": "nope" }))
        .send()
        .await?;
    assert!(!response.headers()["x-correlation-id"].is_empty());
    Ok(())
}

#[tokio::test]
async fn health_reports_the_database() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start(&db).await?;
    let health = svc.health().await?;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["checks"]["database"], "up");
    Ok(())
}

#[tokio::test]
async fn metrics_count_requests_by_name_and_status() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start(&db).await?;
    svc.command("CreateOrder", json!({ "customerId": "c" }))
        .await?;
    svc.command("CreateOrder", json!({ "customerId": "c" }))
        .await?;
    svc.query("GetOrder", json!({ "orderId": "missing" }))
        .await?;
    let response = svc
        .http
        .get(format!("{}/metrics", svc.base_url))
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()?
            .starts_with("text/plain")
    );
    let text = response.text().await?;
    assert!(
        text.contains(
            r#"platform_requests_total{kind="command",name="CreateOrder",status="200"} 2"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"platform_requests_total{kind="query",name="GetOrder",status="404"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"platform_request_duration_seconds_count{kind="command"} 2"#),
        "{text}"
    );
    assert!(text.contains("platform_projector_lag_seconds"), "{text}");
    Ok(())
}
