//! `product-service import`: the real binary on a throwaway database, importing the
//! sample CSV, the bad-rows file and a table of another database.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use platform_event_sourcing::testing::TestDatabase;
use rust_decimal::Decimal;

/// The sample catalog shipped with the service (3,000 rows).
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/products.csv");
/// One bad row of each kind between three good ones.
const BAD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/products-bad.csv");

/// The binary on `db`, with `args` after `import`: no message bus, quiet logs.
fn import(db: &TestDatabase, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_product-service"))
        .arg("import")
        .args(args)
        .env_remove("DATABASE_URL")
        .env("DATABASE_URL", db.url())
        .env("MESSAGE_BUS_ENABLED", "false")
        .env("LOG_LEVEL", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("run the binary")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The summary line, up to its timing.
fn summary(output: &Output) -> String {
    let out = stdout(output);
    let line = out.lines().last().unwrap_or_default();
    line.split(" in ").next().unwrap_or_default().to_owned()
}

async fn count(db: &TestDatabase, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&db.pool)
        .await
        .expect("a count")
}

async fn product_events(db: &TestDatabase) -> i64 {
    count(
        db,
        "SELECT count(*) FROM events WHERE aggregate_type = 'Product' AND event_type = 'ProductImported'",
    )
    .await
}

/// Data rows of a CSV file (its records after the header).
fn csv_rows(path: &str) -> i64 {
    let mut reader = csv::Reader::from_path(Path::new(path)).expect("the sample file");
    reader.records().count() as i64
}

#[derive(Debug, sqlx::FromRow)]
struct ProductRow {
    name: String,
    description: String,
    price_amount: Option<Decimal>,
    price_currency: Option<String>,
    version: i64,
}

#[tokio::test]
async fn the_sample_imports_once_and_a_second_run_imports_nothing() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let rows = csv_rows(SAMPLE);
    assert_eq!(rows, 3000);

    let first = import(&db, &["--csv", SAMPLE]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(
        summary(&first),
        format!("imported {rows}, already there 0, bad 0")
    );
    assert!(stdout(&first).contains("products/s)"), "{}", stdout(&first));
    assert_eq!(product_events(&db).await, rows);
    assert_eq!(count(&db, "SELECT count(*) FROM rm_products").await, rows);

    // The second line of the file, through its read-model row.
    let row: ProductRow = sqlx::query_as(
        "SELECT name, description, price_amount, price_currency, version FROM rm_products WHERE sku = 'GRD-10001'",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(row.name, "Essential Garden Trowel (white)");
    assert_eq!(
        row.description,
        "recycled plastic, white; ships in recyclable packaging."
    );
    assert_eq!(row.price_amount, Some(Decimal::new(4699, 2)));
    assert_eq!(row.price_currency.as_deref(), Some("EUR"));
    assert_eq!(row.version, 1);
    let unpriced = count(
        &db,
        "SELECT count(*) FROM rm_products WHERE price_amount IS NULL",
    )
    .await;
    assert!((200..=400).contains(&unpriced), "{unpriced}");

    // The event's metadata: the import user, the run's correlation, the line.
    let metadata: serde_json::Value =
        sqlx::query_scalar("SELECT metadata FROM events WHERE stream_id = 'GRD-10001'")
            .fetch_one(&db.pool)
            .await?;
    assert_eq!(metadata["userId"], "import");
    assert!(
        metadata["correlationId"]
            .as_str()
            .is_some_and(|c| c.starts_with("import-")),
        "{metadata}"
    );
    assert_eq!(metadata["causationId"], format!("csv:{SAMPLE}:3"));

    let second = import(&db, &["--csv", SAMPLE, "--concurrency", "4"]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(
        summary(&second),
        format!("imported 0, already there {rows}, bad 0")
    );
    assert_eq!(product_events(&db).await, rows);
    Ok(())
}

/// The bad rows of `products-bad.csv`, by line, with a word of their reason.
const BAD_ROWS: [(u32, &str); 9] = [
    (3, "invalid_sku"),
    (5, "name_required"),
    (6, "invalid_price"),
    (7, "invalid_currency"),
    (8, "is not a decimal"),
    (9, "duplicate SKU GOOD-1: already at"),
    (10, "has no currency"),
    (11, "does not exist in the catalog"),
    (12, "unreadable row: 2 fields where the header has 6"),
];

#[tokio::test]
async fn bad_rows_are_reported_by_line_and_skipped() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let output = import(&db, &["--csv", BAD]);
    let err = stderr(&output);
    assert!(output.status.success(), "{err}");
    assert_eq!(summary(&output), "imported 3, already there 0, bad 9");
    let reported: Vec<&str> = err.lines().filter(|l| l.starts_with("bad row ")).collect();
    assert_eq!(reported.len(), BAD_ROWS.len(), "{err}");
    for ((line, reason), reported) in BAD_ROWS.iter().zip(&reported) {
        let at = format!("bad row {BAD}:{line}: ");
        assert!(reported.starts_with(&at), "line {line}: {reported}");
        assert!(reported.contains(reason), "line {line}: {reported}");
    }
    let skus: Vec<String> = sqlx::query_scalar("SELECT sku FROM rm_products ORDER BY sku")
        .fetch_all(&db.pool)
        .await?;
    assert_eq!(skus, ["GOOD-1", "GOOD-2", "GOOD-3"]);
    let description: String =
        sqlx::query_scalar("SELECT description FROM rm_products WHERE sku = 'GOOD-3'")
            .fetch_one(&db.pool)
            .await?;
    assert_eq!(description, "Stoneware, 300 ml");
    Ok(())
}

#[tokio::test]
async fn strict_stops_at_the_first_bad_row() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let output = import(&db, &["--csv", BAD, "--strict"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    let bad: Vec<&str> = err.lines().filter(|l| l.starts_with("bad row ")).collect();
    assert_eq!(bad.len(), 1, "{err}");
    assert!(bad[0].starts_with(&format!("bad row {BAD}:3: ")), "{err}");
    let last = err.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(&format!(
            "error: stopped at the first bad row (--strict): {BAD}:3: "
        )) && last.ends_with("the 1 products imported before it stay imported"),
        "{err}"
    );
    // The row before it is imported; nothing after it is.
    let skus: Vec<String> = sqlx::query_scalar("SELECT sku FROM rm_products")
        .fetch_all(&db.pool)
        .await?;
    assert_eq!(skus, ["GOOD-1"]);
    Ok(())
}

#[tokio::test]
async fn a_table_of_another_database_imports_in_sku_order() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let legacy = TestDatabase::empty().await?;
    sqlx::raw_sql(
        r#"
        CREATE TABLE products (
            id serial PRIMARY KEY,
            sku varchar(64) NOT NULL,
            name text,
            description text,
            price numeric(12, 2),
            currency char(3),
            stock integer
        );
        INSERT INTO products (sku, name, description, price, currency, stock) VALUES
            ('LEG-2', 'Lamp', NULL, 24.50, 'EUR', 3),
            ('LEG-1', 'Chair', 'Oak', 120, 'EUR', 0),
            ('LEG-3', 'Rug', 'Wool', NULL, NULL, 1),
            ('LEG 4', 'Broken', NULL, 5, 'EUR', 0);
        "#,
    )
    .execute(&legacy.pool)
    .await?;
    let output = import(
        &db,
        &["--from-table", "products", "--source-url", &legacy.url()],
    );
    let err = stderr(&output);
    assert!(output.status.success(), "{err}");
    assert_eq!(summary(&output), "imported 3, already there 0, bad 1");
    assert!(
        err.contains(r#"bad row products row 1 (sku "LEG 4"): "#),
        "{err}"
    );
    let row: ProductRow = sqlx::query_as(
        "SELECT name, description, price_amount, price_currency, version FROM rm_products WHERE sku = 'LEG-2'",
    )
    .fetch_one(&db.pool)
    .await?;
    assert_eq!(row.name, "Lamp");
    assert_eq!(row.description, "");
    assert_eq!(row.price_amount, Some(Decimal::new(2450, 2)));
    let causation: String =
        sqlx::query_scalar("SELECT metadata->>'causationId' FROM events WHERE stream_id = 'LEG-1'")
            .fetch_one(&db.pool)
            .await?;
    assert_eq!(causation, "table:products:LEG-1");

    let missing = import(
        &db,
        &[
            "--from-table",
            "no_such_table",
            "--source-url",
            &legacy.url(),
        ],
    );
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(
        stderr(&missing).lines().last(),
        Some("error: table no_such_table: no such table")
    );
    Ok(())
}

#[tokio::test]
async fn a_missing_file_or_an_unreadable_header_is_one_clear_line() -> anyhow::Result<()> {
    let db = TestDatabase::new().await?;
    let missing = import(&db, &["--csv", "/no/such/products.csv"]);
    let err = stderr(&missing);
    assert_eq!(missing.status.code(), Some(1), "{err}");
    assert_eq!(
        err.lines().last(),
        Some("error: cannot open /no/such/products.csv: No such file or directory (os error 2)"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");

    let dir = std::env::temp_dir().join(format!("import-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    for (content, reason) in [
        ("", "the file is empty"),
        ("sku,title,price\nA,B,1\n", "unknown column \"title\""),
        ("sku,description\nA,B\n", "no \"name\" column"),
    ] {
        let path = dir.join("header.csv");
        std::fs::write(&path, content)?;
        let path = path.display().to_string();
        let output = import(&db, &["--csv", &path]);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{err}");
        let last = err.lines().last().unwrap_or_default();
        assert!(
            last.starts_with(&format!("error: {path}: unreadable header: {reason}")),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    std::fs::remove_dir_all(&dir)?;

    let neither = import(&db, &[]);
    assert_eq!(neither.status.code(), Some(2), "{}", stderr(&neither));
    assert_eq!(count(&db, "SELECT count(*) FROM events").await, 0);
    Ok(())
}
