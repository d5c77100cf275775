//! Orders and stock over RabbitMQ: the order service and the product service in this
//! process, each on its own database, both on one test exchange. Stock received on the
//! product service is reserved by orders placed on the order service, released when
//! they are cancelled, never reserved past what is available nor twice for a
//! redelivered event.

#[path = "stock_common/mod.rs"]
mod common;

use std::time::Duration;

use common::Running;
use platform_event_sourcing::testing::{TestDatabase, eventually};
use platform_messaging::RepublishRange;
use platform_messaging::testing::TestBus;
use serde_json::{Value, json};

/// How long an event may take from one service to the other.
const DELIVERY: Duration = Duration::from_secs(30);

struct Services {
    orders: Running,
    products: Running,
}

impl Services {
    async fn order_command(&self, name: &str, body: Value) -> anyhow::Result<Value> {
        let (status, answer) = self.orders.command(name, None, body).await?;
        anyhow::ensure!(status == 200, "{name}: {status} {answer}");
        Ok(answer)
    }

    /// Creates an order, adds `lines` (sku, quantity) at 10.00 each and places it.
    async fn place(&self, customer: &str, lines: &[(&str, i64)]) -> anyhow::Result<String> {
        let created = self
            .order_command("CreateOrder", json!({ "customerId": customer }))
            .await?;
        let order_id = created["orderId"].as_str().unwrap_or_default().to_owned();
        for (sku, quantity) in lines {
            let item = json!({
                "orderId": order_id, "productId": sku, "quantity": quantity, "price": "10.00",
            });
            self.order_command("AddItem", item).await?;
        }
        self.order_command("PlaceOrder", json!({ "orderId": order_id }))
            .await?;
        Ok(order_id)
    }

    async fn stock(&self, sku: &str) -> anyhow::Result<Value> {
        let (status, stock) = self
            .products
            .query("GetStock", None, json!({ "sku": sku }))
            .await?;
        anyhow::ensure!(status == 200, "GetStock {sku}: {status} {stock}");
        Ok(stock)
    }

    /// Waits until `sku`'s stock has `reserved` and `available` units.
    async fn stock_becomes(
        &self,
        sku: &str,
        reserved: i64,
        available: i64,
    ) -> anyhow::Result<Value> {
        let what = format!("{sku} to have {reserved} reserved and {available} available");
        eventually(DELIVERY, &what, || async {
            let stock = self.stock(sku).await?;
            let there = stock["reserved"] == reserved && stock["available"] == available;
            anyhow::Ok(there.then_some(stock))
        })
        .await
    }
}

#[tokio::test]
async fn placed_orders_reserve_stock_and_cancelled_ones_release_it() -> anyhow::Result<()> {
    let orders_db = TestDatabase::new().await?;
    let products_db = TestDatabase::new().await?;
    let mut bus = TestBus::new().await?;
    let (orders, products) = common::start_both(&orders_db, &products_db, &mut bus).await?;
    eventually(
        DELIVERY,
        "the relays up and the stock subscriber consuming",
        || async {
            let (p, o) = (products.health().await?, orders.health().await?);
            let ready = p["subscribers"]["order-stock"]["consuming"] == true
                && p["checks"]["messageBus"] == "up"
                && o["checks"]["messageBus"] == "up";
            anyhow::Ok(ready.then_some(()))
        },
    )
    .await?;
    let services = Services { orders, products };

    // Stock arrives over HTTP.
    for (sku, quantity) in [("SKU-A", 10), ("SKU-B", 3)] {
        let (status, level) = services
            .products
            .command(
                "ReceiveStock",
                None,
                json!({ "sku": sku, "quantity": quantity }),
            )
            .await?;
        assert_eq!(status, 200, "{level}");
    }

    // A placed order reserves its lines.
    let first = services.place("c-1", &[("SKU-A", 4), ("SKU-B", 1)]).await?;
    let stock_a = services.stock_becomes("SKU-A", 4, 6).await?;
    assert_eq!(stock_a["onHand"], 10);
    assert_eq!(
        stock_a["reservations"],
        json!([{ "orderId": first, "quantity": 4 }])
    );
    services.stock_becomes("SKU-B", 1, 2).await?;

    // More than available is a recorded failure, and so is a SKU without stock.
    let second = services
        .place("c-2", &[("SKU-B", 5), ("SKU-NEW", 1)])
        .await?;
    let unknown = eventually(DELIVERY, "SKU-NEW's failed reservation", || async {
        let (status, stock) = services
            .products
            .query("GetStock", None, json!({ "sku": "SKU-NEW" }))
            .await?;
        anyhow::Ok((status == 200).then_some(stock))
    })
    .await?;
    assert_eq!(
        (
            &unknown["onHand"],
            &unknown["available"],
            &unknown["reserved"]
        ),
        (&json!(0), &json!(0), &json!(0))
    );
    let failures: Vec<(String, Value)> = sqlx::query_as(
        "SELECT stream_id, payload FROM events WHERE event_type = 'InventoryReservationFailed'
         ORDER BY stream_id",
    )
    .fetch_all(&products_db.pool)
    .await?;
    assert_eq!(
        failures,
        vec![
            (
                "inventory:SKU-B".to_owned(),
                json!({
                    "sku": "SKU-B", "orderId": second, "requested": 5, "available": 2,
                    "reason": "insufficient_stock",
                })
            ),
            (
                "inventory:SKU-NEW".to_owned(),
                json!({
                    "sku": "SKU-NEW", "orderId": second, "requested": 1, "available": 0,
                    "reason": "unknown_sku",
                })
            ),
        ]
    );
    let stock_b = services.stock("SKU-B").await?;
    assert_eq!(
        (&stock_b["reserved"], &stock_b["available"]),
        (&json!(1), &json!(2))
    );
    // Each reservation is caused by the order event, in its correlation.
    let (causation,): (Option<String>,) = sqlx::query_as(
        "SELECT metadata->>'causationId' FROM events
         WHERE stream_id = 'inventory:SKU-A' AND event_type = 'InventoryReserved'",
    )
    .fetch_one(&products_db.pool)
    .await?;
    let (placed_id,): (String,) = sqlx::query_as(
        "SELECT event_id::text FROM events WHERE stream_id = $1 AND event_type = 'OrderPlaced'",
    )
    .bind(&first)
    .fetch_one(&orders_db.pool)
    .await?;
    assert_eq!(causation, Some(placed_id));

    // Cancelling the first order releases exactly what it reserved.
    services
        .order_command("CancelOrder", json!({ "orderId": first }))
        .await?;
    services.stock_becomes("SKU-A", 0, 10).await?;
    services.stock_becomes("SKU-B", 0, 3).await?;

    // The first OrderPlaced delivered again reserves nothing (the order stays released).
    let republished = platform_messaging::republish(
        &orders_db.pool,
        &bus.options,
        &["OrderPlaced"],
        &RepublishRange {
            from_position: None,
            to_position: None,
            event_types: None,
            tenant: None,
        },
        100,
        |_, _| {},
    )
    .await?;
    assert_eq!(republished, 2);
    eventually(DELIVERY, "both duplicates to be seen", || async {
        let health = services.products.health().await?;
        anyhow::Ok((health["subscribers"]["order-stock"]["duplicates"] == 2).then_some(()))
    })
    .await?;
    let third = services.place("c-3", &[("SKU-A", 2)]).await?;
    let stock_a = services.stock_becomes("SKU-A", 2, 8).await?;
    assert_eq!(
        stock_a["reservations"],
        json!([{ "orderId": third, "quantity": 2 }])
    );
    let (reserved_events,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM events WHERE event_type = 'InventoryReserved'")
            .fetch_one(&products_db.pool)
            .await?;
    assert_eq!(
        reserved_events, 3,
        "first order's two lines, then the third's"
    );
    // Available stock never went below zero.
    let (negative,): (i64,) = sqlx::query_as("SELECT count(*) FROM rm_stock WHERE available < 0")
        .fetch_one(&products_db.pool)
        .await?;
    assert_eq!(negative, 0);
    let health = services.products.health().await?;
    assert_eq!(health["subscribers"]["order-stock"]["deadLettered"], 0);

    services.orders.stop().await?;
    services.products.stop().await?;
    bus.cleanup().await?;
    Ok(())
}
