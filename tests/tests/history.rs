//! Temporal queries, the event stream, and schema evolution (a stored ItemAdded v1)
//! through every read path.

use std::time::Duration;

use chrono::Utc;
use order_service_client::{
    AddItem, CancelOrder, ClientError, CreateOrder, GetOrder, GetOrderEvents, GetProductDemand,
    OrderStatus, PlaceOrder,
};
use platform_event_sourcing::testing::{StoredEvent, TestDatabase, Timeout, eventually};
use platform_messaging::testing::TestBus;
use platform_read_models::{RebuildOptions, read_models, rebuild};
use serde_json::{Value, json};
use workspace_tests::TestService;

fn decimal(text: &str) -> order_service_client::Decimal {
    text.parse().expect("a decimal")
}

fn at(order_id: &str) -> GetOrder {
    GetOrder {
        order_id: order_id.to_owned(),
        ..Default::default()
    }
}

#[tokio::test]
async fn the_order_as_it_was_at_several_points() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start(&db).await?;
    let client = svc.client();
    let before_creation = Utc::now();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let order_id = client
        .create_order(CreateOrder {
            customer_id: "customer-t".into(),
        })
        .await?
        .order_id;
    let add = |product: &str, price: &str| AddItem {
        order_id: order_id.clone(),
        product_id: product.into(),
        quantity: 1,
        price: decimal(price),
    };
    client.add_item(add("product-a", "10.00")).await?;
    client.add_item(add("product-b", "2.50")).await?;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let after_two_items = Utc::now();
    tokio::time::sleep(Duration::from_millis(20)).await;
    client
        .place_order(PlaceOrder {
            order_id: order_id.clone(),
        })
        .await?;
    client
        .cancel_order(CancelOrder {
            order_id: order_id.clone(),
            reason: None,
        })
        .await?;

    let v1 = client
        .get_order(GetOrder {
            as_of_version: Some(1),
            ..at(&order_id)
        })
        .await?;
    assert_eq!((v1.version, v1.status), (1, OrderStatus::Draft));
    assert!(v1.items.is_empty());
    assert_eq!(v1.total, decimal("0"));
    assert_eq!(v1.customer_id, "customer-t");

    let by_time = client
        .get_order(GetOrder {
            as_of: Some(after_two_items),
            ..at(&order_id)
        })
        .await?;
    assert_eq!((by_time.version, by_time.status), (3, OrderStatus::Draft));
    assert_eq!(by_time.items.len(), 2);
    assert_eq!(by_time.total, decimal("12.50"));
    assert!(by_time.placed_at.is_none());

    let placed = client
        .get_order(GetOrder {
            as_of_version: Some(4),
            ..at(&order_id)
        })
        .await?;
    assert_eq!((placed.version, placed.status), (4, OrderStatus::Placed));
    assert!(placed.placed_at.is_some() && placed.cancelled_at.is_none());

    let now = client.get_order(at(&order_id)).await?;
    assert_eq!((now.version, now.status), (5, OrderStatus::Cancelled));
    // Rebuilt from events, the latest point equals the read model.
    let rebuilt = client
        .get_order(GetOrder {
            as_of_version: Some(5),
            ..at(&order_id)
        })
        .await?;
    assert_eq!(rebuilt, now);

    for (query, what) in [
        (
            GetOrder {
                as_of: Some(before_creation),
                ..at(&order_id)
            },
            "before it existed",
        ),
        (
            GetOrder {
                as_of_version: Some(9),
                ..at(&order_id)
            },
            "a version it never had",
        ),
    ] {
        let missing = client.get_order(query).await;
        assert!(
            matches!(missing, Err(ClientError::NotFound { .. })),
            "{what}: {missing:?}"
        );
    }
    let both = client
        .get_order(GetOrder {
            as_of: Some(Utc::now()),
            as_of_version: Some(1),
            ..at(&order_id)
        })
        .await;
    assert!(
        matches!(both, Err(ClientError::Validation { .. })),
        "{both:?}"
    );
    let (status, body) = svc
        .query(
            "GetOrder",
            json!({ "orderId": order_id, "asOf": "yesterday" }),
        )
        .await?;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("validation_failed"))
    );
    svc.stop().await
}

/// An order written by an older version of the service: OrderCreated v1 had no
/// createdBy (its user is in the metadata), ItemAdded v1 kept the unit price as integer
/// cents.
async fn seed_v1_order(db: &TestDatabase, order_id: &str) -> anyhow::Result<()> {
    db.insert_events(&[
        StoredEvent::new(
            "Order",
            order_id,
            1,
            "OrderCreated",
            json!({"orderId": order_id, "customerId": "customer-v1"}),
        )
        .metadata(json!({"userId": "legacy-user"})),
        StoredEvent::new(
            "Order",
            order_id,
            2,
            "ItemAdded",
            json!({"orderId": order_id, "productId": "product-v1", "quantity": 2, "unitPriceCents": 2999}),
        ),
    ])
    .await?;
    Ok(())
}

#[tokio::test]
async fn a_stored_item_added_v1_reads_as_v2_on_every_path() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let order_id = "order-v1";
    seed_v1_order(&db, order_id).await?;
    let bus = TestBus::new().await?;
    let mut queue = bus.watch(&["Order.ItemAdded"]).await?;
    // Start-up builds the read models from the log: the projection path.
    let svc = TestService::start_on(&db, bus, &[]).await?;
    let client = svc.client();

    let order = client.get_order(at(order_id)).await?;
    assert_eq!(order.items.len(), 1);
    assert_eq!(order.items[0].price, decimal("29.99"));
    assert_eq!(order.total, decimal("59.98"));

    // The aggregate load path: a command on the order decides on the upcast state.
    let updated = client
        .add_item(AddItem {
            order_id: order_id.into(),
            product_id: "product-v1".into(),
            quantity: 1,
            price: decimal("29.99"),
        })
        .await?;
    assert_eq!(updated.version, 3);
    let mismatch = client
        .add_item(AddItem {
            order_id: order_id.into(),
            product_id: "product-v1".into(),
            quantity: 1,
            price: decimal("30.00"),
        })
        .await;
    assert!(
        matches!(&mismatch, Err(ClientError::RuleViolated { code, .. }) if code == "price_mismatch"),
        "the upcast price is the line's price: {mismatch:?}"
    );
    let order = client.get_order(at(order_id)).await?;
    assert_eq!(
        (order.items[0].quantity, order.total),
        (3, decimal("89.97"))
    );

    // The temporal path.
    let then = client
        .get_order(GetOrder {
            as_of_version: Some(2),
            ..at(order_id)
        })
        .await?;
    assert_eq!(then.total, decimal("59.98"));

    // Inspection: upcast payload, current schema version.
    let stream = client
        .get_order_events(GetOrderEvents {
            order_id: order_id.into(),
            ..Default::default()
        })
        .await?;
    let created = &stream.events[0];
    assert_eq!(
        (created.schema_version, &created.payload["createdBy"]),
        (2, &json!("legacy-user")),
        "OrderCreated v1 reads createdBy from its metadata"
    );
    let item = &stream.events[1];
    assert_eq!(
        (item.event_type.as_str(), item.schema_version),
        ("ItemAdded", 2)
    );
    assert_eq!(
        item.payload,
        json!({ "orderId": order_id, "productId": "product-v1", "quantity": 2, "price": "29.99" })
    );

    // Broadcast: the relay publishes the v1 row as v2.
    let delivery = queue
        .next(Duration::from_secs(15))
        .await?
        .expect("broadcast");
    let envelope: Value = serde_json::from_slice(&delivery.data)?;
    assert_eq!(envelope["version"], 2);
    assert_eq!(envelope["schemaVersion"], 2);
    assert_eq!(envelope["payload"]["price"], "29.99");
    assert!(envelope["payload"].get("unitPriceCents").is_none());

    // The async projection and a catch-up rebuild.
    let demand = eventually(
        Duration::from_secs(5),
        "rm_product_demand to project the v1 row",
        || async {
            let demand = client
                .get_product_demand(GetProductDemand {
                    product_id: "product-v1".into(),
                })
                .await;
            Ok::<_, Timeout>(demand.ok())
        },
    )
    .await
    .ok();
    assert!(demand.is_some(), "rm_product_demand projected the v1 row");
    let orders = read_models()
        .iter()
        .find(|m| m.table == "rm_orders")
        .expect("rm_orders");
    // As `catchup` does: as the service's role, which owns the read models.
    let role = db.runtime_role().await?;
    rebuild(&role.pool, orders, RebuildOptions::default(), |_| {}).await?;
    let order = client.get_order(at(order_id)).await?;
    assert_eq!(order.total, decimal("89.97"), "rebuilt from the upcast log");
    svc.stop().await
}

#[tokio::test]
async fn the_event_stream_pages_and_refuses_bad_requests() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start(&db).await?;
    let client = svc.client();
    let order_id = client
        .create_order(CreateOrder {
            customer_id: "customer-s".into(),
        })
        .await?
        .order_id;
    for n in 0..4 {
        client
            .add_item(AddItem {
                order_id: order_id.clone(),
                product_id: format!("product-{n}"),
                quantity: 1,
                price: decimal("1.00"),
            })
            .await?;
    }
    let page = |after: Option<i64>| GetOrderEvents {
        order_id: order_id.clone(),
        after_version: after,
        limit: Some(2),
    };
    let first = client.get_order_events(page(None)).await?;
    let versions: Vec<i64> = first.events.iter().map(|e| e.version).collect();
    assert_eq!((versions, first.next_after_version), (vec![1, 2], Some(2)));
    assert_eq!(first.events[0].event_type, "OrderCreated");
    assert!(first.events[0].metadata.correlation_id.is_some());
    assert!(first.events[0].metadata.traceparent.is_some());
    let last = client.get_order_events(page(Some(4))).await?;
    let versions: Vec<i64> = last.events.iter().map(|e| e.version).collect();
    assert_eq!((versions, last.next_after_version), (vec![5], None));
    let stored: Vec<(uuid::Uuid, i64)> = sqlx::query_as(
        "SELECT event_id, global_position FROM events WHERE stream_id = $1 AND version = 5",
    )
    .bind(&order_id)
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(
        stored,
        [(last.events[0].event_id, last.events[0].global_position)]
    );

    let missing = client
        .get_order_events(GetOrderEvents {
            order_id: "no-such-order".into(),
            ..Default::default()
        })
        .await;
    assert!(
        matches!(missing, Err(ClientError::NotFound { .. })),
        "{missing:?}"
    );
    let bad = client
        .get_order_events(GetOrderEvents {
            limit: Some(0),
            ..page(None)
        })
        .await;
    assert!(
        matches!(bad, Err(ClientError::Validation { .. })),
        "{bad:?}"
    );
    svc.stop().await
}
