//! W3: rebuilding read models from a large log (catch-up rate).

use std::time::Instant;

use platform_event_sourcing::testing::TestDatabase;
use platform_read_models::{RebuildOptions, prepare_read_models, read_models, rebuild};

use crate::report::Row;

/// Writes `events` order events straight to the log (4 per order), then rebuilds every
/// order read model from it; one row per model.
pub async fn rebuild_rate(
    db: &TestDatabase,
    events: usize,
    batch_size: i64,
) -> anyhow::Result<Vec<Row>> {
    prepare_read_models(&db.pool).await?;
    let orders = (events / 4).max(1) as i64;
    let started = Instant::now();
    sqlx::query(
        "INSERT INTO events (event_id, stream_id, aggregate_type, version, event_type, payload) \
         SELECT gen_random_uuid(), 'o-' || o, 'Order', v, \
                (ARRAY['OrderCreated', 'ItemAdded', 'ItemAdded', 'OrderPlaced'])[v], \
                CASE v \
                  WHEN 1 THEN jsonb_build_object('orderId', 'o-' || o, 'customerId', 'c-' || (o % 5000)) \
                  WHEN 4 THEN jsonb_build_object('orderId', 'o-' || o, 'customerId', 'c-' || (o % 5000), \
                                                 'total', '109.97') \
                  ELSE jsonb_build_object('orderId', 'o-' || o, 'productId', 'p-' || (o % 200 + v), \
                                          'quantity', v, 'price', '29.99') \
                END \
         FROM generate_series(1, $1) o, generate_series(1, 4) v ORDER BY o, v",
    )
    .bind(orders)
    .execute(&db.pool)
    .await?;
    sqlx::query("ANALYZE events").execute(&db.pool).await?;
    eprintln!(
        "W3: wrote {} events in {:.1}s",
        orders * 4,
        started.elapsed().as_secs_f64()
    );
    let options = RebuildOptions {
        batch_size,
        only_if_stale: false,
    };
    let mut rows = Vec::new();
    // The order read models only: other services linked into the bench (the product
    // service, for the import workload) have read models these events never feed.
    for model in read_models().iter().filter(|m| m.aggregate_type == "Order") {
        let report = rebuild(&db.pool, model, options, |_| {}).await?;
        rows.push(Row::throughput(
            "W3",
            format!("rebuild {}", model.table),
            report.events as usize,
            report.elapsed,
        ));
    }
    Ok(rows)
}
