//! Product prices in the order service: the product service and the order service in
//! this process, each on its own database, both on one test exchange. The order
//! service's `product-prices` subscriber keeps each product's name, list price and
//! whether it was discontinued; GetProductPrice answers them, and an older PriceSet
//! delivered again (the same event, or a copy under another id) never overwrites a newer
//! price.

#[path = "stock_common/mod.rs"]
mod common;

use std::time::Duration;

use chrono::{DateTime, Utc};
use common::Running;
use platform_event_sourcing::testing::{TestDatabase, eventually};
use platform_messaging::RepublishRange;
use platform_messaging::testing::TestBus;
use serde_json::{Value, json};
use uuid::Uuid;

/// How long an event may take from one service to the other.
const DELIVERY: Duration = Duration::from_secs(30);

struct Services {
    orders: Running,
    products: Running,
}

impl Services {
    async fn product_command(&self, name: &str, body: Value) -> anyhow::Result<Value> {
        let (status, answer) = self.products.command(name, None, body).await?;
        anyhow::ensure!(status == 200, "{name}: {status} {answer}");
        Ok(answer)
    }

    /// Waits until the order service's GetProductPrice of `sku` satisfies `done`.
    async fn price_becomes(
        &self,
        sku: &str,
        what: &str,
        done: impl Fn(&Value) -> bool,
    ) -> anyhow::Result<Value> {
        eventually(DELIVERY, what, || async {
            let (status, price) = self
                .orders
                .query("GetProductPrice", None, json!({ "productId": sku }))
                .await?;
            anyhow::Ok((status == 200 && done(&price)).then_some(price))
        })
        .await
    }

    /// The order service's `product-prices` subscriber counters: handled, duplicates.
    async fn prices_seen(&self) -> anyhow::Result<(u64, u64)> {
        let health = self.orders.health().await?;
        let status = &health["subscribers"]["product-prices"];
        Ok((
            status["handled"].as_u64().unwrap_or_default(),
            status["duplicates"].as_u64().unwrap_or_default(),
        ))
    }
}

/// One stored product event, as the relay broadcasts it.
#[derive(sqlx::FromRow)]
struct Stored {
    tenant_id: String,
    version: i64,
    global_position: i64,
    occurred_at: DateTime<Utc>,
    schema_version: i32,
    payload: Value,
    metadata: Value,
}

#[tokio::test]
async fn the_order_service_keeps_the_newest_product_prices() -> anyhow::Result<()> {
    let orders_db = TestDatabase::new().await?;
    let products_db = TestDatabase::new().await?;
    let mut bus = TestBus::new().await?;
    let (orders, products) = common::start_both(&orders_db, &products_db, &mut bus).await?;
    eventually(
        DELIVERY,
        "the product relay up and the prices subscriber consuming",
        || async {
            let (p, o) = (products.health().await?, orders.health().await?);
            let ready = o["subscribers"]["product-prices"]["consuming"] == true
                && p["checks"]["messageBus"] == "up";
            anyhow::Ok(ready.then_some(()))
        },
    )
    .await?;
    let services = Services { orders, products };

    // Not created yet: 404.
    let (status, missing) = services
        .orders
        .query("GetProductPrice", None, json!({ "productId": "KET-1" }))
        .await?;
    assert_eq!((status, missing["code"].as_str()), (404, Some("not_found")));

    // Created without a price, then priced twice.
    services
        .product_command("CreateProduct", json!({ "sku": "KET-1", "name": "Kettle" }))
        .await?;
    let created = services
        .price_becomes("KET-1", "KET-1 to be known", |_| true)
        .await?;
    assert_eq!(created["name"], "Kettle");
    assert_eq!(created["discontinued"], false);
    assert!(created.get("price").is_none(), "{created}");
    let price =
        |amount: &str| json!({ "sku": "KET-1", "price": { "amount": amount, "currency": "EUR" } });
    services.product_command("SetPrice", price("19.99")).await?;
    let first = services
        .price_becomes("KET-1", "KET-1 at 19.99", |p| p["price"] == "19.99")
        .await?;
    assert_eq!(first["currency"], "EUR");
    services.product_command("SetPrice", price("24.50")).await?;
    let newer = services
        .price_becomes("KET-1", "KET-1 at 24.50", |p| p["price"] == "24.50")
        .await?;
    assert_eq!(
        (
            &newer["productId"],
            &newer["name"],
            &newer["currency"],
            &newer["discontinued"]
        ),
        (
            &json!("KET-1"),
            &json!("Kettle"),
            &json!("EUR"),
            &json!(false)
        )
    );

    // The older PriceSet again: republished (the same event: the inbox skips it), and a
    // copy under a new event id, as another publisher or a late consumer could bring
    // it (the subscriber handles it, and the stream version keeps the newer price).
    let older: Stored = sqlx::query_as(
        "SELECT tenant_id, version, global_position, occurred_at, schema_version,
                payload, metadata
         FROM events WHERE stream_id = 'KET-1' AND event_type = 'PriceSet' ORDER BY version
         LIMIT 1",
    )
    .fetch_one(&products_db.pool)
    .await?;
    assert_eq!(older.payload["price"]["amount"], "19.99");
    let (handled, duplicates) = services.prices_seen().await?;
    let republished = platform_messaging::republish(
        &products_db.pool,
        &bus.options,
        &["PriceSet"],
        &RepublishRange {
            from_position: Some(older.global_position),
            to_position: Some(older.global_position),
            event_types: None,
            tenant: None,
        },
        100,
        |_, _| {},
    )
    .await?;
    assert_eq!(republished, 1);
    let copy = json!({
        "eventId": Uuid::now_v7(),
        "tenantId": older.tenant_id,
        "eventType": "PriceSet",
        "aggregateType": "Product",
        "aggregateId": "KET-1",
        "version": older.version,
        "globalPosition": older.global_position,
        "occurredAt": older.occurred_at,
        "schemaVersion": older.schema_version,
        "payload": older.payload,
        "metadata": older.metadata,
    });
    bus.publish_raw(
        "Product.PriceSet",
        copy.to_string().as_bytes(),
        lapin::BasicProperties::default(),
    )
    .await?;
    eventually(
        DELIVERY,
        "the duplicate and the copy to be seen",
        || async {
            let (h, d) = services.prices_seen().await?;
            anyhow::Ok((h > handled && d > duplicates).then_some(()))
        },
    )
    .await?;
    let after = services
        .price_becomes("KET-1", "KET-1 still at 24.50", |_| true)
        .await?;
    assert_eq!(after["price"], "24.50", "{after}");
    assert_eq!(after["updatedAt"], newer["updatedAt"]);

    // Renamed: the name follows, the price stays.
    services
        .product_command(
            "ChangeProductDetails",
            json!({ "sku": "KET-1", "name": "Electric kettle" }),
        )
        .await?;
    let renamed = services
        .price_becomes("KET-1", "KET-1 renamed", |p| p["name"] == "Electric kettle")
        .await?;
    assert_eq!(renamed["price"], "24.50");

    // Discontinued: still priced, and said so.
    services
        .product_command("DiscontinueProduct", json!({ "sku": "KET-1" }))
        .await?;
    let gone = services
        .price_becomes("KET-1", "KET-1 discontinued", |p| p["discontinued"] == true)
        .await?;
    assert_eq!(gone["price"], "24.50");

    // One row: the product's, in the default tenant.
    let (rows,): (i64,) = sqlx::query_as("SELECT count(*) FROM product_prices")
        .fetch_one(&orders_db.pool)
        .await?;
    assert_eq!(rows, 1);
    let health = services.orders.health().await?;
    assert_eq!(health["subscribers"]["product-prices"]["deadLettered"], 0);

    services.orders.stop().await?;
    services.products.stop().await?;
    bus.cleanup().await?;
    Ok(())
}
