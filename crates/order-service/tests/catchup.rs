//! Catch-up and async projection against a real PostgreSQL: rebuild equals the live
//! result, writes during a rebuild are kept, one projector per model with failover.

use std::sync::Arc;
use std::time::Duration;

use order_service::domain::{DEFAULT_MAX_LINES, Order, OrderCommand};
use platform_core::Metadata;
use platform_event_sourcing::testing::{TestDatabase, eventually};
use platform_event_sourcing::{AggregateCache, CommandExecutor, PgEventStore, StreamExpectation};
use platform_read_models::{
    InlineProjection, ProjectionGate, Projector, ProjectorMonitor, ProjectorOptions,
    ReadModelRegistration, RebuildOptions, prepare_read_models, read_models, rebuild,
};
use rand::Rng;
use sqlx::PgPool;
use tokio::sync::watch;

type Executor = CommandExecutor<InlineProjection>;

/// How long a projector may take to reach an awaited state.
const WAIT: Duration = Duration::from_secs(30);

fn executor(db: &TestDatabase) -> Executor {
    CommandExecutor::new(
        PgEventStore::new(db.pool.clone()),
        Arc::new(AggregateCache::new(1000)),
        20,
    )
    .with_append_path(InlineProjection::new(1000, Arc::new(ProjectionGate::new())))
}

async fn run(exec: &Executor, id: &str, command: OrderCommand) -> anyhow::Result<()> {
    let expectation = match command {
        OrderCommand::Create { .. } => StreamExpectation::New,
        _ => StreamExpectation::Existing,
    };
    // Rule violations are part of a random workload; anything else is a failure.
    match exec
        .execute::<Order>(id, expectation, command, &Metadata::default())
        .await
    {
        Ok(_) | Err(platform_event_sourcing::ExecuteError::Rule(_)) => Ok(()),
        Err(err) => Err(err.into()),
    }
}

/// A random mix of every command over a few customers and products.
async fn random_workload(exec: &Executor, prefix: &str, orders: usize) -> anyhow::Result<()> {
    for i in 0..orders {
        let id = format!("{prefix}-{i}");
        let (steps, customer) = {
            let mut rng = rand::rng();
            (
                rng.random_range(0..6),
                format!("c-{}", rng.random_range(0..4)),
            )
        };
        run(
            exec,
            &id,
            OrderCommand::Create {
                order_id: id.clone(),
                customer_id: customer,
                created_by: None,
            },
        )
        .await?;
        for _ in 0..steps {
            let command = {
                let mut rng = rand::rng();
                let product = format!("p-{}", rng.random_range(0..5));
                match rng.random_range(0..10) {
                    0..=5 => OrderCommand::AddItem {
                        product_id: product,
                        quantity: rng.random_range(1..4),
                        price: "2.50".parse()?,
                        max_lines: DEFAULT_MAX_LINES,
                    },
                    6 => OrderCommand::RemoveItem {
                        product_id: product,
                    },
                    7 | 8 => OrderCommand::Place,
                    _ => OrderCommand::Cancel { reason: None },
                }
            };
            run(exec, &id, command).await?;
        }
    }
    Ok(())
}

fn model(table: &str) -> &'static ReadModelRegistration {
    ReadModelRegistration::find(table).expect("registered read model")
}

/// Every row of a table as text, sorted.
async fn rows(pool: &PgPool, table: &str) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT (to_jsonb(t) - '_position' - '_revision')::text FROM \"{table}\" t ORDER BY 1"
    ))
    .fetch_all(pool)
    .await?)
}

fn projector(db: &TestDatabase, monitor: &ProjectorMonitor) -> Projector {
    let options = ProjectorOptions {
        batch_size: 50,
        poll_interval: Duration::from_millis(100),
        lease_retry: Duration::from_millis(100),
    };
    Projector::new(
        db.pool.clone(),
        model("rm_product_demand"),
        options,
        monitor.clone(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuild_equals_the_live_result_for_every_read_model() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    prepare_read_models(&db.pool).await?;
    let exec = executor(&db);
    let monitor = ProjectorMonitor::default();
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(projector(&db, &monitor).run(stopped));

    random_workload(&exec, "o", 60).await?;
    let head: i64 = sqlx::query_scalar("SELECT max(global_position) FROM events")
        .fetch_one(&db.pool)
        .await?;
    let caught_up = |monitor: &ProjectorMonitor| {
        let s = monitor.snapshot();
        s.get("rm_product_demand")
            .is_some_and(|s| s.active && s.head >= head && s.lag_positions == 0)
    };
    eventually(WAIT, "the async projector to catch up", || async {
        anyhow::Ok(caught_up(&monitor).then_some(()))
    })
    .await?;
    let _ = stop.send(true);
    task.await?;

    let mut live = Vec::new();
    for model in read_models() {
        let rows = rows(&db.pool, model.table).await?;
        assert!(!rows.is_empty(), "{} has rows", model.table);
        live.push(rows);
        let options = RebuildOptions {
            batch_size: 7,
            only_if_stale: false,
        };
        let report = rebuild(&db.pool, model, options, |_| {}).await?;
        assert!(report.events > 0);
    }
    // An async model's rebuild stops at the gap-safe head (transactions of parallel
    // tests may still be open); its projector takes it from there.
    let monitor = ProjectorMonitor::default();
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(projector(&db, &monitor).run(stopped));
    eventually(WAIT, "the async projector to catch up again", || async {
        anyhow::Ok(caught_up(&monitor).then_some(()))
    })
    .await?;
    let _ = stop.send(true);
    task.await?;
    for (model, live) in read_models().iter().zip(live) {
        assert_eq!(
            rows(&db.pool, model.table).await?,
            live,
            "{} after rebuild",
            model.table
        );
    }
    // No shadow table or rebuild checkpoint is left behind.
    let leftovers: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM pg_tables WHERE tablename LIKE '%__rebuild') \
         + (SELECT count(*) FROM checkpoints WHERE name LIKE 'rebuild:%')",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(leftovers, 0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_during_a_rebuild_are_in_the_swapped_table() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    prepare_read_models(&db.pool).await?;
    let exec = executor(&db);
    random_workload(&exec, "before", 80).await?;

    // Commands keep coming while the rebuild runs in small batches.
    let writer = {
        let exec = exec.clone();
        tokio::spawn(async move { random_workload(&exec, "during", 40).await })
    };
    let options = RebuildOptions {
        batch_size: 5,
        only_if_stale: false,
    };
    let orders = model("rm_orders");
    let mut batches = 0;
    rebuild(&db.pool, orders, options, |_| batches += 1).await?;
    writer.await??;
    assert!(batches > 10, "the rebuild ran in many batches ({batches})");

    let live = rows(&db.pool, "rm_orders").await?;
    let count: i64 = sqlx::query_scalar("SELECT count(DISTINCT stream_id) FROM events")
        .fetch_one(&db.pool)
        .await?;
    assert_eq!(live.len() as i64, count, "every order has its row");
    // And the rows are exactly what a quiet rebuild produces.
    rebuild(&db.pool, orders, RebuildOptions::default(), |_| {}).await?;
    assert_eq!(rows(&db.pool, "rm_orders").await?, live);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_projector_is_active_and_another_takes_over() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    prepare_read_models(&db.pool).await?;
    let exec = executor(&db);
    let (monitor_a, monitor_b) = (ProjectorMonitor::default(), ProjectorMonitor::default());
    let (stop_a, stopped_a) = watch::channel(false);
    let (stop_b, stopped_b) = watch::channel(false);
    let a = tokio::spawn(projector(&db, &monitor_a).run(stopped_a));
    let active = |m: &ProjectorMonitor| {
        m.snapshot()
            .get("rm_product_demand")
            .is_some_and(|s| s.active)
    };
    eventually(WAIT, "A to take the lease", || async {
        anyhow::Ok(active(&monitor_a).then_some(()))
    })
    .await?;
    let b = tokio::spawn(projector(&db, &monitor_b).run(stopped_b));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        !active(&monitor_b),
        "B must stand by while A holds the lease"
    );

    run(
        &exec,
        "o-1",
        OrderCommand::Create {
            order_id: "o-1".into(),
            customer_id: "c".into(),
            created_by: None,
        },
    )
    .await?;
    run(
        &exec,
        "o-1",
        OrderCommand::AddItem {
            product_id: "p".into(),
            quantity: 2,
            price: "1".parse()?,
            max_lines: DEFAULT_MAX_LINES,
        },
    )
    .await?;
    let units = |pool: PgPool| async move {
        let units: Option<i64> =
            sqlx::query_scalar("SELECT units_added FROM rm_product_demand WHERE product_id = 'p'")
                .fetch_optional(&pool)
                .await?;
        anyhow::Ok(units)
    };
    eventually(WAIT, "A to project", || async {
        anyhow::Ok((units(db.pool.clone()).await? == Some(2)).then_some(()))
    })
    .await?;

    // A stops (as if its process died): B takes over and carries on.
    let _ = stop_a.send(true);
    a.await?;
    eventually(WAIT, "B to take over", || async {
        anyhow::Ok(active(&monitor_b).then_some(()))
    })
    .await?;
    run(
        &exec,
        "o-1",
        OrderCommand::AddItem {
            product_id: "p".into(),
            quantity: 3,
            price: "1".parse()?,
            max_lines: DEFAULT_MAX_LINES,
        },
    )
    .await?;
    eventually(WAIT, "B to project", || async {
        anyhow::Ok((units(db.pool.clone()).await? == Some(5)).then_some(()))
    })
    .await?;
    let _ = stop_b.send(true);
    b.await?;
    Ok(())
}
