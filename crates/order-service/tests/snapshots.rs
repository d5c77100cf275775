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
/// every 100 events; waits until the snapshots at 100 and 200 are written.
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
    eventually(
        Duration::from_secs(4),
        "the snapshots at 100 and 200",
        || async { anyhow::Ok((snapshot_versions(db, id).await? == [100, 200]).then_some(())) },
    )
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
        "SELECT state_schema_version, aggregate_type FROM snapshots \
         WHERE stream_id = 'order-snap' AND version = 200",
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

    // Loads at a version or a time give what replaying the events up to it gives.
    for version in [1, 99, 100, 150, 199, 200, 201, 250] {
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

/// The `customerId` an order loaded at `range` has.
async fn customer_at(store: &PgEventStore, id: &str, range: StreamRange) -> anyhow::Result<String> {
    let loaded: Loaded<Order> = store.load_at(id, range).await?;
    Ok(loaded.aggregate.customer_id)
}

#[tokio::test]
async fn an_as_of_read_starts_from_the_newest_snapshot_at_or_before_it() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let store = long_order(&db, "order-asof").await?;
    let time_of = |version: i64| {
        let pool = db.pool.clone();
        async move {
            let time: chrono::DateTime<chrono::Utc> = sqlx::query_scalar(
                "SELECT occurred_at FROM events WHERE stream_id = 'order-asof' AND version = $1",
            )
            .bind(version)
            .fetch_one(&pool)
            .await?;
            anyhow::Ok(time)
        }
    };
    // Between the two snapshots, by version and by time: the same as a full replay.
    for range in [
        StreamRange::to_version(150),
        StreamRange::until(time_of(150).await?),
        StreamRange::until(time_of(100).await?),
        StreamRange::until(time_of(99).await?),
    ] {
        let loaded: Loaded<Order> = store.load_at("order-asof", range).await?;
        let replayed: Loaded<Order> = store.load_from_events("order-asof", range).await?;
        assert_eq!(loaded, replayed, "{range:?}");
    }

    // Mark the snapshot at 100 (a customer no event names): a load that shows the mark
    // started from that snapshot rather than from the first event.
    sqlx::query(
        "UPDATE snapshots SET state = jsonb_set(state, '{customerId}', '\"from-snapshot-100\"') \
         WHERE stream_id = 'order-asof' AND version = 100",
    )
    .execute(&db.pool)
    .await?;
    let marked = "from-snapshot-100";
    assert_eq!(
        customer_at(&store, "order-asof", StreamRange::to_version(150)).await?,
        marked
    );
    assert_eq!(
        customer_at(&store, "order-asof", StreamRange::to_version(100)).await?,
        marked
    );
    assert_eq!(
        customer_at(
            &store,
            "order-asof",
            StreamRange::until(time_of(150).await?)
        )
        .await?,
        marked
    );
    assert_eq!(
        customer_at(
            &store,
            "order-asof",
            StreamRange::until(time_of(100).await?)
        )
        .await?,
        marked
    );
    // Before it: from the events; after the next snapshot: from that one.
    let customer = "customer-s";
    assert_eq!(
        customer_at(&store, "order-asof", StreamRange::to_version(99)).await?,
        customer
    );
    assert_eq!(
        customer_at(&store, "order-asof", StreamRange::until(time_of(99).await?)).await?,
        customer
    );
    assert_eq!(
        customer_at(&store, "order-asof", StreamRange::to_version(220)).await?,
        customer
    );
    assert_eq!(
        customer_at(&store, "order-asof", StreamRange::all()).await?,
        customer
    );
    Ok(())
}
