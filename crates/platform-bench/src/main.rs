//! `platform-bench`: the platform's standard workloads against the real PostgreSQL.
//!
//! ```text
//! cargo run --release -p platform-bench -- [--orders 2000] [--workers 1,8] [--json PATH]
//! ```
//!
//! - W1: N orders × (CreateOrder, AddItem ×3, PlaceOrder), C workers on distinct
//!   orders, through the platform's command path (with and without inline read-model
//!   projection) and through HTTP: the request path alone (relay and async projector
//!   off, as in the command path), with JWT verification, and the whole service.
//! - W2: cold load of one aggregate with 10,000 events, replaying all of them (100
//!   loads) and from a snapshot 99 events behind (1,000 loads).
//! - W3: rebuild of every read model from a log of 1,000,000 events (events/s).
//! - W4: append → subscriber latency at 1,000 events/s through the outbox relay,
//!   RabbitMQ and the subscriber runtime; relay throughput on a 100,000-event backlog;
//!   the subscriber runtime draining a 100,000-message backlog (inbox included).
//! - import: `product-service import`'s library function importing N products (rows
//!   checked, one `Import` command each through the service's executor and inline
//!   read models), C commands at a time; products/s.
//! - W5: order placed → stock reserved at 200 orders/s across two services in this
//!   process, each on a database of its own: the order service's command path and
//!   relay, RabbitMQ, the product service's `order-stock` subscriber reserving each
//!   line (p50/p99 from the PlaceOrder commit to the lines' `InventoryReserved` commit).
//!
//! Each workload is shown next to the limit it is judged against, measured in the same
//! run (the `× limit` column): W1 against a raw one-row-per-commit `INSERT` loop at the
//! same worker count (and so is the import), W2 against a raw `SELECT` of the same
//! rows (a time ratio: lower is better), W4 against a bare lapin publisher with confirms and a bare consumer doing
//! one `INSERT` per message. Each run uses a database of its own, dropped at the end.

mod import;
mod limits;
mod report;
mod stock;
mod w1;
mod w2;
mod w3;
mod w4;

use clap::Parser;
use platform_event_sourcing::testing::TestDatabase;

use crate::limits::{LIMIT_APPEND, LIMIT_CONSUME, LIMIT_PUBLISH, LIMIT_SELECT};
use crate::report::{Measure, Report};

/// Command line of the benchmark.
#[derive(Debug, Parser)]
#[command(about = "Benchmark of the platform's standard workloads")]
struct Args {
    /// Orders per W1 run (each is 5 commands).
    #[arg(long, default_value_t = 2000)]
    orders: usize,
    /// Worker counts for W1, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,8")]
    workers: Vec<usize>,
    /// Events in the W2 aggregate.
    #[arg(long, default_value_t = 10_000)]
    w2_events: usize,
    /// W2 loads without a snapshot (ten times as many with one).
    #[arg(long, default_value_t = 100)]
    w2_runs: usize,
    /// Events in the W3 log to rebuild read models from (0 skips W3).
    #[arg(long, default_value_t = 1_000_000)]
    w3_events: usize,
    /// Events per transaction when W3 rebuilds.
    #[arg(long, default_value_t = platform_read_models::DEFAULT_BATCH_SIZE)]
    w3_batch_size: i64,
    /// W4 append rate, events per second.
    #[arg(long, default_value_t = 1000)]
    w4_rate: u32,
    /// W4 latency run length in seconds (0 skips it).
    #[arg(long, default_value_t = 10)]
    w4_seconds: u64,
    /// Events in the W4 relay backlog (0 skips it).
    #[arg(long, default_value_t = 100_000)]
    w4_relay_events: usize,
    /// W5 run length in seconds: orders placed at `--stock-rate` (0 skips W5).
    #[arg(long, default_value_t = 5)]
    stock_latency_seconds: u64,
    /// W5 orders placed per second.
    #[arg(long, default_value_t = 200)]
    stock_rate: u32,
    /// W5 SKUs with stock (each order's lines take them in turn).
    #[arg(long, default_value_t = 50)]
    stock_skus: usize,
    /// Skip the HTTP variant of W1.
    #[arg(long)]
    skip_http: bool,
    /// Of W1, run only the limit and the HTTP variants (e.g. to profile HTTP).
    #[arg(long)]
    only_http: bool,
    /// `GROUP_COMMIT_WRITERS` of the W1 service (0: each command commits alone; default:
    /// the service's).
    #[arg(long)]
    group_commit_writers: Option<usize>,
    /// Skip W2.
    #[arg(long)]
    skip_w2: bool,
    /// Products per import run, at each worker count as its concurrency (0 skips it).
    #[arg(long, default_value_t = 3000)]
    import_products: usize,
    /// Where to write the JSON results.
    #[arg(long, default_value = "bench-results/results.json")]
    json: std::path::PathBuf,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(writers) = args.group_commit_writers {
        let _ = w1::GROUP_COMMIT_WRITERS.set(writers);
    }
    let mut report = Report::default();
    for &workers in &args.workers {
        let db = TestDatabase::new().await?;
        report.push(limits::raw_append(&db, args.orders * 5, workers).await?);
        if !args.only_http {
            let db = TestDatabase::new().await?;
            report.push(w1::no_read_models(&db, args.orders, workers).await?);
            let db = TestDatabase::new().await?;
            platform_read_models::prepare_read_models(&db.pool).await?;
            report.push(w1::command_path(&db, args.orders, workers).await?);
            let db = TestDatabase::new().await?;
            platform_read_models::prepare_read_models(&db.pool).await?;
            report.push(w1::two_tenants(&db, args.orders, workers).await?);
        }
        if !args.skip_http {
            for (jwt, full) in [(false, false), (true, false), (false, true)] {
                let db = TestDatabase::new().await?;
                report.push(w1::http(&db, args.orders, workers, jwt, full).await?);
            }
        }
        if args.import_products > 0 {
            let db = TestDatabase::new().await?;
            report.push(import::products(&db, args.import_products, workers).await?);
        }
    }
    if !args.skip_w2 {
        let db = TestDatabase::new().await?;
        for row in w2::load(&db, args.w2_events, args.w2_runs).await? {
            report.push(row);
        }
    }
    if args.w3_events > 0 {
        let db = TestDatabase::new().await?;
        for row in w3::rebuild_rate(&db, args.w3_events, args.w3_batch_size).await? {
            report.push(row);
        }
    }
    if args.w4_seconds > 0 {
        let db = TestDatabase::new().await?;
        report.push(w4::latency(&db, args.w4_rate, args.w4_seconds).await?);
    }
    if args.w4_relay_events > 0 {
        let db = TestDatabase::new().await?;
        for row in limits::bare_bus(&db, args.w4_relay_events).await? {
            report.push(row);
        }
        let db = TestDatabase::new().await?;
        report.push(w4::relay_throughput(&db, args.w4_relay_events).await?);
        let db = TestDatabase::new().await?;
        report.push(w4::subscriber_backlog(&db, args.w4_relay_events).await?);
    }
    if args.stock_latency_seconds > 0 {
        let orders_db = TestDatabase::new().await?;
        let products_db = TestDatabase::new().await?;
        let run = stock::StockRun {
            skus: args.stock_skus,
            rate: args.stock_rate,
            seconds: args.stock_latency_seconds,
        };
        report.push(stock::latency(&orders_db, &products_db, run).await?);
    }
    report.relate("W1", "", LIMIT_APPEND, Measure::Throughput);
    report.relate_to(import::IMPORT, "", "W1", LIMIT_APPEND, Measure::Throughput);
    report.relate("W2", "load", LIMIT_SELECT, Measure::Time);
    report.relate("W4", "relay", LIMIT_PUBLISH, Measure::Throughput);
    report.relate(
        "W4",
        w4::SUBSCRIBER_BACKLOG,
        LIMIT_CONSUME,
        Measure::Throughput,
    );
    report.print();
    report.write_json(&args.json)?;
    eprintln!("results written to {}", args.json.display());
    Ok(())
}
