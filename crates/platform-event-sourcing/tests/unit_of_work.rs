//! Units of work: several commands in one transaction, and the executor under a role
//! bound by row-level security.

mod common;

use std::sync::Arc;

use common::{Counter, CounterCommand};
use platform_core::Metadata;
use platform_event_sourcing::testing::TestDatabase;
use platform_event_sourcing::{
    AggregateCache, CommandExecutor, ExecuteError, PgEventStore, StreamExpectation, UnitOfWork,
};
use sqlx::PgPool;

fn executor(pool: &PgPool, row_security: bool) -> CommandExecutor {
    CommandExecutor::new(
        PgEventStore::new(pool.clone()).with_row_security(row_security),
        Arc::new(AggregateCache::new(100)),
        3,
    )
}

async fn count(pool: &PgPool, sql: &str) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(sql).fetch_one(pool).await?)
}

#[tokio::test]
async fn a_unit_commits_all_of_its_commands_or_none() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let exec = executor(&db.pool, false);
    let meta = Metadata::default();

    // Rolled back: neither command's events are in the log, and the cache forgot both.
    let mut unit = UnitOfWork::begin(&db.pool, "default").await?;
    exec.execute_in::<Counter>(
        &mut unit,
        "c-1",
        StreamExpectation::New,
        CounterCommand::Open("a".into()),
        &meta,
    )
    .await?;
    let second = exec
        .execute_in::<Counter>(
            &mut unit,
            "c-1",
            StreamExpectation::Existing,
            CounterCommand::Increase(4),
            &meta,
        )
        .await?;
    // The second command decided on the first one's uncommitted outcome.
    assert_eq!((second.version, second.aggregate.value), (2, 4));
    unit.rollback().await?;
    assert_eq!(count(&db.pool, "SELECT count(*) FROM events").await?, 0);
    let missing = exec
        .execute::<Counter>(
            "c-1",
            StreamExpectation::Existing,
            CounterCommand::Increase(1),
            &meta,
        )
        .await;
    assert!(
        matches!(missing, Err(ExecuteError::NotFound { .. })),
        "{missing:?}"
    );

    // Committed: both, in order, in one transaction.
    let mut unit = UnitOfWork::begin(&db.pool, "default").await?;
    for (expectation, command) in [
        (StreamExpectation::New, CounterCommand::Open("b".into())),
        (StreamExpectation::Existing, CounterCommand::Increase(2)),
    ] {
        exec.execute_in::<Counter>(&mut unit, "c-2", expectation, command, &meta)
            .await?;
    }
    unit.commit().await?;
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT version, event_type FROM events WHERE stream_id = 'c-2' ORDER BY version",
    )
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(
        rows,
        [(1, "Opened".to_owned()), (2, "Increased".to_owned())]
    );
    assert_eq!(
        count(
            &db.pool,
            "SELECT count(DISTINCT transaction_id) FROM events WHERE stream_id = 'c-2'"
        )
        .await?,
        1
    );
    // After the commit the cached state is the committed one.
    let third = exec
        .execute::<Counter>(
            "c-2",
            StreamExpectation::Existing,
            CounterCommand::Increase(3),
            &meta,
        )
        .await?;
    assert_eq!((third.version, third.aggregate.value), (3, 5));
    Ok(())
}

#[tokio::test]
async fn under_row_level_security_each_tenant_writes_and_reads_its_own_streams()
-> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let role = db.restricted_role().await?;
    let exec = executor(&role.pool, true);
    let meta = Metadata::default();
    for tenant in ["acme", "globex"] {
        let exec = exec.in_tenant(tenant);
        exec.execute::<Counter>(
            "shared-id",
            StreamExpectation::New,
            CounterCommand::Open(tenant.into()),
            &meta,
        )
        .await?;
        let done = exec
            .execute::<Counter>(
                "shared-id",
                StreamExpectation::Existing,
                CounterCommand::Increase(if tenant == "acme" { 1 } else { 10 }),
                &meta,
            )
            .await?;
        assert_eq!(done.version, 2);
    }
    // Loads through the store (a transaction naming the tenant) see only their tenant.
    for (tenant, value) in [("acme", 1), ("globex", 10)] {
        let loaded = PgEventStore::new(role.pool.clone())
            .with_row_security(true)
            .in_tenant(tenant)
            .load::<Counter>("shared-id")
            .await?;
        assert_eq!((loaded.version, loaded.aggregate.value), (2, value));
    }
    let stored: Vec<(String, i64)> = sqlx::query_as(
        "SELECT tenant_id, count(*) FROM events GROUP BY tenant_id ORDER BY tenant_id",
    )
    .fetch_all(&db.pool)
    .await?;
    assert_eq!(stored, [("acme".to_owned(), 2), ("globex".to_owned(), 2)]);
    // A tenant without the stream finds nothing: the role cannot see the others' rows.
    let other = exec
        .in_tenant("initech")
        .execute::<Counter>(
            "shared-id",
            StreamExpectation::Existing,
            CounterCommand::Increase(1),
            &meta,
        )
        .await;
    assert!(
        matches!(other, Err(ExecuteError::NotFound { .. })),
        "{other:?}"
    );
    Ok(())
}
