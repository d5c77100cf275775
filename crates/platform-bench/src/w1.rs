//! W1: the order flow, through the command path and through HTTP.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::try_join_all;
use hdrhistogram::Histogram;
use order_contracts::{AddItem, CreateOrder, Decimal, PlaceOrder};
use order_service::commands::{AddItemHandler, CreateOrderHandler, PlaceOrderHandler};
use order_service::domain::{DEFAULT_MAX_LINES, Order, OrderCommand};
use platform_core::AuthenticatedUser;
use platform_core::Metadata;
use platform_event_sourcing::testing::TestDatabase;
use platform_event_sourcing::{AggregateCache, CommandExecutor, PgEventStore, StreamExpectation};
use platform_service::{AppState, Caller, CommandHandler, Config, issue_development_token};
use serde_json::json;
use tokio::sync::oneshot;

use platform_messaging::testing::TestBus;

use crate::report::{Row, histogram};

fn config(db: &TestDatabase) -> anyhow::Result<Config> {
    config_on(db, "platform")
}

/// The service's configuration, broadcasting on `exchange`.
fn config_on(db: &TestDatabase, exchange: &str) -> anyhow::Result<Config> {
    let url = db.url();
    let writers = GROUP_COMMIT_WRITERS.get().map(usize::to_string);
    let mut settings = vec![
        ("DATABASE_URL", url.as_str()),
        ("LOG_LEVEL", "warn"),
        ("MESSAGE_BUS_EXCHANGE", exchange),
    ];
    if let Some(writers) = &writers {
        settings.push(("GROUP_COMMIT_WRITERS", writers.as_str()));
    }
    Ok(Config::from_defaults_and(
        order_service::DEFAULT_CONFIG,
        &settings,
    )?)
}

/// `GROUP_COMMIT_WRITERS` of the run, when `--group-commit-writers` overrides the
/// service's default.
pub static GROUP_COMMIT_WRITERS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// Orders spread over 2,000 customers (a single one would serialise every placement on
/// its `rm_customer_orders` row).
fn customer() -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let next = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("customer-{}", next % 2_000)
}

fn add_item(order_id: &str, i: usize) -> AddItem {
    AddItem {
        order_id: order_id.to_owned(),
        product_id: format!("product-{i}"),
        quantity: 2,
        price: Decimal::new(2999, 2),
    }
}

/// Runs one step, recording how long it took.
async fn timed<T>(
    hist: &mut Histogram<u64>,
    step: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    let started = Instant::now();
    let out = step.await?;
    hist.record(started.elapsed().as_micros() as u64)?;
    Ok(out)
}

/// Splits `orders` across `workers` and merges their latency histograms.
async fn run_workers<F, Fut>(
    orders: usize,
    workers: usize,
    work: F,
) -> anyhow::Result<(Histogram<u64>, Duration)>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<Histogram<u64>>> + Send + 'static,
{
    let work = Arc::new(work);
    let started = Instant::now();
    let tasks = (0..workers).map(|w| {
        let work = Arc::clone(&work);
        let share = orders / workers + usize::from(w < orders % workers);
        tokio::spawn(async move { work(share).await })
    });
    let results = try_join_all(tasks).await?;
    let wall = started.elapsed();
    let mut all = histogram();
    for h in results {
        all.add(h?)?;
    }
    Ok((all, wall))
}

/// W1 through the executor alone: the order aggregate's commands appended without
/// read models (the command path's cost without projection).
pub async fn no_read_models(
    db: &TestDatabase,
    orders: usize,
    workers: usize,
) -> anyhow::Result<Row> {
    let executor = CommandExecutor::new(
        PgEventStore::new(db.pool.clone())
            .with_group_commit(config(db)?.commands.group_commit_writers),
        Arc::new(AggregateCache::new(
            config(db)?.commands.aggregate_cache_size,
        )),
        config(db)?.commands.max_attempts,
    );
    let (hist, wall) = run_workers(orders, workers, move |share| {
        let executor = executor.clone();
        async move {
            let mut hist = histogram();
            let metadata = Metadata::default();
            for _ in 0..share {
                let order_id = uuid::Uuid::now_v7().to_string();
                let create = OrderCommand::Create {
                    order_id: order_id.clone(),
                    customer_id: customer(),
                    created_by: None,
                };
                let adds = (0..3).map(|i| {
                    let item = add_item(&order_id, i);
                    OrderCommand::AddItem {
                        product_id: item.product_id,
                        quantity: item.quantity,
                        price: item.price,
                        max_lines: DEFAULT_MAX_LINES,
                    }
                });
                let steps = std::iter::once((StreamExpectation::New, create))
                    .chain(adds.map(|add| (StreamExpectation::Existing, add)))
                    .chain([(StreamExpectation::Existing, OrderCommand::Place)]);
                for (expectation, command) in steps {
                    let step =
                        executor.execute::<Order>(&order_id, expectation, command, &metadata);
                    timed(&mut hist, async { Ok(step.await?) }).await?;
                }
            }
            Ok(hist)
        }
    })
    .await?;
    Ok(Row::from_histogram(
        "W1",
        "order flow, no read models",
        workers,
        &hist,
        wall,
    ))
}

/// One order's flow through the handlers, called directly as `caller`: CreateOrder,
/// AddItem ×3, PlaceOrder, each step's time in `hist`.
async fn order_flow(
    state: &AppState,
    caller: &Caller,
    customer_id: String,
    hist: &mut Histogram<u64>,
) -> anyhow::Result<()> {
    let ctx = || state.command_context(Metadata::default(), caller.clone());
    let create = CreateOrder { customer_id };
    let created = timed(hist, async {
        Ok(CreateOrderHandler::handle(ctx(), create).await?)
    })
    .await?;
    for i in 0..3 {
        let add = add_item(&created.order_id, i);
        timed(hist, async {
            Ok(AddItemHandler::handle(ctx(), add).await?)
        })
        .await?;
    }
    let place = PlaceOrder {
        order_id: created.order_id,
    };
    timed(hist, async {
        Ok(PlaceOrderHandler::handle(ctx(), place).await?)
    })
    .await?;
    Ok(())
}

/// W1 through the platform's command path (handlers called directly, no HTTP), read
/// models projected inline.
pub async fn command_path(db: &TestDatabase, orders: usize, workers: usize) -> anyhow::Result<Row> {
    let state = AppState::new(config(db)?, db.pool.clone());
    let (hist, wall) = run_workers(orders, workers, move |share| {
        let state = state.clone();
        async move {
            let mut hist = histogram();
            let caller = Caller::anonymous();
            for _ in 0..share {
                order_flow(&state, &caller, customer(), &mut hist).await?;
            }
            Ok(hist)
        }
    })
    .await?;
    Ok(Row::from_histogram(
        "W1",
        "order flow, command path",
        workers,
        &hist,
        wall,
    ))
}

/// Secret of the bench's bearer tokens (HS256 wants at least 32 bytes).
const JWT_SECRET: &str = "platform-bench-secret-of-at-least-32-bytes";

/// W1 through HTTP against the service running in this process, its outbox relay
/// broadcasting on an exchange of the run's own; with `jwt`, every request carries a
/// bearer token the service verifies.
pub async fn http(
    db: &TestDatabase,
    orders: usize,
    workers: usize,
    jwt: bool,
    full: bool,
) -> anyhow::Result<Row> {
    let mut bus = TestBus::new().await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}/api/commands", listener.local_addr()?);
    let (stop, stopped) = oneshot::channel::<()>();
    // Every handler linked in runs (the bench's probes, the order service's and the
    // product service's subscribers): under a name of the run's own, their queues are
    // deleted with the exchange.
    let service_name = format!("bench-{}", bus.exchange());
    for subscriber in platform_messaging::subscribers() {
        bus.track_queue(&format!("{service_name}.{}", subscriber.name));
    }
    let mut settings = vec![
        ("SERVICE_NAME", service_name.clone()),
        ("DATABASE_URL", db.url()),
        ("LOG_LEVEL", "warn".to_owned()),
        ("MESSAGE_BUS_EXCHANGE", bus.exchange().to_owned()),
    ];
    if jwt {
        settings.push(("AUTH_MODE", "jwt".to_owned()));
        settings.push(("AUTH_JWT_SECRET", JWT_SECRET.to_owned()));
    }
    if !full {
        // The request path alone, as the command path runs: no relay publishing every
        // event, no async projector, in this process.
        settings.push(("MESSAGE_BUS_ENABLED", "false".to_owned()));
        settings.push(("PROJECTORS_ENABLED", "false".to_owned()));
    }
    let settings: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let config = Config::from_defaults_and(order_service::DEFAULT_CONFIG, &settings)?;
    let mut headers = reqwest::header::HeaderMap::new();
    if jwt {
        let roles = ["support".to_owned()];
        let token =
            issue_development_token(&config, "bench", &roles, None, Duration::from_secs(3600))?;
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {token}").parse()?,
        );
    }
    // The order service as its binary runs it (its module alone: the product service
    // is linked into the bench too, and its handlers and subscriber are not under test).
    let server = tokio::spawn(async move {
        order_service::service()
            .serve(config, listener, async move {
                let _ = stopped.await;
            })
            .await
    });
    let client = reqwest::Client::builder()
        .default_headers(headers)
        .build()?;
    // Wait until the server answers.
    let health = base.replace("/api/commands", "/health");
    while client.get(&health).send().await.is_err() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (hist, wall) = run_workers(orders, workers, move |share| {
        let client = client.clone();
        let base = base.clone();
        async move {
            let mut hist = histogram();
            let post = |name: &str, body: serde_json::Value| {
                let request = client.post(format!("{base}/{name}")).json(&body);
                async move {
                    let response = request.send().await?.error_for_status()?;
                    Ok(response.json::<serde_json::Value>().await?)
                }
            };
            for _ in 0..share {
                let created = timed(
                    &mut hist,
                    post("CreateOrder", json!({ "customerId": customer() })),
                )
                .await?;
                let order_id = created["orderId"].as_str().unwrap_or_default().to_owned();
                for i in 0..3 {
                    let body = serde_json::to_value(add_item(&order_id, i))?;
                    timed(&mut hist, post("AddItem", body)).await?;
                }
                timed(
                    &mut hist,
                    post("PlaceOrder", json!({ "orderId": order_id })),
                )
                .await?;
            }
            Ok(hist)
        }
    })
    .await?;
    let _ = stop.send(());
    server.await??;
    bus.cleanup().await?;
    let variant = match (full, jwt) {
        (true, _) => "order flow, HTTP, service with relay+projector",
        (false, true) => "order flow, HTTP, JWT verified",
        (false, false) => "order flow, HTTP",
    };
    Ok(Row::from_histogram("W1", variant, workers, &hist, wall))
}

/// W1 through the command path with the orders split between two tenants (each
/// customer named after its tenant), as the service runs it: under a role bound by
/// row-level security, each append in a transaction naming its tenant. Then a check
/// that no row of any table holds another tenant's data; the variant names the rows
/// found (0 when isolated).
pub async fn two_tenants(db: &TestDatabase, orders: usize, workers: usize) -> anyhow::Result<Row> {
    const TENANTS: [&str; 2] = ["tenant-a", "tenant-b"];
    let config = config(db)?;
    let role = db.runtime_role().await?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(config.database.max_connections)
        .connect(&role.url)
        .await?;
    let state = AppState::with_row_security(config, pool, true);
    let (hist, wall) = run_workers(orders, workers, move |share| {
        let state = state.clone();
        async move {
            let mut hist = histogram();
            for n in 0..share {
                let tenant = TENANTS[n % TENANTS.len()];
                let caller = Caller::authenticated(AuthenticatedUser {
                    id: "bench".to_owned(),
                    roles: vec!["support".to_owned()],
                    tenant: tenant.to_owned(),
                });
                let customer = format!("{tenant}-{}", customer());
                order_flow(&state, &caller, customer, &mut hist).await?;
            }
            Ok(hist)
        }
    })
    .await?;
    let crossed = cross_tenant_rows(db).await?;
    Ok(Row::from_histogram(
        "W1",
        format!("order flow, two tenants, RLS ({crossed} cross-tenant rows)"),
        workers,
        &hist,
        wall,
    ))
}

/// Rows of any table that hold another tenant's data: events, orders and customer
/// rows whose customer is not named after the row's tenant, and order rows whose tenant
/// is not their stream's.
async fn cross_tenant_rows(db: &TestDatabase) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(
        r#"
SELECT (SELECT count(*) FROM events
        WHERE payload ? 'customerId' AND payload->>'customerId' NOT LIKE tenant_id || '-%')
     + (SELECT count(*) FROM rm_orders WHERE customer_id NOT LIKE "_tenant" || '-%')
     + (SELECT count(*) FROM rm_orders r JOIN events e
          ON e.stream_id = r.id AND e.version = 1 AND e.tenant_id <> r."_tenant")
     + (SELECT count(*) FROM rm_customer_orders WHERE customer_id NOT LIKE "_tenant" || '-%')
"#,
    )
    .fetch_one(&db.pool)
    .await?)
}
