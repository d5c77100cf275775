//! Import: products/s of `product-service import`, through its library function
//! (`import_products`: rows checked, one `Import` command per product through the
//! service's executor with inline read models), on products generated in memory.

use platform_event_sourcing::testing::TestDatabase;
use platform_service::{AppState, Config};
use product_service::import::{ImportOptions, Location, RawProduct, Record, Rows, import_products};

use crate::report::Row;

/// The workload's name in the table.
pub const IMPORT: &str = "import";

/// `products` products like the sample catalog's (one in ten without a price), as
/// CSV rows would give them.
fn records(products: usize) -> Vec<Record> {
    (0..products)
        .map(|n| {
            let price = (n % 10 != 0).then(|| format!("{}.99", 5 + n % 200));
            Record {
                location: Location::Csv {
                    file: "bench.csv".to_owned(),
                    line: n as u64 + 2,
                },
                fields: Ok(RawProduct::from_fields(
                    &format!("BENCH-{n:06}"),
                    &format!("Everyday Product {n} (slate grey)"),
                    Some("Stainless steel. Made to last, easy to care for."),
                    None,
                    price.as_deref(),
                    Some("EUR"),
                )),
            }
        })
        .collect()
}

/// Imports `products` products into a fresh catalog, `concurrency` commands at a
/// time, as `product-service import --concurrency N` does.
pub async fn products(
    db: &TestDatabase,
    products: usize,
    concurrency: usize,
) -> anyhow::Result<Row> {
    platform_read_models::prepare_read_models(&db.pool).await?;
    let url = db.url();
    let config = Config::from_defaults_and(
        product_service::DEFAULT_CONFIG,
        &[("DATABASE_URL", url.as_str()), ("LOG_LEVEL", "warn")],
    )?;
    let state = AppState::new(config, db.pool.clone());
    let options = ImportOptions {
        concurrency,
        ..ImportOptions::default()
    };
    let rows = Rows::from_records(records(products));
    let summary = import_products(&state, rows, &options, &mut ()).await?;
    anyhow::ensure!(
        summary.tally.imported == products as u64,
        "imported {} of {products} products",
        summary.tally.imported
    );
    let mut row = Row::throughput(
        IMPORT,
        format!("{products} products, CSV rows → ProductImported"),
        products,
        summary.elapsed,
    );
    row.workers = concurrency;
    Ok(row)
}
