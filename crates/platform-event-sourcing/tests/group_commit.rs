//! Group commit: appends to different streams that arrive together share a statement
//! and a commit, and each keeps its own answer.

mod common;

use std::collections::{HashMap, HashSet};

use common::increases;
use futures_util::future::join_all;
use platform_core::{ExpectedVersion, NewEvent};
use platform_event_sourcing::testing::TestDatabase;
use platform_event_sourcing::{AppendOutcome, PgEventStore, StoreError};

/// Streams, and the transactions that committed their events.
async fn transactions(db: &TestDatabase) -> anyhow::Result<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT DISTINCT stream_id, transaction_id::text::bigint FROM events ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().collect())
}

/// Events stored per stream.
async fn counts(db: &TestDatabase) -> anyhow::Result<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT stream_id, count(*) FROM events GROUP BY stream_id")
            .fetch_all(&db.pool)
            .await?;
    Ok(rows.into_iter().collect())
}

/// Appends `events` to new stream `{prefix}-{i}` through group commit; `i` and the
/// outcome.
async fn create(
    store: &PgEventStore,
    prefix: &str,
    i: usize,
    events: Vec<NewEvent>,
) -> (usize, Result<AppendOutcome, StoreError>) {
    let outcome = store
        .append_shared(
            &format!("{prefix}-{i}"),
            "Counter",
            ExpectedVersion::NoStream,
            &events,
            Vec::new(),
        )
        .await;
    (i, outcome)
}

#[tokio::test]
async fn appends_arriving_together_commit_together_and_a_conflict_fails_its_own_only()
-> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let store = PgEventStore::new(db.pool.clone()).with_group_commit(1);
    // Every fifth stream exists already, and its append expects it not to.
    for i in (0..60).step_by(5) {
        store
            .append(
                &format!("s-{i}"),
                "Counter",
                ExpectedVersion::NoStream,
                &increases(1),
            )
            .await?;
    }
    let appends = (0..60).map(|i| create(&store, "s", i, increases(2)));
    for (i, outcome) in join_all(appends).await {
        match outcome {
            Ok(AppendOutcome::Appended(result)) => {
                assert_ne!(i % 5, 0, "s-{i} exists: its append must fail");
                assert_eq!((result.first_version, result.last_version), (1, 2));
                assert_eq!(result.positions.len(), 2);
            }
            Err(StoreError::Concurrency(conflict)) => {
                assert_eq!(i % 5, 0, "s-{i} is new: {conflict}");
                assert_eq!(conflict.actual, 1);
            }
            other => panic!("s-{i}: unexpected {other:?}"),
        }
    }
    let counts = counts(&db).await?;
    for i in 0..60 {
        let expected = if i % 5 == 0 { 1 } else { 2 };
        assert_eq!(counts[&format!("s-{i}")], expected, "events of s-{i}");
    }
    // Streams appended concurrently shared commits.
    let transactions = transactions(&db).await?;
    let grouped: HashSet<i64> = transactions
        .iter()
        .filter(|(stream, _)| {
            let i: usize = stream[2..].parse().unwrap_or(0);
            !i.is_multiple_of(5)
        })
        .map(|(_, tx)| *tx)
        .collect();
    assert!(
        grouped.len() < 48,
        "48 appends in {} commits: nothing was grouped",
        grouped.len()
    );
    Ok(())
}

#[tokio::test]
async fn a_group_refused_for_one_append_answers_each_on_its_own() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let store = PgEventStore::new(db.pool.clone()).with_group_commit(1);
    let stored = increases(1);
    store
        .append("taken", "Counter", ExpectedVersion::NoStream, &stored)
        .await?;
    let appends = (0..30).map(|i| {
        // One append reuses a stored event id: the database refuses its whole group.
        let events = if i == 17 {
            stored.clone()
        } else {
            increases(1)
        };
        create(&store, "g", i, events)
    });
    for (i, outcome) in join_all(appends).await {
        match outcome {
            Ok(AppendOutcome::Appended(_)) => assert_ne!(i, 17),
            Err(StoreError::DuplicateEvent(id)) => {
                assert_eq!(i, 17);
                assert_eq!(id, stored[0].event_id);
            }
            other => panic!("g-{i}: unexpected {other:?}"),
        }
    }
    let counts = counts(&db).await?;
    assert_eq!(counts.len(), 30, "taken and g-0..g-29 but g-17");
    assert!(!counts.contains_key("g-17"));
    Ok(())
}

#[tokio::test]
async fn without_writers_each_append_commits_alone() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let store = PgEventStore::new(db.pool.clone()).with_group_commit(0);
    let appends = (0..10).map(|i| {
        let store = store.clone();
        async move {
            store
                .append_shared(
                    &format!("a-{i}"),
                    "Counter",
                    ExpectedVersion::NoStream,
                    &increases(1),
                    Vec::new(),
                )
                .await
        }
    });
    for outcome in join_all(appends).await {
        assert!(matches!(outcome?, AppendOutcome::Appended(_)));
    }
    let transactions = transactions(&db).await?;
    let distinct: HashSet<i64> = transactions.values().copied().collect();
    assert_eq!(distinct.len(), 10);
    Ok(())
}
