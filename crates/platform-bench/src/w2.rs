//! W2: cold load of one long-lived aggregate, with and without a snapshot.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use order_contracts::Decimal;
use order_service::domain::{ItemAdded, Order, OrderCreated, OrderEvent};
use platform_core::{ExpectedVersion, Metadata, NewEvent};
use platform_event_sourcing::testing::TestDatabase;
use platform_event_sourcing::{PgEventStore, StreamRange};

use crate::limits;
use crate::report::{Row, histogram};

/// Appends `events` events to one order, then loads it `runs` times without any cache:
/// replaying every event, and from a snapshot 99 events behind the head (the most a
/// load replays with `SNAPSHOT_EVERY=100`).
pub async fn load(db: &TestDatabase, events: usize, runs: usize) -> anyhow::Result<Vec<Row>> {
    let store = PgEventStore::new(db.pool.clone());
    let id = "w2-order";
    let mut batch = vec![NewEvent::from_event(
        &OrderEvent::from(OrderCreated {
            order_id: id.into(),
            customer_id: "bench-customer".into(),
            created_by: None,
        }),
        Metadata::default(),
    )?];
    for i in 1..events {
        batch.push(NewEvent::from_event(
            &OrderEvent::from(ItemAdded {
                order_id: id.into(),
                product_id: format!("product-{}", i % 10),
                quantity: 1,
                price: Decimal::new(2999, 2),
            }),
            Metadata::default(),
        )?);
    }
    let mut expected = ExpectedVersion::NoStream;
    for chunk in batch.chunks(1000) {
        let result = store.append(id, "Order", expected, chunk).await?;
        expected = ExpectedVersion::Exact(result.last_version);
    }
    // Statistics as autovacuum keeps them on a live table (a freshly filled table has
    // none, and the planner would sort instead of walking the stream's index).
    sqlx::query("ANALYZE events").execute(&db.pool).await?;
    let full = measure(&store, id, events, runs, false).await?;
    let at = (events as i64 - 99).max(1);
    let snapshot_state = store
        .load_from_events::<Order>(id, StreamRange::to_version(at))
        .await?;
    store.save_snapshot(id, &snapshot_state).await?;
    let snapshotted = measure(&store, id, events, runs * 10, true).await?;
    let limit = limits::raw_select(db, id, runs).await?;
    Ok(vec![
        limit,
        Row::from_histogram(
            "W2",
            format!("load {events} events, no snapshot"),
            1,
            &full.0,
            full.1,
        ),
        Row::from_histogram(
            "W2",
            format!("load {events} events, snapshot +99"),
            1,
            &snapshotted.0,
            snapshotted.1,
        ),
    ])
}

/// Loads the aggregate `runs` times after one warm-up: from its snapshot, or from
/// every event.
async fn measure(
    store: &PgEventStore,
    id: &str,
    events: usize,
    runs: usize,
    snapshot: bool,
) -> anyhow::Result<(Histogram<u64>, Duration)> {
    let load = || async {
        if snapshot {
            store.load::<Order>(id).await
        } else {
            store
                .load_from_events::<Order>(id, StreamRange::all())
                .await
        }
    };
    // One warm-up load (connection, plan cache), then the measured ones.
    let warm = load().await?;
    anyhow::ensure!(
        warm.version == events as i64,
        "loaded {} of {events} events",
        warm.version
    );
    let mut hist = histogram();
    let started = Instant::now();
    for _ in 0..runs {
        let t = Instant::now();
        let loaded = load().await?;
        hist.record(t.elapsed().as_micros() as u64)?;
        anyhow::ensure!(loaded.version == events as i64);
    }
    Ok((hist, started.elapsed()))
}
