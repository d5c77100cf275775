//! W2: cold load of one long-lived aggregate.

use std::time::Instant;

use order_contracts::Decimal;
use order_service::domain::{ItemAdded, Order, OrderCreated, OrderEvent};
use platform_core::{ExpectedVersion, Metadata, NewEvent};
use platform_event_sourcing::PgEventStore;
use platform_event_sourcing::testing::TestDatabase;

use crate::report::{Row, histogram};

/// Appends `events` events to one order, then loads it `runs` times without any cache.
pub async fn load(db: &TestDatabase, events: usize, runs: usize) -> anyhow::Result<Row> {
    let store = PgEventStore::new(db.pool.clone());
    let id = "w2-order";
    let mut batch = vec![NewEvent::from_event(
        &OrderEvent::from(OrderCreated {
            order_id: id.into(),
            customer_id: "bench-customer".into(),
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
    // One warm-up load (connection, plan cache), then the measured ones.
    let warm = store.load::<Order>(id).await?;
    anyhow::ensure!(
        warm.version == events as i64,
        "loaded {} of {events} events",
        warm.version
    );
    let mut hist = histogram();
    let started = Instant::now();
    for _ in 0..runs {
        let t = Instant::now();
        let loaded = store.load::<Order>(id).await?;
        hist.record(t.elapsed().as_micros() as u64)?;
        anyhow::ensure!(loaded.version == events as i64);
    }
    Ok(Row::from_histogram(
        "W2",
        format!("load aggregate, {events} events"),
        1,
        &hist,
        started.elapsed(),
    ))
}
