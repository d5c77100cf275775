//! The global log read never skips an event that commits after a later-numbered one.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::increases;
use platform_core::ExpectedVersion;
use platform_event_sourcing::testing::TestDatabase;
use platform_event_sourcing::{LogPosition, PgEventStore};
use rand::Rng;

const WRITERS: usize = 12;
const TRANSACTIONS_PER_WRITER: usize = 15;
const EVENTS_PER_TRANSACTION: usize = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_follower_sees_every_event_once_in_order_despite_late_commits() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let store = PgEventStore::new(db.pool.clone());
    let total = WRITERS * TRANSACTIONS_PER_WRITER * EVENTS_PER_TRANSACTION;

    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let pool = db.pool.clone();
        let store = store.clone();
        writers.push(tokio::spawn(async move {
            for t in 0..TRANSACTIONS_PER_WRITER {
                let mut tx = pool.begin().await?;
                let stream = format!("w{w}-t{t}");
                store
                    .append_in(
                        &mut tx,
                        &stream,
                        "Counter",
                        ExpectedVersion::NoStream,
                        &increases(EVENTS_PER_TRANSACTION),
                    )
                    .await?;
                // Hold the transaction open a random while: later-numbered events of
                // other writers commit first.
                let delay = rand::rng().random_range(0..25);
                tokio::time::sleep(Duration::from_millis(delay)).await;
                tx.commit().await?;
            }
            anyhow::Ok(())
        }));
    }

    let follower = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut position = LogPosition::START;
            let mut seen = Vec::new();
            let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
            while seen.len() < total && tokio::time::Instant::now() < deadline {
                let batch = store.read_all(position, 7).await?;
                if batch.is_empty() {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                for event in batch {
                    assert!(
                        event.position > position,
                        "log order must only move forward"
                    );
                    position = event.position;
                    seen.push(event);
                }
            }
            anyhow::Ok(seen)
        })
    };

    for writer in writers {
        writer.await??;
    }
    let seen = follower.await??;

    assert_eq!(seen.len(), total, "the follower must see every event");
    let ids: HashSet<_> = seen.iter().map(|e| e.event_id).collect();
    assert_eq!(ids.len(), total, "no event may be delivered twice");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&db.pool)
        .await?;
    assert_eq!(stored as usize, total);
    // Within a stream, versions arrive in order.
    for pair in seen.windows(2) {
        if pair[0].stream_id == pair[1].stream_id {
            assert_eq!(pair[1].version, pair[0].version + 1);
        }
    }
    // The race really happened: some event was delivered after a higher-numbered one,
    // which a reader following `global_position` alone would have skipped.
    let mut max_position = 0;
    let mut late = 0;
    for event in &seen {
        if event.position.global_position < max_position {
            late += 1;
        }
        max_position = max_position.max(event.position.global_position);
    }
    assert!(
        late > 0,
        "writers never committed out of order; the test proved nothing"
    );
    // Nothing more to read after the end.
    let last = seen.last().map(|e| e.position).unwrap_or_default();
    assert!(store.read_all(last, 10).await?.is_empty());
    Ok(())
}
