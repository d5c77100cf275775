//! Commands through the executor: load → decide → append, with retries and the cache.

mod common;

use std::sync::Arc;

use common::{Counter, CounterCommand};
use platform_core::Metadata;
use platform_event_sourcing::testing::TestDatabase;
use platform_event_sourcing::{
    AggregateCache, CommandExecutor, ExecuteError, Executed, PgEventStore, StreamExpectation,
};

fn executor(db: &TestDatabase, attempts: u32) -> CommandExecutor {
    CommandExecutor::new(
        PgEventStore::new(db.pool.clone()),
        Arc::new(AggregateCache::new(100)),
        attempts,
    )
}

/// Opens counter `id` through `exec`.
async fn open(exec: &CommandExecutor, id: &str) -> Result<Executed<Counter>, ExecuteError> {
    exec.execute::<Counter>(
        id,
        StreamExpectation::New,
        CounterCommand::Open("x".into()),
        &Metadata::default(),
    )
    .await
}

/// Increases existing counter `id` through `exec`.
async fn increase(
    exec: &CommandExecutor,
    id: &str,
    by: i64,
) -> Result<Executed<Counter>, ExecuteError> {
    exec.execute::<Counter>(
        id,
        StreamExpectation::Existing,
        CounterCommand::Increase(by),
        &Metadata::default(),
    )
    .await
}

#[tokio::test]
async fn commands_create_change_and_reject() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let exec = executor(&db, 5);
    let meta = Metadata::default();
    let created = exec
        .execute::<Counter>(
            "c-1",
            StreamExpectation::New,
            CounterCommand::Open("a".into()),
            &meta,
        )
        .await?;
    assert_eq!(created.version, 1);
    let increased = increase(&exec, "c-1", 5).await?;
    assert_eq!((increased.version, increased.aggregate.value), (2, 5));

    let missing = increase(&exec, "nope", 1).await;
    assert!(matches!(missing, Err(ExecuteError::NotFound { .. })));

    let rule = increase(&exec, "c-1", 0).await;
    match rule {
        Err(ExecuteError::Rule(v)) => assert_eq!(v.code, "not_positive"),
        other => panic!("expected a rule violation, got {other:?}"),
    }
    let again = exec
        .execute::<Counter>(
            "c-1",
            StreamExpectation::New,
            CounterCommand::Open("b".into()),
            &meta,
        )
        .await;
    match again {
        Err(ExecuteError::Rule(v)) => assert_eq!(v.code, "already_open"),
        other => panic!("expected already_open, got {other:?}"),
    }
    assert_eq!(
        PgEventStore::new(db.pool.clone())
            .stream_version("c-1")
            .await?,
        2
    );
    Ok(())
}

#[tokio::test]
async fn a_stale_cache_is_caught_up_not_trusted() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    // Two processes, each with its own cache, writing the same stream.
    let a = executor(&db, 5);
    let b = executor(&db, 5);
    open(&a, "c-1").await?;
    increase(&a, "c-1", 1).await?;
    increase(&b, "c-1", 10).await?;
    let last = increase(&a, "c-1", 100).await?;
    assert_eq!((last.version, last.aggregate.value), (4, 111));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_on_one_stream_lose_nothing() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let meta = Metadata::default();
    executor(&db, 1)
        .execute::<Counter>(
            "c-1",
            StreamExpectation::New,
            CounterCommand::Open("x".into()),
            &meta,
        )
        .await?;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        // A separate executor (and cache) per task, like separate service instances.
        let exec = executor(&db, 50);
        tasks.push(tokio::spawn(async move {
            for _ in 0..5 {
                increase(&exec, "c-1", 1).await?;
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let loaded = PgEventStore::new(db.pool.clone())
        .load::<Counter>("c-1")
        .await?;
    assert_eq!((loaded.version, loaded.aggregate.value), (41, 40));
    Ok(())
}

#[tokio::test]
async fn without_retries_a_conflict_is_reported() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let a = executor(&db, 1);
    let b = executor(&db, 1);
    open(&a, "c-1").await?;
    increase(&b, "c-1", 1).await?;
    // `a` still believes version 1; with a single attempt the conflict surfaces.
    let err = increase(&a, "c-1", 1)
        .await
        .expect_err("stale state and no retry");
    match err {
        ExecuteError::Conflict(c) => assert_eq!(c.actual, 2),
        other => panic!("expected a conflict, got {other}"),
    }
    Ok(())
}
