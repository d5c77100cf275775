//! Snapshots of the Order aggregate against a real PostgreSQL: taken every N events
//! after the append, loaded from, and ignored when their schema is not the code's.

use std::sync::Arc;
use std::time::Duration;

use order_service::domain::{DEFAULT_MAX_LINES, Order, OrderCommand};
use platform_core::Metadata;
use platform_event_sourcing::testing::{TestDatabase, eventually};
use platform_event_sourcing::{
    AggregateCache, CommandExecutor, Loaded, PgEventStore, StreamExpectation, StreamRange,
};
use platform_read_models::{InlineProjection, ProjectionGate, prepare_read_models};
use rust_decimal::Decimal;

const EVERY: u32 = 100;

/// An order with 250 events (created, then 249 adds of ten products), snapshotted
/// every 100 events; waits until the snapshot at 200 is written.
async fn long_order(db: &TestDatabase, id: &str) -> anyhow::Result<PgEventStore> {
    prepare_read_models(&db.pool).await?;
    let store = PgEventStore::new(db.pool.clone());
    // No cache: every command loads, so loads start from snapshots as they appear.
    let executor = CommandExecutor::new(store.clone(), Arc::new(AggregateCache::new(0)), 3)
        .with_snapshots(EVERY)
        .with_append_path(InlineProjection::new(0, Arc::new(ProjectionGate::new())));
    let meta = Metadata::default();
    executor
        .execute::<Order>(
            id,
            StreamExpectation::New,
            OrderCommand::Create {
                order_id: id.into(),
                customer_id: "customer-s".into(),
                created_by: None,
            },
            &meta,
        )
        .await?;
    for n in 1..250 {
        executor
            .execute::<Order>(
                id,
                StreamExpectation::Existing,
                OrderCommand::AddItem {
                    product_id: format!("product-{}", n % 10),
                    quantity: 1,
                    price: Decimal::new(125 + (n % 10), 2),
                    max_lines: DEFAULT_MAX_LINES,
                },
                &meta,
            )
            .await?;
    }
    eventually(Duration::from_secs(4), "the snapshot at 200", || async {
        anyhow::Ok((snapshot_versions(db, id).await? == [200]).then_some(()))
    })
    .await?;
    Ok(store)
}

async fn snapshot_versions(db: &TestDatabase, id: &str) -> anyhow::Result<Vec<i64>> {
    Ok(
        sqlx::query_scalar("SELECT version FROM snapshots WHERE stream_id = $1 ORDER BY version")
            .bind(id)
            .fetch_all(&db.pool)
            .await?,
    )
}

#[tokio::test]
async fn loading_from_a_snapshot_equals_replaying_every_event() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let store = long_order(&db, "order-snap").await?;
    let (schema, aggregate_type): (i32, String) = sqlx::query_as(
        "SELECT state_schema_version, aggregate_type FROM snapshots WHERE stream_id = 'order-snap'",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!((schema, aggregate_type.as_str()), (1, "Order"));

    let from_snapshot: Loaded<Order> = store.load("order-snap").await?;
    let from_events: Loaded<Order> = store
        .load_from_events("order-snap", StreamRange::all())
        .await?;
    assert_eq!(from_snapshot.version, 250);
    assert_eq!(from_snapshot, from_events);
    assert_eq!(from_snapshot.aggregate.lines.len(), 10);

    // Loads at a version or a time before the snapshot do not use it.
    for version in [1, 150, 200, 201] {
        let at = StreamRange::to_version(version);
        let loaded: Loaded<Order> = store.load_at("order-snap", at).await?;
        let replayed: Loaded<Order> = store.load_from_events("order-snap", at).await?;
        assert_eq!(loaded, replayed, "at version {version}");
        assert_eq!(loaded.version, version);
    }
    let time_150: chrono::DateTime<chrono::Utc> = sqlx::query_scalar(
        "SELECT occurred_at FROM events WHERE stream_id = 'order-snap' AND version = 150",
    )
    .fetch_one(&db.pool)
    .await?;
    let loaded: Loaded<Order> = store
        .load_at("order-snap", StreamRange::until(time_150))
        .await?;
    assert_eq!(loaded.version, 150);
    Ok(())
}

#[tokio::test]
async fn a_snapshot_of_another_schema_or_unreadable_is_ignored() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let store = long_order(&db, "order-stale").await?;
    let expected: Loaded<Order> = store
        .load_from_events("order-stale", StreamRange::all())
        .await?;

    // A snapshot written by code with another state schema, and a state that would
    // mislead if it were read: it must not be.
    sqlx::query(
        "UPDATE snapshots SET state_schema_version = 99,
                state = jsonb_set(state, '{customerId}', '\"someone-else\"')
         WHERE stream_id = 'order-stale'",
    )
    .execute(&db.pool)
    .await?;
    let loaded: Loaded<Order> = store.load("order-stale").await?;
    assert_eq!(loaded, expected, "full replay, not the stale snapshot");

    // The right schema version but a state that does not parse: also a full replay.
    sqlx::query(
        "UPDATE snapshots SET state_schema_version = 1, state = '{\"unexpected\": true}'
         WHERE stream_id = 'order-stale'",
    )
    .execute(&db.pool)
    .await?;
    let loaded: Loaded<Order> = store.load("order-stale").await?;
    assert_eq!(loaded, expected);
    Ok(())
}
