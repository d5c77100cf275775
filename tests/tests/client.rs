//! The typed client against the real service: every method, every error variant, and
//! idempotent replay.

use std::time::Duration;

use order_service_client::{
    AddItem, CancelOrder, ClientError, CreateOrder, Decimal, GetCustomerOrders, GetOrder,
    GetProductDemand, ListOrders, OrderServiceClient, OrderStatus, PlaceOrder, RemoveItem,
};
use platform_event_sourcing::testing::{TestDatabase, Timeout, eventually};
use serde::{Deserialize, Serialize};
use workspace_tests::{TestService, token};

fn price(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

async fn events(db: &TestDatabase) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&db.pool)
        .await?)
}

#[tokio::test]
async fn every_command_and_query_through_the_client() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start_jwt(&db, &[]).await?;
    let client = OrderServiceClient::builder(&svc.base_url)
        .bearer_token(token("customer-1", &["customer"]))
        .timeout(Duration::from_secs(10))
        .build()?;

    // A customer leaves the customer out: the order is theirs.
    let created = client.create_order(CreateOrder::default()).await?;
    assert_eq!(created.customer_id, "customer-1");
    let order_id = created.order_id;
    let added = client
        .add_item(AddItem {
            order_id: order_id.clone(),
            product_id: "product-a".into(),
            quantity: 2,
            price: price("29.99"),
        })
        .await?;
    assert_eq!(
        (added.order_id.as_str(), added.version),
        (order_id.as_str(), 2)
    );
    client
        .add_item(AddItem {
            order_id: order_id.clone(),
            product_id: "product-b".into(),
            quantity: 1,
            price: price("5.00"),
        })
        .await?;
    let removed = client
        .remove_item(RemoveItem {
            order_id: order_id.clone(),
            product_id: "product-b".into(),
        })
        .await?;
    assert_eq!(removed.version, 4);
    let placed = client
        .place_order(PlaceOrder {
            order_id: order_id.clone(),
        })
        .await?;
    assert_eq!(placed.version, 5);

    let order = client
        .get_order(GetOrder {
            order_id: order_id.clone(),
            ..Default::default()
        })
        .await?;
    assert_eq!(order.id, order_id);
    assert_eq!(order.status, OrderStatus::Placed);
    assert_eq!(order.total, price("59.98"));
    assert_eq!(order.items.len(), 1);
    assert_eq!(order.items[0].product_id, "product-a");
    assert_eq!(order.version, 5);
    assert!(order.placed_at.is_some());

    let list = client
        .list_orders(ListOrders {
            customer_id: Some("customer-1".into()),
            ..Default::default()
        })
        .await?;
    assert_eq!(list.orders.len(), 1);
    assert_eq!(list.orders[0].id, order_id);
    assert!(list.next_cursor.is_none());
    let summary = client
        .get_customer_orders(GetCustomerOrders {
            customer_id: "customer-1".into(),
        })
        .await?;
    assert_eq!(summary.customer_id, "customer-1");

    let cancelled = client
        .cancel_order(CancelOrder {
            order_id: order_id.clone(),
            reason: Some("changed my mind".into()),
        })
        .await?;
    assert_eq!(cancelled.version, 6);
    let order = client
        .get_order(GetOrder {
            order_id: order_id.clone(),
            ..Default::default()
        })
        .await?;
    assert_eq!(order.status, OrderStatus::Cancelled);

    // The product demand read model is async: poll until the projector caught up (it
    // reads behind the oldest open transaction in the cluster, which another test here
    // holds open for a few seconds).
    let demand = eventually(
        Duration::from_secs(15),
        "rm_product_demand to project product-a",
        || async {
            let demand = client
                .get_product_demand(GetProductDemand {
                    product_id: "product-a".into(),
                })
                .await;
            Ok::<_, Timeout>(demand.ok())
        },
    )
    .await
    .ok();
    let demand = demand.expect("product demand projected");
    assert_eq!(demand.product_id, "product-a");

    // The token reached the service: its user id is in the events' metadata.
    let users: Vec<Option<String>> =
        sqlx::query_scalar("SELECT DISTINCT metadata->>'userId' FROM events")
            .fetch_all(&db.pool)
            .await?;
    assert_eq!(users, [Some("customer-1".to_owned())]);
    svc.stop().await
}

#[tokio::test]
async fn each_error_variant() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start(&db).await?;
    let client = OrderServiceClient::new(&svc.base_url)?;

    let missing = client
        .get_order(GetOrder {
            order_id: "no-such-order".into(),
            ..Default::default()
        })
        .await;
    match missing {
        Err(ClientError::NotFound { code, message }) => {
            assert_eq!(code, "not_found");
            assert!(message.contains("no-such-order"), "{message}");
        }
        other => panic!("expected NotFound, got {other:?}"),
    }

    let too_long = client
        .create_order(CreateOrder {
            customer_id: "c".repeat(500),
        })
        .await;
    assert!(
        matches!(&too_long, Err(ClientError::Validation { code, .. }) if code == "validation_failed"),
        "{too_long:?}"
    );

    let created = client
        .create_order(CreateOrder {
            customer_id: "customer-e".into(),
        })
        .await?;
    let empty = client
        .place_order(PlaceOrder {
            order_id: created.order_id.clone(),
        })
        .await;
    match &empty {
        Err(ClientError::RuleViolated { code, message }) => {
            assert_eq!(code, "order_empty");
            assert!(!message.is_empty());
        }
        other => panic!("expected RuleViolated, got {other:?}"),
    }
    assert_eq!(
        empty.as_ref().err().and_then(ClientError::code),
        Some("order_empty")
    );

    // The first request with this key is still running (its transaction holds the key's
    // row): 409, retried, then reported.
    let key = "key-in-flight";
    let command = CreateOrder {
        customer_id: "customer-f".into(),
    };
    let mut first = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO idempotency_keys (key, command, request) VALUES ($1, 'CreateOrder', $2)",
    )
    .bind(key)
    .bind(serde_json::to_value(&command)?)
    .execute(&mut *first)
    .await?;
    let quick = OrderServiceClient::builder(&svc.base_url)
        .retries(2)
        .backoff(Duration::from_millis(10))
        .build()?;
    let in_flight = quick.execute_with_key(&command, key).await;
    assert!(
        matches!(&in_flight, Err(ClientError::Conflict { code, .. }) if code == "idempotency_key_in_flight"),
        "{in_flight:?}"
    );
    first.rollback().await?;

    // A contract whose result type is not what the service answers.
    #[derive(Serialize, Deserialize, schemars::JsonSchema)]
    #[serde(rename_all = "camelCase")]
    struct CreateOrderExpectingANumber {
        customer_id: String,
    }
    impl platform_core::Command for CreateOrderExpectingANumber {
        const NAME: &'static str = "CreateOrder";
        type Result = u64;
    }
    let odd = client
        .execute(&CreateOrderExpectingANumber {
            customer_id: "customer-g".into(),
        })
        .await;
    match odd {
        Err(ClientError::Unexpected { status, body }) => {
            assert_eq!(status, 200);
            assert!(body.contains("orderId"), "{body}");
        }
        other => panic!("expected Unexpected, got {other:?}"),
    }

    // Nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let nowhere = OrderServiceClient::builder(format!("http://127.0.0.1:{port}"))
        .retries(1)
        .backoff(Duration::from_millis(10))
        .build()?;
    let refused = nowhere.get_order(GetOrder::default()).await;
    assert!(
        matches!(refused, Err(ClientError::Transport(_))),
        "{refused:?}"
    );
    assert!(matches!(
        OrderServiceClient::new("ftp://example"),
        Err(ClientError::Config(_))
    ));
    svc.stop().await
}

#[tokio::test]
async fn a_database_that_goes_away_is_unavailable() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start_with(&db, &[("DB_CONNECT_TIMEOUT_SECS", "1")]).await?;
    let client = OrderServiceClient::builder(&svc.base_url)
        .retries(0)
        .build()?;
    client
        .create_order(CreateOrder {
            customer_id: "customer-u".into(),
        })
        .await?;
    // The database stops taking connections, and loses the ones it has.
    let admin = platform_event_sourcing::testing::server_url();
    let admin = sqlx::PgPool::connect(&admin).await?;
    sqlx::query(&format!(
        r#"ALTER DATABASE "{}" ALLOW_CONNECTIONS false"#,
        db.name
    ))
    .execute(&admin)
    .await?;
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
        .bind(&db.name)
        .execute(&admin)
        .await?;
    let down = client.list_orders(ListOrders::default()).await;
    sqlx::query(&format!(
        r#"ALTER DATABASE "{}" ALLOW_CONNECTIONS true"#,
        db.name
    ))
    .execute(&admin)
    .await?;
    assert!(
        matches!(down, Err(ClientError::Unavailable { .. })),
        "{down:?}"
    );
    // And back: the service recovers by itself.
    let back = eventually(
        Duration::from_secs(5),
        "the service to answer again",
        || async {
            let back = client.list_orders(ListOrders::default()).await;
            Ok::<_, Timeout>(back.ok())
        },
    )
    .await;
    assert_eq!(back?.orders.len(), 1);
    svc.stop().await
}

#[tokio::test]
async fn a_repeated_idempotency_key_replays_and_appends_nothing() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start(&db).await?;
    let client = OrderServiceClient::new(&svc.base_url)?;
    let command = CreateOrder {
        customer_id: "customer-i".into(),
    };
    let first = client.execute_with_key(&command, "create-1").await?;
    let again = client.execute_with_key(&command, "create-1").await?;
    assert_eq!(first, again, "the first response, replayed");
    assert_eq!(events(&db).await?, 1, "one order created");

    // The replay is marked, and a failure is replayed as well.
    let response = svc
        .http
        .post(format!("{}/api/commands/CreateOrder", svc.base_url))
        .header("Idempotency-Key", "create-1")
        .json(&command)
        .send()
        .await?;
    assert_eq!(response.headers()["idempotent-replayed"], "true");
    let place = PlaceOrder {
        order_id: first.order_id.clone(),
    };
    for _ in 0..2 {
        let refused = client.execute_with_key(&place, "place-1").await;
        assert!(
            matches!(&refused, Err(ClientError::RuleViolated { code, .. }) if code == "order_empty"),
            "{refused:?}"
        );
    }

    // The same key with another body is refused, and appends nothing.
    let other = CreateOrder {
        customer_id: "customer-j".into(),
    };
    let reused = client.execute_with_key(&other, "create-1").await;
    assert!(
        matches!(&reused, Err(ClientError::RuleViolated { code, .. }) if code == "idempotency_key_reused"),
        "{reused:?}"
    );
    assert_eq!(events(&db).await?, 1);

    // Without a key of the caller's, each call is a new command.
    let a = client.create_order(command.clone()).await?;
    let b = client.create_order(command).await?;
    assert_ne!(a.order_id, b.order_id);
    assert_eq!(events(&db).await?, 3);
    let bad_key = svc
        .http
        .post(format!("{}/api/commands/CreateOrder", svc.base_url))
        .header("Idempotency-Key", "")
        .json(&serde_json::json!({ "customerId": "x" }))
        .send()
        .await?;
    assert_eq!(bad_key.status(), 400);
    svc.stop().await
}
