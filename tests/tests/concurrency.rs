//! Two writers on one order never lose an item; a conflict past the retries is a 409.

use futures_util::future::join_all;
use order_service_client::{AddItem, CreateOrder, GetOrder};
use platform_event_sourcing::testing::TestDatabase;
use serde_json::json;
use workspace_tests::TestService;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_adds_through_two_instances_lose_nothing() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    // Two service instances on one database: each has its own aggregate cache.
    let a = TestService::start(&db).await?;
    let b = TestService::start(&db).await?;
    let (client_a, client_b) = (a.client(), b.client());
    let order_id = client_a
        .create_order(CreateOrder {
            customer_id: "c".into(),
        })
        .await?
        .order_id;

    const ITEMS: usize = 24;
    let adds = (0..ITEMS).map(|i| {
        let client = if i % 2 == 0 { &client_a } else { &client_b };
        let add = AddItem {
            order_id: order_id.clone(),
            product_id: format!("p-{i}"),
            quantity: 1,
            price: "1.25".parse().expect("a decimal"),
        };
        async move { client.add_item(add).await }
    });
    for result in join_all(adds).await {
        result?;
    }
    let order = client_b
        .get_order(GetOrder {
            order_id: order_id.clone(),
            ..Default::default()
        })
        .await?;
    assert_eq!(order.items.len(), ITEMS);
    assert_eq!(order.total.to_string(), "30.00");
    assert_eq!(order.version, ITEMS as i64 + 1);
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM events WHERE stream_id = $1 ORDER BY version")
            .bind(&order_id)
            .fetch_all(&db.pool)
            .await?;
    assert_eq!(versions, (1..=ITEMS as i64 + 1).collect::<Vec<_>>());
    Ok(())
}

#[tokio::test]
async fn a_conflict_that_outlasts_the_retries_is_a_409() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let single_try = [("COMMAND_MAX_ATTEMPTS", "1")];
    let a = TestService::start_with(&db, &single_try).await?;
    let b = TestService::start_with(&db, &single_try).await?;
    let (_, created) = a
        .command("CreateOrder", json!({ "customerId": "c" }))
        .await?;
    let order_id = created["orderId"].as_str().expect("orderId").to_owned();
    let add = |p: &str| json!({ "orderId": order_id, "productId": p, "quantity": 1, "price": 1 });
    // `a` caches the order at version 2; `b` moves it to version 3 behind its back.
    assert_eq!(a.command("AddItem", add("p1")).await?.0, 200);
    assert_eq!(b.command("AddItem", add("p2")).await?.0, 200);
    let (status, problem) = a.command("AddItem", add("p3")).await?;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("concurrency_conflict")),
        "{problem}"
    );
    // The conflict dropped the stale state: the client's retry succeeds.
    let (status, body) = a.command("AddItem", add("p3")).await?;
    assert_eq!((status, &body["version"]), (200, &json!(4)), "{body}");
    Ok(())
}
