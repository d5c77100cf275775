//! The event store against a real PostgreSQL database.

mod common;

use chrono::Utc;
use common::{Counter, CounterEvent, increases};
use platform_core::{ConcurrencyError, ExpectedVersion, Metadata};
use platform_event_sourcing::testing::TestDatabase;
use platform_event_sourcing::{PgEventStore, StoreError, StreamRange};

#[tokio::test]
async fn append_assigns_versions_and_reads_back() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let store = PgEventStore::new(db.pool.clone());
    let metadata = Metadata {
        correlation_id: Some("corr-1".into()),
        user_id: Some("u-1".into()),
        ..Metadata::default()
    };
    let mut events = increases(3);
    for e in &mut events {
        e.metadata = metadata.clone();
    }
    let result = store
        .append("c-1", "Counter", ExpectedVersion::NoStream, &events)
        .await?;
    assert_eq!((result.first_version, result.last_version), (1, 3));
    let read = store.read_stream("c-1", StreamRange::all()).await?;
    assert_eq!(
        read.iter().map(|e| e.version).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(read[0].event_id, events[0].event_id);
    assert_eq!(read[0].event_type, "Increased");
    assert_eq!(read[0].aggregate_type, "Counter");
    assert_eq!(read[0].metadata, metadata);
    assert_eq!(read[2].payload.get(), r#"{"by": 3}"#);
    let typed = read[1].decode::<CounterEvent>()?;
    assert_eq!(
        typed.event,
        CounterEvent::Increased(common::Increased { by: 2 })
    );
    assert_eq!(store.stream_version("c-1").await?, 3);
    assert_eq!(store.stream_version("missing").await?, 0);
    Ok(())
}

#[tokio::test]
async fn expected_version_is_enforced() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let store = PgEventStore::new(db.pool.clone());
    store
        .append("c-1", "Counter", ExpectedVersion::NoStream, &increases(2))
        .await?;
    for expected in [
        ExpectedVersion::NoStream,
        ExpectedVersion::Exact(1),
        ExpectedVersion::Exact(5),
    ] {
        let err = store
            .append("c-1", "Counter", expected, &increases(1))
            .await
            .expect_err("stale expectation must fail");
        match err {
            StoreError::Concurrency(ConcurrencyError {
                expected: e,
                actual,
                ..
            }) => assert_eq!((e, actual), (expected, 2)),
            other => panic!("expected a concurrency error, got {other}"),
        }
    }
    let exact = store
        .append("c-1", "Counter", ExpectedVersion::Exact(2), &increases(1))
        .await?;
    assert_eq!(exact.last_version, 3);
    let any = store
        .append("c-1", "Counter", ExpectedVersion::Any, &increases(2))
        .await?;
    assert_eq!((any.first_version, any.last_version), (4, 5));
    assert_eq!(store.stream_version("c-1").await?, 5);
    Ok(())
}

#[tokio::test]
async fn a_batch_is_all_or_nothing() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let store = PgEventStore::new(db.pool.clone());
    let first = increases(1);
    store
        .append("c-1", "Counter", ExpectedVersion::NoStream, &first)
        .await?;
    // The second event of the batch reuses an id: the whole batch must be refused.
    let mut batch = increases(2);
    batch[1].event_id = first[0].event_id;
    let err = store
        .append("c-2", "Counter", ExpectedVersion::NoStream, &batch)
        .await
        .expect_err("duplicate event id");
    assert!(matches!(err, StoreError::DuplicateEvent(_)), "{err}");
    assert_eq!(store.stream_version("c-2").await?, 0);
    Ok(())
}

#[tokio::test]
async fn events_cannot_be_updated_deleted_or_truncated() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let store = PgEventStore::new(db.pool.clone());
    store
        .append("c-1", "Counter", ExpectedVersion::NoStream, &increases(1))
        .await?;
    for sql in [
        "UPDATE events SET payload = '{}'",
        "DELETE FROM events",
        "TRUNCATE events",
    ] {
        let err = sqlx::query(sql)
            .execute(&db.pool)
            .await
            .expect_err("the trigger must refuse");
        assert!(err.to_string().contains("events are immutable"), "{err}");
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&db.pool)
        .await?;
    assert_eq!(count, 1);
    Ok(())
}

#[tokio::test]
async fn streams_read_up_to_a_version_or_a_time() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let store = PgEventStore::new(db.pool.clone());
    let mut events = increases(4);
    let base = Utc::now() - chrono::Duration::hours(4);
    for (i, e) in events.iter_mut().enumerate() {
        e.occurred_at = base + chrono::Duration::hours(i as i64);
    }
    store
        .append("c-1", "Counter", ExpectedVersion::NoStream, &events)
        .await?;
    let to_two = store.read_stream("c-1", StreamRange::to_version(2)).await?;
    assert_eq!(to_two.len(), 2);
    let from_two = store
        .read_stream(
            "c-1",
            StreamRange {
                after_version: 2,
                ..StreamRange::all()
            },
        )
        .await?;
    assert_eq!(
        from_two.iter().map(|e| e.version).collect::<Vec<_>>(),
        [3, 4]
    );
    let until = base + chrono::Duration::minutes(90);
    let by_time = store.read_stream("c-1", StreamRange::until(until)).await?;
    assert_eq!(
        by_time.iter().map(|e| e.version).collect::<Vec<_>>(),
        [1, 2]
    );
    let before = store
        .read_stream(
            "c-1",
            StreamRange::until(base - chrono::Duration::seconds(1)),
        )
        .await?;
    assert!(before.is_empty());

    // The same ranges rebuild the aggregate as it was.
    let at_two = store
        .load_at::<Counter>("c-1", StreamRange::to_version(2))
        .await?;
    assert_eq!((at_two.aggregate.value, at_two.version), (1 + 2, 2));
    let at_time = store
        .load_at::<Counter>("c-1", StreamRange::until(until))
        .await?;
    assert_eq!(at_time.aggregate.value, 3);
    let now = store.load::<Counter>("c-1").await?;
    assert_eq!((now.aggregate.value, now.version), (1 + 2 + 3 + 4, 4));
    let caught_up = store.catch_up("c-1", at_two).await?;
    assert_eq!(caught_up, now);
    Ok(())
}

#[tokio::test]
async fn two_tenants_use_one_stream_id_without_touching_each_other() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let default = PgEventStore::new(db.pool.clone());
    let acme = default.in_tenant("acme");
    // Both start the stream "c-1": neither sees the other's version.
    default
        .append("c-1", "Counter", ExpectedVersion::NoStream, &increases(2))
        .await?;
    acme.append("c-1", "Counter", ExpectedVersion::NoStream, &increases(3))
        .await?;
    assert_eq!(default.stream_version("c-1").await?, 2);
    assert_eq!(acme.stream_version("c-1").await?, 3);
    let read = acme.read_stream("c-1", StreamRange::all()).await?;
    assert_eq!(read.len(), 3);
    assert!(read.iter().all(|e| e.tenant_id == "acme"));
    assert_eq!(read[0].decode::<CounterEvent>()?.tenant_id, "acme");
    // A version race is per tenant: acme's stream is at 3, not 2.
    let err = acme
        .append("c-1", "Counter", ExpectedVersion::Exact(2), &increases(1))
        .await
        .expect_err("acme's stream is at version 3");
    assert!(
        matches!(
            err,
            StoreError::Concurrency(ConcurrencyError { actual: 3, .. })
        ),
        "{err}"
    );
    // The global log holds both, each with its tenant (every committed event: the
    // gap-safe head may lag behind other tests' open transactions).
    let mut conn = db.pool.acquire().await?;
    let committed = platform_event_sourcing::LogFilter::default().committed();
    let log = platform_event_sourcing::read_log(
        &mut conn,
        platform_event_sourcing::LogPosition::START,
        &committed,
        10,
    )
    .await?;
    let tenants: Vec<&str> = log.iter().map(|e| e.tenant_id.as_str()).collect();
    assert_eq!(tenants, ["default", "default", "acme", "acme", "acme"]);
    Ok(())
}
