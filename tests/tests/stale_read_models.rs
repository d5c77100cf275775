//! A read model whose declaration changed is paused, rebuilt without taking the live
//! table away, and resumed with nothing lost, by `catchup` or automatically.

use std::time::Duration;

use platform_event_sourcing::testing::{TestDatabase, eventually};
use platform_read_models::{ReadModelRegistration, RebuildOptions, rebuild};
use serde_json::json;
use workspace_tests::TestService;

async fn create(svc: &TestService) -> anyhow::Result<String> {
    let (status, body) = svc
        .command("CreateOrder", json!({ "customerId": "c" }))
        .await?;
    anyhow::ensure!(status == 200, "{body}");
    Ok(body["orderId"].as_str().unwrap_or_default().to_owned())
}

async fn visible(svc: &TestService, id: &str) -> anyhow::Result<bool> {
    Ok(svc.query("GetOrder", json!({ "orderId": id })).await?.0 == 200)
}

async fn eventually_visible(svc: &TestService, id: &str) -> anyhow::Result<()> {
    eventually(
        Duration::from_secs(30),
        &format!("order {id} to become visible"),
        || async { Ok(visible(svc, id).await?.then_some(())) },
    )
    .await
}

/// A database whose rm_orders was built by an older declaration.
async fn stale_database() -> anyhow::Result<(TestDatabase, String)> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start(&db).await?;
    let first = create(&svc).await?;
    svc.stop().await?;
    sqlx::query("UPDATE read_models SET definition_hash = 'old' WHERE table_name = 'rm_orders'")
        .execute(&db.pool)
        .await?;
    Ok((db, first))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_model_is_paused_until_catchup_then_resumes_without_a_gap() -> anyhow::Result<()> {
    let (db, first) = stale_database().await?;
    let svc = TestService::start(&db).await?;
    assert!(visible(&svc, &first).await?, "the old table stays readable");
    let during_pause = create(&svc).await?;
    assert!(
        !visible(&svc, &during_pause).await?,
        "a paused model is not projected inline"
    );

    // What `order-service catchup --read-model rm_orders` does, from another process
    // (as the service's role, which owns the read models).
    let model = ReadModelRegistration::find("rm_orders").expect("registered");
    let role = db.runtime_role().await?;
    rebuild(&role.pool, model, RebuildOptions::default(), |_| {}).await?;
    assert!(
        visible(&svc, &during_pause).await?,
        "the rebuild covers the paused period"
    );
    // Written after the swap but before the service noticed it: caught up on resume.
    let after_swap = create(&svc).await?;
    eventually_visible(&svc, &after_swap).await?;
    // Once resumed, projection is inline again: visible at once.
    let resumed = create(&svc).await?;
    assert!(visible(&svc, &resumed).await?);
    svc.stop().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_auto_rebuild_a_stale_model_is_rebuilt_in_the_background() -> anyhow::Result<()> {
    let (db, first) = stale_database().await?;
    let svc = TestService::start_with(&db, &[("READ_MODELS_AUTO_REBUILD", "true")]).await?;
    let id = create(&svc).await?;
    eventually_visible(&svc, &id).await?;
    assert!(visible(&svc, &first).await?);
    let stored: String = sqlx::query_scalar(
        "SELECT definition_hash FROM read_models WHERE table_name = 'rm_orders'",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_ne!(
        stored, "old",
        "the rebuild recorded the current declaration"
    );
    svc.stop().await?;
    Ok(())
}

#[tokio::test]
async fn health_reports_async_projection_lag() -> anyhow::Result<()> {
    let db = TestDatabase::empty().await?;
    let svc = TestService::start_with(&db, &[("PROJECTOR_POLL_INTERVAL_MS", "50")]).await?;
    let id = create(&svc).await?;
    svc.command(
        "AddItem",
        json!({ "orderId": id, "productId": "sku-1", "quantity": 4, "price": 1 }),
    )
    .await?;
    let demand = eventually(
        Duration::from_secs(30),
        "rm_product_demand to project sku-1",
        || async {
            let (status, demand) = svc
                .query("GetProductDemand", json!({ "productId": "sku-1" }))
                .await?;
            anyhow::Ok((status == 200).then_some(demand))
        },
    )
    .await?;
    assert_eq!(demand["unitsAdded"], 4);
    // The projector reports its checkpoint just after committing the rows.
    let health = eventually(
        Duration::from_secs(10),
        "health to show the projector's checkpoint",
        || async {
            let health = svc.health().await?;
            let at = health["projectors"]["rm_product_demand"]["checkpoint"]
                .as_i64()
                .unwrap_or(0);
            anyhow::Ok((at > 0).then_some(health))
        },
    )
    .await?;
    let projector = &health["projectors"]["rm_product_demand"];
    assert_eq!(projector["active"], true, "{health}");
    assert!(projector["lagSeconds"].is_number(), "{health}");
    Ok(())
}
