//! A lost reply is not a failure: when the connection drops after an append reached the
//! database, the executor finds out whether its events are in the log (by event id)
//! before anything decides again. A TCP proxy between the pool and PostgreSQL cuts the
//! connection at the chosen moment.

mod common;

use std::sync::Arc;

use common::{Counter, CounterCommand};
use platform_core::Metadata;
use platform_event_sourcing::testing::{Cut, CutProxy, TestDatabase};
use platform_event_sourcing::{
    AggregateCache, CommandExecutor, ExecuteError, Executed, PgEventStore, StreamExpectation,
};
use sqlx::postgres::PgPoolOptions;

/// A database, a proxy in front of it, and an executor whose pool goes through the proxy.
struct Harness {
    db: TestDatabase,
    proxy: CutProxy,
    exec: CommandExecutor,
}

impl Harness {
    /// `row_security`: append in a transaction naming the tenant (whose COMMIT can be
    /// lost), as the executor does for a role bound by row-level security.
    /// `writers`: group commit writers (0: each append commits alone).
    async fn start(row_security: bool) -> anyhow::Result<Self> {
        Self::with_writers(row_security, 0).await
    }

    async fn with_writers(row_security: bool, writers: usize) -> anyhow::Result<Self> {
        let db = TestDatabase::new().await?;
        let proxy = CutProxy::in_front_of(&db).await?;
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .connect_with(proxy.options(&db))
            .await?;
        let store = PgEventStore::new(pool)
            .with_row_security(row_security)
            .with_group_commit(writers);
        let exec = CommandExecutor::new(store, Arc::new(AggregateCache::new(100)), 3);
        Ok(Harness { db, proxy, exec })
    }

    async fn open(&self, id: &str) -> Result<Executed<Counter>, ExecuteError> {
        self.exec
            .execute::<Counter>(
                id,
                StreamExpectation::New,
                CounterCommand::Open("lost-reply".into()),
                &Metadata::default(),
            )
            .await
    }

    async fn increase(&self, id: &str, by: i64) -> Result<Executed<Counter>, ExecuteError> {
        self.exec
            .execute::<Counter>(
                id,
                StreamExpectation::Existing,
                CounterCommand::Increase(by),
                &Metadata::default(),
            )
            .await
    }

    /// Sends `Increase(by)` as a careful caller does: on a retryable "unavailable"
    /// error, the same command again. Returns how many tries it took.
    async fn increase_until_answered(&self, id: &str, by: i64) -> anyhow::Result<u32> {
        for attempt in 1..=5 {
            match self.increase(id, by).await {
                Ok(_) => return Ok(attempt),
                Err(ExecuteError::Store(err)) if err.is_unavailable() => continue,
                Err(err) => return Err(err.into()),
            }
        }
        anyhow::bail!("still unavailable after 5 tries")
    }

    /// Events in the stream with this payload `by`, counted in PostgreSQL directly.
    async fn increases_by(&self, id: &str, by: i64) -> anyhow::Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM events WHERE stream_id = $1 \
             AND event_type = 'Increased' AND (payload->>'by')::bigint = $2",
        )
        .bind(id)
        .bind(by)
        .fetch_one(&self.db.pool)
        .await?)
    }

    /// The stream's versions, in order, from PostgreSQL directly.
    async fn versions(&self, id: &str) -> anyhow::Result<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT version FROM events WHERE stream_id = $1 ORDER BY version")
                .bind(id)
                .fetch_all(&self.db.pool)
                .await?,
        )
    }
}

#[tokio::test]
async fn a_reply_lost_after_the_append_committed_is_a_success_not_a_second_append()
-> anyhow::Result<()> {
    let h = Harness::start(false).await?;
    h.open("c-1").await?;
    h.increase("c-1", 1).await?;

    h.proxy.arm(Cut::AfterAppendReply);
    let answered = h.increase("c-1", 7).await;
    assert_eq!(h.proxy.trips(), 1, "the proxy cut the append's reply");
    let executed = answered.map_err(|e| anyhow::anyhow!("a committed append failed: {e}"))?;
    assert_eq!(executed.version, 3);
    assert_eq!(executed.aggregate.value, 8);
    assert_eq!(
        h.increases_by("c-1", 7).await?,
        1,
        "in the log exactly once"
    );

    // The stream goes on from the right version, through the cache.
    let next = h.increase("c-1", 2).await?;
    assert_eq!(next.version, 4);
    assert_eq!(next.aggregate.value, 10);
    assert_eq!(h.versions("c-1").await?, vec![1, 2, 3, 4]);
    Ok(())
}

#[tokio::test]
async fn an_append_that_never_reached_the_database_is_unavailable_and_a_retry_appends_it_once()
-> anyhow::Result<()> {
    let h = Harness::start(false).await?;
    h.open("c-2").await?;

    h.proxy.arm(Cut::BeforeAppend);
    match h.increase("c-2", 5).await {
        Err(ExecuteError::Store(err)) if err.is_unavailable() => {}
        other => anyhow::bail!("expected a retryable unavailable error, got {other:?}"),
    }
    assert_eq!(h.proxy.trips(), 1);
    assert_eq!(h.increases_by("c-2", 5).await?, 0, "nothing was appended");

    let tries = h.increase_until_answered("c-2", 5).await?;
    assert_eq!(tries, 1);
    assert_eq!(
        h.increases_by("c-2", 5).await?,
        1,
        "the retry appended it once"
    );
    assert_eq!(h.versions("c-2").await?, vec![1, 2]);
    Ok(())
}

#[tokio::test]
async fn a_careful_caller_never_duplicates_a_command_whose_reply_was_lost() -> anyhow::Result<()> {
    let h = Harness::start(false).await?;
    h.open("c-3").await?;
    for (by, cut) in [
        (11, Cut::AfterAppendReply),
        (12, Cut::BeforeAppend),
        (13, Cut::AfterAppendReply),
    ] {
        h.proxy.arm(cut);
        h.increase_until_answered("c-3", by).await?;
        assert_eq!(h.increases_by("c-3", by).await?, 1, "Increase({by}) once");
    }
    assert_eq!(h.proxy.trips(), 3);
    assert_eq!(h.versions("c-3").await?, vec![1, 2, 3, 4]);
    Ok(())
}

#[tokio::test]
async fn a_commit_whose_reply_was_lost_is_a_success_not_a_second_append() -> anyhow::Result<()> {
    let h = Harness::start(true).await?;
    h.open("c-4").await?;

    h.proxy.arm(Cut::AfterCommitReply);
    let tries = h.increase_until_answered("c-4", 9).await?;
    assert_eq!(h.proxy.trips(), 1, "the proxy cut the COMMIT's reply");
    assert_eq!(tries, 1, "the executor found its committed events");
    assert_eq!(
        h.increases_by("c-4", 9).await?,
        1,
        "in the log exactly once"
    );

    let next = h.increase("c-4", 1).await?;
    assert_eq!(next.version, 3);
    assert_eq!(next.aggregate.value, 10);
    Ok(())
}

#[tokio::test]
async fn a_grouped_append_whose_reply_or_commit_reply_was_lost_is_found_not_repeated()
-> anyhow::Result<()> {
    for (row_security, cut) in [
        (false, Cut::AfterAppendReply),
        (true, Cut::AfterCommitReply),
    ] {
        let h = Harness::with_writers(row_security, 1).await?;
        h.open("c-5").await?;
        h.proxy.arm(cut);
        let tries = h.increase_until_answered("c-5", 4).await?;
        assert_eq!(h.proxy.trips(), 1, "{cut:?}: the proxy cut the reply");
        assert_eq!(tries, 1, "{cut:?}: the executor found its committed events");
        assert_eq!(
            h.increases_by("c-5", 4).await?,
            1,
            "{cut:?}: once in the log"
        );
        let next = h.increase("c-5", 1).await?;
        assert_eq!((next.version, next.aggregate.value), (3, 5));
    }
    Ok(())
}
