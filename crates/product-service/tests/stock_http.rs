//! ReceiveStock, AdjustStock, AllocateReservation and GetStock over HTTP, on a real
//! database, with `AUTH_MODE=jwt`: who may change stock, and every bad input a 4xx.

#[path = "stock_common/mod.rs"]
mod common;

use common::{JWT, Running, token};
use platform_event_sourcing::testing::TestDatabase;
use serde_json::{Value, json};

async fn start(db: &TestDatabase) -> anyhow::Result<Running> {
    let mut settings = vec![("MESSAGE_BUS_ENABLED", "false")];
    settings.extend_from_slice(&JWT);
    Running::start(
        product_service::service(),
        product_service::DEFAULT_CONFIG,
        db,
        &settings,
    )
    .await
}

#[tokio::test]
async fn stock_is_received_adjusted_and_read_back() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let service = start(&db).await?;
    let clerk = token("clerk", &["inventory"]);
    let clerk = Some(clerk.as_str());

    // Stock for a SKU the catalog does not know is accepted.
    let (status, level) = service
        .command(
            "ReceiveStock",
            clerk,
            json!({ "sku": "SKU-1", "quantity": 10 }),
        )
        .await?;
    assert_eq!(status, 200, "{level}");
    assert_eq!(
        level,
        json!({ "sku": "SKU-1", "onHand": 10, "reserved": 0, "available": 10, "version": 1 })
    );
    let (status, level) = service
        .command(
            "ReceiveStock",
            clerk,
            json!({ "sku": "SKU-1", "quantity": 5 }),
        )
        .await?;
    assert_eq!((status, &level["onHand"]), (200, &json!(15)), "{level}");
    let (status, level) = service
        .command(
            "AdjustStock",
            clerk,
            json!({ "sku": "SKU-1", "delta": -3, "reason": "broken in transit" }),
        )
        .await?;
    assert_eq!((status, &level["available"]), (200, &json!(12)), "{level}");

    let (status, stock) = service
        .query("GetStock", clerk, json!({ "sku": "SKU-1" }))
        .await?;
    assert_eq!(status, 200, "{stock}");
    assert_eq!(
        stock,
        json!({
            "sku": "SKU-1", "onHand": 12, "reserved": 0, "available": 12,
            "reservations": [], "version": 3,
        })
    );
    let row: (String, i64) = sqlx::query_as("SELECT id, on_hand FROM rm_stock")
        .fetch_one(&db.pool)
        .await?;
    assert_eq!(row, ("inventory:SKU-1".to_owned(), 12));
    service.stop().await
}

#[tokio::test]
async fn stock_commands_need_the_inventory_or_admin_role() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let service = start(&db).await?;
    let receive = json!({ "sku": "SKU-1", "quantity": 1 });

    let customer = token("alice", &["customer"]);
    let (status, problem) = service
        .command("ReceiveStock", Some(&customer), receive.clone())
        .await?;
    assert_eq!(
        (status, &problem["code"]),
        (403, &json!("forbidden")),
        "{problem}"
    );
    let adjust = json!({ "sku": "SKU-1", "delta": 1, "reason": "count" });
    let (status, _) = service
        .command("AdjustStock", Some(&customer), adjust)
        .await?;
    assert_eq!(status, 403);
    let allocate = json!({ "sku": "SKU-1", "orderId": "o-1" });
    let (status, _) = service
        .command("AllocateReservation", Some(&customer), allocate)
        .await?;
    assert_eq!(status, 403);
    let (status, problem) = service
        .command("ReceiveStock", None, receive.clone())
        .await?;
    assert_eq!((status, &problem["code"]), (401, &json!("unauthenticated")));

    let admin = token("root", &["admin"]);
    let (status, level) = service
        .command("ReceiveStock", Some(&admin), receive)
        .await?;
    assert_eq!(status, 200, "{level}");
    // Reading stock needs a signed-in user, no role.
    let (status, stock) = service
        .query("GetStock", Some(&customer), json!({ "sku": "SKU-1" }))
        .await?;
    assert_eq!((status, &stock["onHand"]), (200, &json!(1)), "{stock}");
    service.stop().await
}

#[tokio::test]
async fn bad_input_is_a_problem_never_a_500() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let service = start(&db).await?;
    let clerk = token("clerk", &["inventory"]);
    let clerk = Some(clerk.as_str());
    let (status, _) = service
        .command(
            "ReceiveStock",
            clerk,
            json!({ "sku": "SKU-1", "quantity": 4 }),
        )
        .await?;
    assert_eq!(status, 200);

    let cases: Vec<(&str, &str, Value, u16, &str)> = vec![
        (
            "command",
            "ReceiveStock",
            json!({ "sku": "a:b", "quantity": 1 }),
            400,
            "validation_failed",
        ),
        (
            "command",
            "ReceiveStock",
            json!({ "sku": "", "quantity": 1 }),
            400,
            "validation_failed",
        ),
        (
            "command",
            "ReceiveStock",
            json!({ "sku": "x".repeat(65), "quantity": 1 }),
            400,
            "validation_failed",
        ),
        (
            "command",
            "ReceiveStock",
            json!({ "sku": "SKU-1", "quantity": "many" }),
            400,
            "validation_failed",
        ),
        (
            "command",
            "ReceiveStock",
            json!({ "sku": "SKU-1", "quantity": 1, "more": 1 }),
            400,
            "validation_failed",
        ),
        (
            "command",
            "ReceiveStock",
            json!({ "sku": "SKU-1", "quantity": 0 }),
            422,
            "invalid_quantity",
        ),
        (
            "command",
            "ReceiveStock",
            json!({ "sku": "SKU-9", "quantity": -2 }),
            422,
            "invalid_quantity",
        ),
        (
            "command",
            "ReceiveStock",
            json!({ "sku": "SKU-1", "quantity": i64::MAX }),
            422,
            "out_of_range",
        ),
        (
            "command",
            "AdjustStock",
            json!({ "sku": "SKU-1", "delta": -5, "reason": "count" }),
            422,
            "insufficient_stock",
        ),
        (
            "command",
            "AdjustStock",
            json!({ "sku": "SKU-1", "delta": 0, "reason": "count" }),
            422,
            "invalid_delta",
        ),
        (
            "command",
            "AdjustStock",
            json!({ "sku": "SKU-1", "delta": 1, "reason": " " }),
            422,
            "reason_required",
        ),
        (
            "command",
            "AdjustStock",
            json!({ "sku": "SKU-1", "delta": 1 }),
            400,
            "validation_failed",
        ),
        (
            "command",
            "AdjustStock",
            json!({ "sku": "SKU-2", "delta": 1, "reason": "count" }),
            404,
            "not_found",
        ),
        (
            "command",
            "AllocateReservation",
            json!({ "sku": "SKU-1", "orderId": "o-1" }),
            422,
            "no_reservation",
        ),
        (
            "command",
            "AllocateReservation",
            json!({ "sku": "SKU-2", "orderId": "o-1" }),
            404,
            "not_found",
        ),
        (
            "query",
            "GetStock",
            json!({ "sku": "SKU-2" }),
            404,
            "not_found",
        ),
        (
            "query",
            "GetStock",
            json!({ "sku": "-bad" }),
            400,
            "validation_failed",
        ),
    ];
    for (kind, name, body, want_status, want_code) in cases {
        let (status, problem) = match kind {
            "command" => service.command(name, clerk, body.clone()).await?,
            _ => service.query(name, clerk, body.clone()).await?,
        };
        assert_eq!(
            (status, problem["code"].as_str().unwrap_or_default()),
            (want_status, want_code),
            "{name} {body}: {problem}"
        );
    }
    // Nothing of that changed the stock.
    let (_, stock) = service
        .query("GetStock", clerk, json!({ "sku": "SKU-1" }))
        .await?;
    assert_eq!(
        (&stock["onHand"], &stock["version"]),
        (&json!(4), &json!(1))
    );
    service.stop().await
}

#[tokio::test]
async fn a_products_view_carries_its_stock() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let service = start(&db).await?;
    let admin = token("ada", &["admin"]);
    let admin = Some(admin.as_str());
    for sku in ["KET-1", "MUG-1"] {
        let (status, body) = service
            .command("CreateProduct", admin, json!({ "sku": sku, "name": sku }))
            .await?;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = service
        .command(
            "ReceiveStock",
            admin,
            json!({ "sku": "KET-1", "quantity": 4 }),
        )
        .await?;
    assert_eq!(status, 200, "{body}");

    let (status, product) = service
        .query("GetProduct", admin, json!({ "sku": "KET-1" }))
        .await?;
    assert_eq!(status, 200, "{product}");
    assert_eq!(
        product["stock"],
        json!({ "onHand": 4, "reserved": 0, "available": 4 })
    );
    let (_, mug) = service
        .query("GetProduct", admin, json!({ "sku": "MUG-1" }))
        .await?;
    assert!(mug.get("stock").is_none(), "no stock received: {mug}");
    let (_, list) = service.query("ListProducts", admin, json!({})).await?;
    let stocks: Vec<(Value, Value)> = list["products"]
        .as_array()
        .map(|products| {
            products
                .iter()
                .map(|p| (p["sku"].clone(), p["stock"]["available"].clone()))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        stocks,
        [(json!("MUG-1"), Value::Null), (json!("KET-1"), json!(4))],
        "{list}"
    );
    service.stop().await
}
