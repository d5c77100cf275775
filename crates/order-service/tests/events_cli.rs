//! `order-service events <aggregate-id>`: the stream as a table or JSON lines.

use std::process::Output;

use platform_event_sourcing::testing::{StoredEvent, TestDatabase};
use serde_json::{Value, json};

mod common;

use common::order_service;

fn events(db: &TestDatabase, args: &[&str]) -> Output {
    let args: Vec<&str> = ["events"].iter().chain(args).copied().collect();
    order_service(&args, Some(&db.url()), "warn")
        .output()
        .expect("the binary runs")
}

async fn seed(db: &TestDatabase) -> anyhow::Result<()> {
    let order = |version, event_type, payload| {
        StoredEvent::new("Order", "order-cli", version, event_type, payload)
    };
    db.insert_events(&[
        order(1, "OrderCreated", json!({"orderId": "order-cli", "customerId": "c1"}))
            .metadata(json!({"correlationId": "corr-1"})),
        order(
            2,
            "ItemAdded",
            json!({"orderId": "order-cli", "productId": "p1", "quantity": 2, "unitPriceCents": 2999}),
        )
        .metadata(json!({"correlationId": "corr-2"})),
        order(
            3,
            "OrderPlaced",
            json!({"orderId": "order-cli", "customerId": "c1", "total": "59.98"}),
        ),
    ])
    .await?;
    Ok(())
}

#[tokio::test]
async fn events_prints_the_stream_as_a_table() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    seed(&db).await?;
    let output = events(&db, &["order-cli"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(lines[0].contains("VERSION") && lines[0].contains("PAYLOAD"));
    let row: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(
        &row[..3],
        ["2", "ItemAdded", "2"],
        "upcast to schema 2: {stdout}"
    );
    assert_eq!(row[4], "corr-2");
    assert!(lines[2].contains(r#""price":"29.99""#), "{stdout}");
    assert!(!stdout.contains("unitPriceCents"));
    assert!(lines[3].contains("OrderPlaced") && lines[3].contains(" - "));
    Ok(())
}

#[tokio::test]
async fn events_json_lines_and_paging() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    seed(&db).await?;
    let output = events(
        &db,
        &[
            "order-cli",
            "--json",
            "--after-version",
            "1",
            "--limit",
            "1",
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<Value> = stdout
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["version"], 2);
    assert_eq!(lines[0]["schemaVersion"], 2);
    assert_eq!(lines[0]["payload"]["price"], "29.99");
    assert_eq!(lines[0]["metadata"]["correlationId"], "corr-2");
    Ok(())
}

#[tokio::test]
async fn events_of_an_unknown_aggregate_is_one_clear_line() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let output = events(&db, &["no-such-order"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains(r#"no events for aggregate "no-such-order""#),
        "{stderr}"
    );
    Ok(())
}

#[tokio::test]
async fn events_reads_the_stream_of_the_tenant_asked_for() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    seed(&db).await?;
    // The same id in tenant acme: one event of its own.
    db.insert_events(&[StoredEvent::new(
        "Order",
        "order-cli",
        1,
        "OrderCreated",
        json!({"orderId": "order-cli", "customerId": "acme-customer"}),
    )
    .tenant("acme")])
        .await?;
    let output = events(&db, &["order-cli", "--json", "--tenant", "acme"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<Value> = stdout
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    assert_eq!(lines.len(), 1, "{stdout}");
    assert_eq!(lines[0]["payload"]["customerId"], "acme-customer");
    // Without --tenant, the default tenant's three events.
    let output = events(&db, &["order-cli", "--json"]);
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 3);
    Ok(())
}
