//! Queries right after a command see its effect: read models are projected inline.

use platform_event_sourcing::testing::TestDatabase;
use serde_json::json;
use workspace_tests::TestService;

#[tokio::test]
async fn get_order_shows_every_command_at_once() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start(&db).await?;
    let (_, created) = svc
        .command("CreateOrder", json!({ "customerId": "c-9" }))
        .await?;
    let id = created["orderId"].as_str().expect("orderId").to_owned();
    let get = || svc.query("GetOrder", json!({ "orderId": id }));

    let (status, order) = get().await?;
    assert_eq!(status, 200, "{order}");
    assert_eq!(
        (order["status"].as_str(), order["version"].as_i64()),
        (Some("draft"), Some(1))
    );

    let steps = [
        (
            "AddItem",
            json!({ "orderId": id, "productId": "a", "quantity": 2, "price": "29.99" }),
            "59.98",
            1,
        ),
        (
            "AddItem",
            json!({ "orderId": id, "productId": "b", "quantity": 1, "price": 49.99 }),
            "109.97",
            2,
        ),
        (
            "AddItem",
            json!({ "orderId": id, "productId": "c", "quantity": 3, "price": "1.01" }),
            "113.00",
            3,
        ),
        (
            "RemoveItem",
            json!({ "orderId": id, "productId": "c" }),
            "109.97",
            2,
        ),
    ];
    for (version, (name, body, total, lines)) in (2..).zip(steps) {
        let (status, answer) = svc.command(name, body).await?;
        assert_eq!(status, 200, "{answer}");
        let (_, order) = get().await?;
        assert_eq!(order["total"], total, "after {name}: {order}");
        assert_eq!(order["items"].as_array().map(Vec::len), Some(lines));
        assert_eq!(order["version"], version);
    }
    svc.command("PlaceOrder", json!({ "orderId": id })).await?;
    let (_, order) = get().await?;
    assert_eq!(
        (order["status"].as_str(), order["total"].as_str()),
        (Some("placed"), Some("109.97"))
    );
    assert!(order["placedAt"].is_string());

    let (status, customer) = svc
        .query("GetCustomerOrders", json!({ "customerId": "c-9" }))
        .await?;
    assert_eq!(status, 200, "{customer}");
    assert_eq!(customer["ordersPlaced"], 1);
    assert_eq!(customer["totalSpent"], "109.97");

    svc.command("CancelOrder", json!({ "orderId": id })).await?;
    let (_, order) = get().await?;
    assert_eq!(order["status"], "cancelled");
    let (_, customer) = svc
        .query("GetCustomerOrders", json!({ "customerId": "c-9" }))
        .await?;
    assert_eq!(
        (
            customer["ordersPlaced"].as_i64(),
            customer["totalSpent"].as_str()
        ),
        (Some(0), Some("0"))
    );
    assert_eq!(customer["ordersCancelled"], 1);
    Ok(())
}

#[tokio::test]
async fn list_orders_pages_newest_first() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start(&db).await?;
    let mut mine = Vec::new();
    for i in 0..5 {
        let customer = if i == 2 { "someone-else" } else { "me" };
        let (_, created) = svc
            .command("CreateOrder", json!({ "customerId": customer }))
            .await?;
        if customer == "me" {
            mine.push(created["orderId"].as_str().expect("orderId").to_owned());
        }
    }
    mine.reverse();
    let (status, first) = svc
        .query("ListOrders", json!({ "customerId": "me", "limit": 3 }))
        .await?;
    assert_eq!(status, 200, "{first}");
    let ids = |page: &serde_json::Value| -> Vec<String> {
        page["orders"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|o| o["id"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(ids(&first), mine[..3]);
    let cursor = first["nextCursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let (_, second) = svc
        .query(
            "ListOrders",
            json!({ "customerId": "me", "limit": 3, "cursor": cursor }),
        )
        .await?;
    assert_eq!(ids(&second), mine[3..]);
    assert!(second.get("nextCursor").is_none());

    let (_, all) = svc.query("ListOrders", json!({})).await?;
    assert_eq!(all["orders"].as_array().map(Vec::len), Some(5));

    let (status, problem) = svc
        .query(
            "ListOrders",
            json!({ "customerId": "me", "cursor": "garbage" }),
        )
        .await?;
    assert_eq!(
        (status, problem["code"].as_str()),
        (400, Some("validation_failed"))
    );
    let (status, problem) = svc
        .query("GetCustomerOrders", json!({ "customerId": "nobody" }))
        .await?;
    assert_eq!((status, problem["code"].as_str()), (404, Some("not_found")));
    Ok(())
}
