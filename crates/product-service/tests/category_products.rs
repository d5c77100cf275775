//! group_by models whose streams move between groups (`left = "field"` and
//! `#[on_leave]`), against a real PostgreSQL: `rm_category_products` inline, a catch-up
//! rebuild and a replay of the log giving the same rows, commands racing on the same
//! categories, and an async model of the same shape followed by its projector.

use std::sync::Arc;
use std::time::Duration;

use platform_core::{EventEnvelope, Metadata};
use platform_event_sourcing::testing::{TestDatabase, eventually};
use platform_event_sourcing::{
    AggregateCache, CommandExecutor, ExecuteError, LogPosition, PgEventStore, RecordedEvent,
    StreamExpectation,
};
use platform_read_models::{
    InlineProjection, ProjectionGate, Projector, ProjectorMonitor, ProjectorOptions, ReadModel,
    ReadModelRegistration, ReadModelStore, RebuildOptions, prepare_read_models, rebuild,
};
use product_service::domain::{Product, ProductCommand, ProductEvent};
use product_service::read_models::CategoryProductsReadModel;
use sqlx::PgPool;
use tokio::sync::watch;

const WAIT: Duration = Duration::from_secs(30);

/// Products per category, projected asynchronously: the same moves as
/// `rm_category_products`, counted.
#[derive(Debug, Clone, PartialEq, ReadModel)]
#[read_model(
    table = "rm_test_category_sizes",
    aggregate = Product,
    group_by = category_id,
    projection = "async"
)]
struct CategorySizes {
    #[map_from_event(ProductCreated)]
    #[map_from_event(ProductImported)]
    #[map_from_event(ProductCategorised, left = "previousCategoryId")]
    category_id: String,
    #[reduce(ProductCreated, ProductImported, ProductCategorised, with = count_in)]
    #[on_leave(with = count_out)]
    products: i64,
}

fn count_in(products: &mut i64, _: &EventEnvelope<ProductEvent>) {
    *products += 1;
}

fn count_out(products: &mut i64, _: &EventEnvelope<ProductEvent>) {
    *products -= 1;
}

type Executor = CommandExecutor<InlineProjection>;

fn executor(db: &TestDatabase) -> Executor {
    CommandExecutor::new(
        PgEventStore::new(db.pool.clone()),
        Arc::new(AggregateCache::new(100)),
        5,
    )
    .with_append_path(InlineProjection::new(100, Arc::new(ProjectionGate::new())))
}

async fn setup() -> anyhow::Result<(TestDatabase, Executor)> {
    let db = TestDatabase::new().await?;
    prepare_read_models(&db.pool).await?;
    let exec = executor(&db);
    Ok((db, exec))
}

async fn run(exec: &Executor, sku: &str, command: ProductCommand) -> Result<i64, ExecuteError> {
    let expectation = match command {
        ProductCommand::Create { .. } | ProductCommand::Import { .. } => StreamExpectation::New,
        _ => StreamExpectation::Existing,
    };
    exec.execute::<Product>(sku, expectation, command, &Metadata::default())
        .await
        .map(|done| done.version)
}

async fn create(exec: &Executor, sku: &str, category: Option<&str>) -> anyhow::Result<()> {
    let command = ProductCommand::Create {
        sku: sku.into(),
        name: format!("Product {sku}"),
        description: String::new(),
        category_id: category.map(str::to_owned),
    };
    run(exec, sku, command).await?;
    Ok(())
}

async fn import(exec: &Executor, sku: &str, category: Option<&str>) -> anyhow::Result<()> {
    let command = ProductCommand::Import {
        sku: sku.into(),
        name: format!("Imported {sku}"),
        description: String::new(),
        category_id: category.map(str::to_owned),
        price: None,
        source: "test.csv".into(),
    };
    run(exec, sku, command).await?;
    Ok(())
}

async fn categorise(exec: &Executor, sku: &str, category: Option<&str>) -> anyhow::Result<()> {
    let command = ProductCommand::Categorise {
        category_id: category.map(str::to_owned),
    };
    run(exec, sku, command).await?;
    Ok(())
}

/// Every category's SKUs, as `category=[skus]`, sorted by category.
async fn categories(pool: &PgPool) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT category_id || '=' || skus::text FROM rm_category_products ORDER BY 1",
    )
    .fetch_all(pool)
    .await?)
}

/// Every row of a table with its platform columns, as text, sorted.
async fn rows(pool: &PgPool, table: &str) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT to_jsonb(t)::text FROM \"{table}\" t ORDER BY 1"
    ))
    .fetch_all(pool)
    .await?)
}

fn model(table: &str) -> &'static ReadModelRegistration {
    ReadModelRegistration::find(table).expect("registered read model")
}

/// Every event of the log once readable (other tests' open transactions hold the
/// gap-safe head back).
async fn whole_log(pool: &PgPool, expected: usize) -> anyhow::Result<Vec<RecordedEvent>> {
    let store = PgEventStore::new(pool.clone());
    eventually(WAIT, "the events to be readable", || async {
        let events = store.read_all(LogPosition::START, 10_000).await?;
        anyhow::Ok((events.len() == expected).then_some(events))
    })
    .await
}

/// Products created, imported and moved between `a`, `b` and no category; 14 events.
async fn workload(exec: &Executor) -> anyhow::Result<()> {
    create(exec, "p1", Some("a")).await?;
    create(exec, "p2", Some("a")).await?;
    create(exec, "p3", None).await?;
    import(exec, "p4", Some("b")).await?;
    categorise(exec, "p1", Some("b")).await?; // a → b
    categorise(exec, "p3", Some("a")).await?; // none → a
    categorise(exec, "p2", None).await?; // a → none
    import(exec, "p5", None).await?;
    categorise(exec, "p5", Some("a")).await?;
    categorise(exec, "p1", Some("a")).await?; // b → a
    categorise(exec, "p1", Some("b")).await?; // a → b again
    categorise(exec, "p4", Some("c")).await?; // b → c
    run(
        exec,
        "p2",
        ProductCommand::ChangeDetails {
            name: "Renamed".into(),
            description: String::new(),
        },
    )
    .await?;
    run(exec, "p4", ProductCommand::Discontinue { reason: None }).await?;
    Ok(())
}

const AFTER_WORKLOAD: [&str; 3] = [r#"a=["p3", "p5"]"#, r#"b=["p1"]"#, r#"c=["p4"]"#];

#[tokio::test]
async fn a_product_leaves_the_category_it_was_in_inline() -> anyhow::Result<()> {
    let (db, exec) = setup().await?;
    let store = ReadModelStore::<CategoryProductsReadModel>::new(db.pool.clone());
    create(&exec, "p1", Some("a")).await?;
    create(&exec, "p2", Some("a")).await?;
    create(&exec, "p3", None).await?;
    let skus = |row: Option<CategoryProductsReadModel>| row.map(|r| r.skus);
    assert_eq!(
        skus(store.get("a").await?),
        Some(vec!["p1".into(), "p2".into()])
    );
    // No category: no row is touched.
    assert_eq!(categories(&db.pool).await?, [r#"a=["p1", "p2"]"#]);

    categorise(&exec, "p1", Some("b")).await?;
    assert_eq!(skus(store.get("a").await?), Some(vec!["p2".into()]));
    assert_eq!(skus(store.get("b").await?), Some(vec!["p1".into()]));
    categorise(&exec, "p2", None).await?;
    assert_eq!(skus(store.get("a").await?), Some(Vec::new()), "p2 left a");
    categorise(&exec, "p3", Some("a")).await?;
    categorise(&exec, "p1", Some("a")).await?;
    assert_eq!(
        categories(&db.pool).await?,
        [r#"a=["p1", "p3"]"#, r#"b=[]"#]
    );
    Ok(())
}

#[tokio::test]
async fn a_rebuild_and_a_replay_of_the_log_give_the_inline_rows() -> anyhow::Result<()> {
    let (db, exec) = setup().await?;
    workload(&exec).await?;
    assert_eq!(categories(&db.pool).await?, AFTER_WORKLOAD);
    let inline = rows(&db.pool, "rm_category_products").await?;

    // Redelivery: the whole log again applies nothing.
    let rm = model("rm_category_products");
    let log = whole_log(&db.pool, 14).await?;
    let mut conn = db.pool.acquire().await?;
    assert_eq!(rm.project_recorded(&mut conn, rm.table, &log).await?, 0);
    assert_eq!(rows(&db.pool, "rm_category_products").await?, inline);

    // Catch-up: the same rows, platform columns included.
    rebuild(&db.pool, rm, RebuildOptions::default(), |_| {}).await?;
    assert_eq!(rows(&db.pool, "rm_category_products").await?, inline);

    // From scratch, one event per transaction (a projector's smallest batches), each
    // delivered twice: the same rows.
    sqlx::query("DELETE FROM rm_category_products")
        .execute(&db.pool)
        .await?;
    sqlx::query("DELETE FROM read_model_streams WHERE table_name = 'rm_category_products'")
        .execute(&db.pool)
        .await?;
    for event in &log {
        for _ in 0..2 {
            rm.project_recorded(&mut conn, rm.table, std::slice::from_ref(event))
                .await?;
        }
    }
    assert_eq!(rows(&db.pool, "rm_category_products").await?, inline);

    // A small batch size splits moves across the rebuild's batches.
    let options = RebuildOptions {
        batch_size: 3,
        only_if_stale: false,
    };
    rebuild(&db.pool, rm, options, |_| {}).await?;
    assert_eq!(rows(&db.pool, "rm_category_products").await?, inline);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn moves_racing_on_the_same_categories_lose_nothing() -> anyhow::Result<()> {
    // Two "processes" (their own row caches) move eight products back and forth
    // between two categories at once.
    let (db, a) = setup().await?;
    let b = executor(&db);
    let products: Vec<String> = (0..8).map(|i| format!("p{i}")).collect();
    for sku in &products {
        create(&a, sku, Some("x")).await?;
    }
    let mut tasks = Vec::new();
    for (i, sku) in products.iter().enumerate() {
        let exec = if i % 2 == 0 { a.clone() } else { b.clone() };
        let sku = sku.clone();
        tasks.push(tokio::spawn(async move {
            for round in 0..6 {
                let to = if round % 2 == 0 { "y" } else { "x" };
                categorise(&exec, &sku, Some(to)).await?;
            }
            // Odd products end in y, even ones in none.
            let last = if i % 2 == 1 { Some("y") } else { None };
            categorise(&exec, &sku, last).await?;
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let store = ReadModelStore::<CategoryProductsReadModel>::new(db.pool.clone());
    let sorted = |row: Option<CategoryProductsReadModel>| {
        let mut skus = row.map(|r| r.skus).unwrap_or_default();
        skus.sort();
        skus
    };
    assert_eq!(sorted(store.get("x").await?), Vec::<String>::new());
    assert_eq!(sorted(store.get("y").await?), ["p1", "p3", "p5", "p7"]);
    let inline = categories(&db.pool).await?;
    rebuild(
        &db.pool,
        model("rm_category_products"),
        RebuildOptions::default(),
        |_| {},
    )
    .await?;
    assert_eq!(categories(&db.pool).await?, inline);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_projector_moves_streams_between_groups() -> anyhow::Result<()> {
    let (db, exec) = setup().await?;
    let monitor = ProjectorMonitor::default();
    let options = ProjectorOptions {
        batch_size: 4,
        poll_interval: Duration::from_millis(100),
        lease_retry: Duration::from_millis(100),
    };
    let sizes = model("rm_test_category_sizes");
    let projector = Projector::new(db.pool.clone(), sizes, options, monitor.clone());
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(projector.run(stopped));

    workload(&exec).await?;
    let expected = ["a=2", "b=1", "c=1"];
    let counts = || async {
        let counts: Vec<String> = sqlx::query_scalar(
            "SELECT category_id || '=' || products FROM rm_test_category_sizes ORDER BY 1",
        )
        .fetch_all(&db.pool)
        .await?;
        anyhow::Ok(counts)
    };
    eventually(WAIT, "the projector to apply every move", || async {
        anyhow::Ok((counts().await? == expected).then_some(()))
    })
    .await?;
    let projected = rows(&db.pool, sizes.table).await?;
    let _ = stop.send(true);
    task.await?;

    // A catch-up rebuild of the async model gives the same rows.
    rebuild(&db.pool, sizes, RebuildOptions::default(), |_| {}).await?;
    assert_eq!(rows(&db.pool, sizes.table).await?, projected);
    assert_eq!(counts().await?, expected);
    Ok(())
}
