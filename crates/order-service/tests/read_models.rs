//! The order read models against a real PostgreSQL: every event type, idempotent
//! replay, rebuild equal to inline, and a failed projection rolling the append back.

use std::sync::Arc;

use order_contracts::OrderStatus;
use order_service::domain::{DEFAULT_MAX_LINES, Order, OrderCommand};
use order_service::read_models::{CustomerOrdersReadModel, OrderReadModel};
use platform_core::Metadata;
use platform_event_sourcing::testing::{TestDatabase, eventually};
use platform_event_sourcing::{
    AggregateCache, CommandExecutor, ExecuteError, PgEventStore, StoreError, StreamExpectation,
    StreamRange,
};
use platform_read_models::{
    InlineProjection, PageRequest, Projection, ProjectionGate, ReadModelError, ReadModelStatus,
    ReadModelStore, RebuildOptions, prepare_read_models, read_models, rebuild,
};
use platform_service::tenant_isolation_gap;
use rust_decimal::Decimal;
use sqlx::PgPool;

fn dec(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

type Executor = CommandExecutor<InlineProjection>;

async fn setup() -> anyhow::Result<(TestDatabase, Executor)> {
    let db = TestDatabase::new().await?;
    prepare_read_models(&db.pool).await?;
    let executor = CommandExecutor::new(
        PgEventStore::new(db.pool.clone()),
        Arc::new(AggregateCache::new(100)),
        5,
    )
    .with_append_path(InlineProjection::new(100, Arc::new(ProjectionGate::new())));
    Ok((db, executor))
}

async fn run(exec: &Executor, id: &str, command: OrderCommand) -> Result<i64, ExecuteError> {
    let expectation = match command {
        OrderCommand::Create { .. } => StreamExpectation::New,
        _ => StreamExpectation::Existing,
    };
    exec.execute::<Order>(id, expectation, command, &Metadata::default())
        .await
        .map(|done| done.version)
}

fn create(id: &str, customer: &str) -> OrderCommand {
    OrderCommand::Create {
        order_id: id.into(),
        customer_id: customer.into(),
        created_by: None,
    }
}

fn add(product: &str, quantity: i64, price: &str) -> OrderCommand {
    OrderCommand::AddItem {
        product_id: product.into(),
        quantity,
        price: dec(price),
        max_lines: DEFAULT_MAX_LINES,
    }
}

/// Every row of both tables, as text, for comparing whole tables.
async fn snapshot(pool: &PgPool) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT t::text FROM (SELECT id, customer_id, status, items, total, created_at, placed_at, \
         cancelled_at, version, NULL::bigint AS n FROM rm_orders) t \
         UNION ALL SELECT (to_jsonb(c) - '_position' - '_revision')::text FROM rm_customer_orders c \
         ORDER BY 1",
    )
    .fetch_all(pool)
    .await?)
}

#[tokio::test]
async fn every_order_event_lands_in_rm_orders() -> anyhow::Result<()> {
    let (db, exec) = setup().await?;
    let orders = ReadModelStore::<OrderReadModel>::new(db.pool.clone());

    run(&exec, "o-1", create("o-1", "c-1")).await?;
    let row = orders.get("o-1").await?.expect("row after OrderCreated");
    assert_eq!(
        (row.customer_id.as_str(), row.status.as_str()),
        ("c-1", "draft")
    );
    assert_eq!((row.total, row.version), (Decimal::ZERO, 1));
    assert!(row.items.is_empty() && row.placed_at.is_none());

    run(&exec, "o-1", add("p-1", 2, "29.99")).await?;
    run(&exec, "o-1", add("p-2", 1, "49.99")).await?;
    run(&exec, "o-1", add("p-3", 4, "0.25")).await?;
    run(
        &exec,
        "o-1",
        OrderCommand::RemoveItem {
            product_id: "p-3".into(),
        },
    )
    .await?;
    let row = orders.get("o-1").await?.expect("row");
    assert_eq!(row.items.len(), 2);
    assert_eq!(row.items[0].product_id, "p-1");
    assert_eq!(row.items[0].price, dec("29.99"));
    assert_eq!((row.total, row.version), (dec("109.97"), 5));

    run(&exec, "o-1", OrderCommand::Place).await?;
    let row = orders.get("o-1").await?.expect("row");
    assert_eq!((row.status.as_str(), row.total), ("placed", dec("109.97")));
    assert!(row.placed_at.is_some());
    let total: String = sqlx::query_scalar("SELECT total::text FROM rm_orders WHERE id = 'o-1'")
        .fetch_one(&db.pool)
        .await?;
    assert_eq!(total, "109.97", "numeric, exact");

    run(&exec, "o-1", OrderCommand::Cancel { reason: None }).await?;
    let row = orders.get("o-1").await?.expect("row");
    assert_eq!((row.status.as_str(), row.version), ("cancelled", 7));
    assert!(row.cancelled_at.is_some());

    // The read model matches the event stream's timestamps.
    let events = PgEventStore::new(db.pool.clone())
        .read_stream("o-1", StreamRange::all())
        .await?;
    assert_eq!(row.created_at, events[0].occurred_at);
    assert_eq!(row.cancelled_at, Some(events[6].occurred_at));
    Ok(())
}

#[tokio::test]
async fn the_status_is_text_and_an_unknown_one_is_a_decode_error() -> anyhow::Result<()> {
    let (db, exec) = setup().await?;
    run(&exec, "o-1", create("o-1", "c-1")).await?;
    let column_type: String = sqlx::query_scalar(
        "SELECT data_type FROM information_schema.columns \
         WHERE table_name = 'rm_orders' AND column_name = 'status'",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(column_type, "text");
    let orders = ReadModelStore::<OrderReadModel>::new(db.pool.clone());
    let row = orders.get("o-1").await?.expect("row");
    assert_eq!(row.status, OrderStatus::Draft);

    sqlx::query("UPDATE rm_orders SET status = 'shipped' WHERE id = 'o-1'")
        .execute(&db.pool)
        .await?;
    let err = orders.get("o-1").await.expect_err("an unknown status");
    assert!(
        matches!(
            &err,
            ReadModelError::Database(sqlx::Error::ColumnDecode { .. })
        ),
        "{err}"
    );
    assert!(err.to_string().contains("\"shipped\""), "{err}");
    Ok(())
}

#[tokio::test]
async fn customer_totals_follow_placements_and_cancellations() -> anyhow::Result<()> {
    let (db, exec) = setup().await?;
    let customers = ReadModelStore::<CustomerOrdersReadModel>::new(db.pool.clone());
    for (id, price) in [("o-1", "10.10"), ("o-2", "5.05"), ("o-3", "1.00")] {
        run(&exec, id, create(id, "c-1")).await?;
        run(&exec, id, add("p", 1, price)).await?;
        run(&exec, id, OrderCommand::Place).await?;
    }
    run(&exec, "o-4", create("o-4", "c-1")).await?;
    run(&exec, "o-4", OrderCommand::Cancel { reason: None }).await?;
    run(&exec, "o-3", OrderCommand::Cancel { reason: None }).await?;
    let row = customers.get("c-1").await?.expect("customer row");
    assert_eq!(row.orders_placed, 2);
    assert_eq!(row.total_spent, dec("15.15"));
    assert_eq!(row.orders_cancelled, 2);
    assert!(row.last_order_at.is_some());
    assert!(customers.get("c-2").await?.is_none());
    Ok(())
}

#[tokio::test]
async fn replaying_the_same_events_twice_changes_nothing() -> anyhow::Result<()> {
    let (db, exec) = setup().await?;
    for id in ["o-1", "o-2"] {
        run(&exec, id, create(id, "c-1")).await?;
        run(&exec, id, add("p", 3, "2.50")).await?;
        run(&exec, id, OrderCommand::Place).await?;
    }
    let before = snapshot(&db.pool).await?;
    // The gap-safe read waits for transactions still open anywhere on the server
    // (other tests run in parallel): poll until all six events are readable.
    let store = PgEventStore::new(db.pool.clone());
    let events = eventually(
        std::time::Duration::from_secs(30),
        "the six events to be readable",
        || async {
            let events = store
                .read_all(platform_event_sourcing::LogPosition::START, 1000)
                .await?;
            anyhow::Ok((events.len() == 6).then_some(events))
        },
    )
    .await?;
    assert_eq!(events.len(), 6);
    let mut conn = db.pool.acquire().await?;
    for model in read_models()
        .iter()
        .filter(|m| m.projection == Projection::Inline)
    {
        let applied = model
            .project_recorded(&mut conn, model.table, &events)
            .await?;
        assert_eq!(applied, 0, "{} re-applied old events", model.table);
    }
    assert_eq!(snapshot(&db.pool).await?, before);
    Ok(())
}

#[tokio::test]
async fn a_rebuild_equals_the_inline_result() -> anyhow::Result<()> {
    let (db, exec) = setup().await?;
    // A mixed workload over several customers.
    for i in 0..12 {
        let id = format!("o-{i}");
        run(&exec, &id, create(&id, &format!("c-{}", i % 3))).await?;
        for p in 0..(i % 4) {
            run(&exec, &id, add(&format!("p-{p}"), p + 1, "1.10")).await?;
        }
        if i % 4 > 1 {
            run(
                &exec,
                &id,
                OrderCommand::RemoveItem {
                    product_id: "p-0".into(),
                },
            )
            .await?;
        }
        if i % 4 != 0 {
            run(&exec, &id, OrderCommand::Place).await?;
        }
        if i % 5 == 0 {
            run(
                &exec,
                &id,
                OrderCommand::Cancel {
                    reason: Some("r".into()),
                },
            )
            .await?;
        }
    }
    let inline = snapshot(&db.pool).await?;
    for model in read_models() {
        rebuild(&db.pool, model, RebuildOptions::default(), |_| {}).await?;
    }
    assert_eq!(snapshot(&db.pool).await?, inline);
    Ok(())
}

#[tokio::test]
async fn a_changed_declaration_is_reported_stale_until_rebuilt() -> anyhow::Result<()> {
    let (db, exec) = setup().await?;
    run(&exec, "o-1", create("o-1", "c-1")).await?;
    run(&exec, "o-1", add("p", 1, "3")).await?;
    let inline = snapshot(&db.pool).await?;

    let prepared = prepare_read_models(&db.pool).await?;
    assert!(
        prepared
            .iter()
            .all(|p| p.status == ReadModelStatus::Current),
        "{prepared:?}"
    );

    // A changed declaration (simulated by a different stored hash) is stale…
    sqlx::query("UPDATE read_models SET definition_hash = 'old' WHERE table_name = 'rm_orders'")
        .execute(&db.pool)
        .await?;
    let prepared = prepare_read_models(&db.pool).await?;
    let orders = prepared
        .iter()
        .find(|p| p.model.table == "rm_orders")
        .expect("rm_orders");
    assert_eq!(orders.status, ReadModelStatus::Stale);
    // …until a rebuild makes it current again, with the same rows.
    let report = rebuild(&db.pool, orders.model, RebuildOptions::default(), |_| {}).await?;
    assert_eq!(report.events, 2);
    let prepared = prepare_read_models(&db.pool).await?;
    assert!(
        prepared
            .iter()
            .all(|p| p.status == ReadModelStatus::Current),
        "{prepared:?}"
    );
    assert_eq!(snapshot(&db.pool).await?, inline);
    Ok(())
}

#[tokio::test]
async fn a_failed_projection_appends_nothing() -> anyhow::Result<()> {
    let (db, exec) = setup().await?;
    run(&exec, "o-1", create("o-1", "c-1")).await?;
    // Break the read model's table under the service.
    sqlx::query(
        "ALTER TABLE rm_orders ADD CONSTRAINT no_items CHECK (jsonb_array_length(items) = 0)",
    )
    .execute(&db.pool)
    .await?;
    let err = run(&exec, "o-1", add("p", 1, "3"))
        .await
        .expect_err("projection must fail");
    assert!(
        matches!(&err, ExecuteError::Store(StoreError::Projection(_))),
        "{err}"
    );
    assert!(err.to_string().contains("rm_orders"), "{err}");
    let version = PgEventStore::new(db.pool.clone())
        .stream_version("o-1")
        .await?;
    assert_eq!(version, 1, "the append must have been rolled back");
    Ok(())
}

#[tokio::test]
async fn orders_page_newest_first_by_customer() -> anyhow::Result<()> {
    let (db, exec) = setup().await?;
    for i in 0..7 {
        let id = format!("o-{i}");
        run(
            &exec,
            &id,
            create(&id, if i % 2 == 0 { "even" } else { "odd" }),
        )
        .await?;
    }
    let orders = ReadModelStore::<OrderReadModel>::new(db.pool.clone());
    let mut page = PageRequest {
        limit: Some(2),
        cursor: None,
    };
    let mut seen = Vec::new();
    loop {
        let result = OrderReadModel::find_by_customer_id(&orders, "even".to_owned(), &page).await?;
        seen.extend(result.items.into_iter().map(|o| o.id));
        match result.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => break,
        }
    }
    assert_eq!(seen, ["o-6", "o-4", "o-2", "o-0"]);
    let all = orders.list(&PageRequest::default()).await?;
    assert_eq!(all.items.len(), 7);
    assert!(all.next_cursor.is_none());
    // No `find_by_status` is generated; asked by name, the store refuses it too.
    let err = orders
        .find_by_column("status", "draft".to_owned(), &PageRequest::default())
        .await
        .expect_err("status is not indexed");
    assert!(err.to_string().contains("status"), "{err}");
    let bad = PageRequest {
        limit: None,
        cursor: Some("nonsense".into()),
    };
    assert!(orders.list(&bad).await.is_err());
    Ok(())
}

#[tokio::test]
async fn cached_rows_never_overwrite_newer_ones() -> anyhow::Result<()> {
    // Two "processes" (executors with their own caches) on one database, and a rebuild
    // in between: every write made from a stale cached row must be refused and redone.
    let (db, a) = setup().await?;
    let b = CommandExecutor::new(
        PgEventStore::new(db.pool.clone()),
        Arc::new(AggregateCache::new(100)),
        5,
    )
    .with_append_path(InlineProjection::new(100, Arc::new(ProjectionGate::new())));
    let place = async |exec: &Executor, id: &str, price: &str| -> anyhow::Result<()> {
        run(exec, id, create(id, "c-1")).await?;
        run(exec, id, add("p", 1, price)).await?;
        run(exec, id, OrderCommand::Place).await?;
        Ok(())
    };
    place(&a, "o-1", "1").await?; // a caches c-1's row
    place(&b, "o-2", "10").await?; // b changes it behind a's back
    place(&a, "o-3", "100").await?; // a's cached row is stale
    for model in read_models() {
        rebuild(&db.pool, model, RebuildOptions::default(), |_| {}).await?;
    }
    place(&b, "o-4", "1000").await?; // after a rebuild
    run(&a, "o-1", OrderCommand::Cancel { reason: None }).await?;
    let customers = ReadModelStore::<CustomerOrdersReadModel>::new(db.pool.clone());
    let row = customers.get("c-1").await?.expect("customer row");
    assert_eq!((row.orders_placed, row.orders_cancelled), (3, 1));
    assert_eq!(row.total_spent, dec("1110"));
    let orders = ReadModelStore::<OrderReadModel>::new(db.pool.clone());
    let o1 = orders.get("o-1").await?.expect("o-1");
    assert_eq!((o1.status.as_str(), o1.version), ("cancelled", 4));
    Ok(())
}

/// The same order and customer ids in two tenants, placed at different prices.
async fn two_tenants(exec: &Executor) -> anyhow::Result<()> {
    for (tenant, price) in [("default", "1"), ("acme", "10")] {
        let exec = exec.in_tenant(tenant);
        run(&exec, "o-1", create("o-1", "c-1")).await?;
        run(&exec, "o-1", add("p", 1, price)).await?;
        run(&exec, "o-1", OrderCommand::Place).await?;
    }
    Ok(())
}

#[tokio::test]
async fn each_tenant_reads_only_its_own_rows() -> anyhow::Result<()> {
    let (db, exec) = setup().await?;
    two_tenants(&exec).await?;
    let orders = ReadModelStore::<OrderReadModel>::new(db.pool.clone());
    let acme = orders.clone().in_tenant("acme");
    let total = |row: Option<OrderReadModel>| row.map(|r| r.total);
    assert_eq!(total(orders.get("o-1").await?), Some(dec("1")));
    assert_eq!(total(acme.get("o-1").await?), Some(dec("10")));
    assert_eq!(
        total(orders.clone().in_tenant("other").get("o-1").await?),
        None
    );
    let page =
        OrderReadModel::find_by_customer_id(&acme, "c-1".to_owned(), &PageRequest::default())
            .await?;
    assert_eq!(
        page.items.iter().map(|r| r.total).collect::<Vec<_>>(),
        [dec("10")]
    );
    assert_eq!(orders.list(&PageRequest::default()).await?.items.len(), 1);
    // group_by rows are per tenant too, inline and after a rebuild.
    let spent = |tenant: &str| {
        let customers =
            ReadModelStore::<CustomerOrdersReadModel>::new(db.pool.clone()).in_tenant(tenant);
        async move { anyhow::Ok(customers.get("c-1").await?.map(|r| r.total_spent)) }
    };
    assert_eq!(spent("default").await?, Some(dec("1")));
    assert_eq!(spent("acme").await?, Some(dec("10")));
    for model in read_models() {
        rebuild(&db.pool, model, RebuildOptions::default(), |_| {}).await?;
    }
    assert_eq!(spent("default").await?, Some(dec("1")));
    assert_eq!(spent("acme").await?, Some(dec("10")));
    assert_eq!(total(acme.get("o-1").await?), Some(dec("10")));
    Ok(())
}

#[tokio::test]
async fn row_level_security_shows_a_restricted_role_only_its_tenant() -> anyhow::Result<()> {
    let (db, exec) = setup().await?;
    two_tenants(&exec).await?;
    // The async model gets its rows from a rebuild (no projector runs here).
    for model in read_models() {
        rebuild(&db.pool, model, RebuildOptions::default(), |_| {}).await?;
    }
    let role = db.restricted_role().await?;
    let mut tables = vec!["events".to_owned(), "snapshots".to_owned()];
    tables.extend(read_models().iter().map(|m| m.table.to_owned()));
    let tenant_column = |table: &str| {
        if table.starts_with("rm_") {
            "\"_tenant\""
        } else {
            "tenant_id"
        }
    };
    for table in &tables {
        let column = tenant_column(table);
        // With acme's setting, no row of another tenant, whatever the query asks.
        let mut tx = role.pool.begin().await?;
        sqlx::query("SELECT set_config('platform.tenant', 'acme', true)")
            .execute(&mut *tx)
            .await?;
        let (others, own): (i64, i64) = sqlx::query_as(&format!(
            "SELECT count(*) FILTER (WHERE {column} <> 'acme'), \
                    count(*) FILTER (WHERE {column} = 'acme') FROM {table}"
        ))
        .fetch_one(&mut *tx)
        .await?;
        assert_eq!(others, 0, "{table}: rows of another tenant are visible");
        if table != "snapshots" {
            assert!(own > 0, "{table}: acme's own rows must be visible");
        }
        tx.rollback().await?;
        // Without a tenant setting nothing is visible.
        let visible: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&role.pool)
            .await?;
        assert_eq!(visible, 0, "{table}: rows visible without a tenant");
    }
    // Writing into another tenant is refused, too.
    let mut tx = role.pool.begin().await?;
    sqlx::query("SELECT set_config('platform.tenant', 'acme', true)")
        .execute(&mut *tx)
        .await?;
    let forged = sqlx::query(
        "INSERT INTO events (event_id, tenant_id, stream_id, aggregate_type, version, event_type, payload) \
         VALUES (gen_random_uuid(), 'default', 'o-9', 'Order', 1, 'OrderCreated', '{}')",
    )
    .execute(&mut *tx)
    .await;
    assert!(
        forged.is_err(),
        "an insert into another tenant must be refused"
    );
    tx.rollback().await?;
    // Work across tenants is declared, and then sees both.
    let mut tx = role.pool.begin().await?;
    sqlx::query("SELECT set_config('platform.all_tenants', 'on', true)")
        .execute(&mut *tx)
        .await?;
    let tenants: i64 = sqlx::query_scalar("SELECT count(DISTINCT tenant_id) FROM events")
        .fetch_one(&mut *tx)
        .await?;
    assert_eq!(tenants, 2);
    tx.rollback().await?;
    // The service sees the difference at start-up.
    assert_eq!(tenant_isolation_gap(&role.pool).await?, None);
    let gap = tenant_isolation_gap(&db.pool).await?;
    assert!(gap.is_some_and(|reason| reason.contains("superuser")));
    Ok(())
}

/// Every event of the log once readable (other tests' open transactions hold the
/// gap-safe head back), by stream.
async fn log_by_stream(
    pool: &PgPool,
    expected: usize,
) -> anyhow::Result<std::collections::HashMap<String, Vec<platform_event_sourcing::RecordedEvent>>>
{
    let store = PgEventStore::new(pool.clone());
    let events = eventually(
        std::time::Duration::from_secs(30),
        "the events to be readable",
        || async {
            let events = store
                .read_all(platform_event_sourcing::LogPosition::START, 1000)
                .await?;
            anyhow::Ok((events.len() == expected).then_some(events))
        },
    )
    .await?;
    let mut by_stream: std::collections::HashMap<_, Vec<_>> = Default::default();
    for event in events {
        by_stream
            .entry(event.stream_id.clone())
            .or_default()
            .push(event);
    }
    Ok(by_stream)
}

/// Projects `events` into the model's live table in a transaction of its own that
/// waits behind `writer`'s uncommitted row (the same key, inserted after this batch
/// locked its rows), then lets `writer` commit. Returns the events the batch applied.
async fn project_behind(
    db: &TestDatabase,
    table: &'static str,
    writer: sqlx::Transaction<'static, sqlx::Postgres>,
    events: Vec<platform_event_sourcing::RecordedEvent>,
) -> anyhow::Result<usize> {
    let model = read_models()
        .iter()
        .find(|m| m.table == table)
        .expect("registered");
    let pool = db.pool.clone();
    let batch = tokio::spawn(async move {
        let mut tx = pool.begin().await?;
        let applied = model.project_recorded(&mut tx, table, &events).await?;
        tx.commit().await?;
        anyhow::Ok(applied)
    });
    // The batch is blocked on the writer's row once its upsert waits for a lock.
    eventually(
        std::time::Duration::from_secs(30),
        "the batch to wait for the writer's row",
        || async {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE datname = $1 AND wait_event_type = 'Lock'",
            )
            .bind(&db.name)
            .fetch_one(&db.pool)
            .await?;
            anyhow::Ok((waiting > 0).then_some(()))
        },
    )
    .await?;
    writer.commit().await?;
    batch.await?
}

#[tokio::test]
async fn a_stale_batch_writes_nothing_over_a_newer_row() -> anyhow::Result<()> {
    // The resume after a rebuild projects committed events into the live table while
    // other processes project inline. A row they insert after the batch locked its
    // rows must not be overwritten with an older version.
    let (db, exec) = setup().await?;
    run(&exec, "o-1", create("o-1", "c-1")).await?;
    run(&exec, "o-1", add("p", 1, "2")).await?;
    run(&exec, "o-1", OrderCommand::Place).await?;
    let log = log_by_stream(&db.pool, 3).await?;
    sqlx::query("DELETE FROM rm_orders")
        .execute(&db.pool)
        .await?;

    // A newer writer inserts o-1 at version 3 and has not committed yet.
    let model = read_models()
        .iter()
        .find(|m| m.table == "rm_orders")
        .expect("rm_orders");
    let mut writer = db.pool.begin().await?;
    model
        .project_recorded(&mut writer, "rm_orders", &log["o-1"])
        .await?;
    // The stale batch knows only version 1.
    let stale = log["o-1"][..1].to_vec();
    let applied = project_behind(&db, "rm_orders", writer, stale).await?;
    assert_eq!(applied, 0, "the stale batch wrote nothing");
    let orders = ReadModelStore::<OrderReadModel>::new(db.pool.clone());
    let o1 = orders.get("o-1").await?.expect("o-1");
    assert_eq!((o1.status.as_str(), o1.version), ("placed", 3));
    Ok(())
}

#[tokio::test]
async fn a_batch_applies_on_top_of_a_group_row_another_writer_created() -> anyhow::Result<()> {
    let (db, exec) = setup().await?;
    for (id, price) in [("o-1", "1"), ("o-2", "10")] {
        run(&exec, id, create(id, "c-1")).await?;
        run(&exec, id, add("p", 1, price)).await?;
        run(&exec, id, OrderCommand::Place).await?;
    }
    let log = log_by_stream(&db.pool, 6).await?;
    sqlx::query("DELETE FROM rm_customer_orders")
        .execute(&db.pool)
        .await?;
    sqlx::query("DELETE FROM read_model_streams WHERE table_name = 'rm_customer_orders'")
        .execute(&db.pool)
        .await?;

    // o-2's placement creates c-1's row, uncommitted; o-1's batch must add to it.
    let model = read_models()
        .iter()
        .find(|m| m.table == "rm_customer_orders")
        .expect("rm_customer_orders");
    let mut writer = db.pool.begin().await?;
    model
        .project_recorded(&mut writer, "rm_customer_orders", &log["o-2"])
        .await?;
    let applied = project_behind(&db, "rm_customer_orders", writer, log["o-1"].clone()).await?;
    assert_eq!(applied, 1, "o-1's placement");
    let customers = ReadModelStore::<CustomerOrdersReadModel>::new(db.pool.clone());
    let row = customers.get("c-1").await?.expect("customer row");
    assert_eq!(row.orders_placed, 2, "neither placement was lost");
    assert_eq!(row.total_spent, dec("11"));
    Ok(())
}
