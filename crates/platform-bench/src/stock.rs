//! W5: order placed → stock reserved, across two services in this process. The order
//! service's command path places orders at a steady rate on its database; its outbox
//! relay broadcasts `OrderPlaced` on the run's exchange; the product service's
//! `order-stock` subscriber reserves each line on its database (inbox transaction,
//! `Inventory` events and `rm_stock` rows). Each order's latency runs from its
//! PlaceOrder commit to the moment all of its lines' `InventoryReserved` events are
//! committed in the product database (seen by a poller every 2 ms).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures_util::future::try_join_all;
use hdrhistogram::Histogram;
use order_contracts::{AddItem, CreateOrder, Decimal, PlaceOrder};
use order_service::commands::{AddItemHandler, CreateOrderHandler, PlaceOrderHandler};
use platform_core::{AuthenticatedUser, Metadata, broadcast_event_types};
use platform_event_sourcing::testing::TestDatabase;
use platform_messaging::testing::TestBus;
use platform_messaging::{
    EventHandler, HandlerServices, OutboxRelay, RelayMonitor, RelayOptions, SubscriberOptions,
    SubscriberRuntime, subscribers,
};
use platform_service::{AppState, Caller, CommandHandler, Config};
use product_contracts::inventory::ReceiveStock;
use product_service::inventory::commands::ReceiveStockHandler;
use product_service::inventory::subscribers::OrderStock;
use tokio::sync::watch;

use crate::report::{Row, histogram};

/// Lines per order, each a different SKU, one unit each.
const LINES: usize = 2;

/// How often the poller looks for reservations.
const POLL: Duration = Duration::from_millis(2);

/// The run's shape: `skus` SKUs with stock, orders placed at `rate` per second for
/// `seconds`.
#[derive(Debug, Clone, Copy)]
pub struct StockRun {
    /// SKUs received before the orders (the lines pick from them in turn).
    pub skus: usize,
    /// Orders placed per second.
    pub rate: u32,
    /// How long orders are placed.
    pub seconds: u64,
}

fn config(defaults: &str, db: &TestDatabase, exchange: &str) -> anyhow::Result<Config> {
    let url = db.url();
    Ok(Config::from_defaults_and(
        defaults,
        &[
            ("DATABASE_URL", url.as_str()),
            ("LOG_LEVEL", "warn"),
            ("MESSAGE_BUS_EXCHANGE", exchange),
        ],
    )?)
}

/// Runs W5 on two databases of its own and an exchange of its own (deleted at the end,
/// with the subscriber's queue).
pub async fn latency(
    orders_db: &TestDatabase,
    products_db: &TestDatabase,
    run: StockRun,
) -> anyhow::Result<Row> {
    platform_read_models::prepare_read_models(&orders_db.pool).await?;
    platform_read_models::prepare_read_models(&products_db.pool).await?;
    let mut bus = TestBus::new().await?;
    let exchange = bus.exchange().to_owned();
    let orders = AppState::new(
        config(order_service::DEFAULT_CONFIG, orders_db, &exchange)?,
        orders_db.pool.clone(),
    );
    let products = AppState::new(
        config(product_service::DEFAULT_CONFIG, products_db, &exchange)?,
        products_db.pool.clone(),
    );
    let anonymous = Caller::anonymous();
    let tenant = anonymous.tenant().to_owned();

    // Stock for every SKU, more than the run can take.
    let stocker = Caller::authenticated(AuthenticatedUser {
        id: "bench".to_owned(),
        roles: vec!["admin".to_owned()],
        tenant,
    });
    let skus: Vec<String> = (0..run.skus.max(LINES))
        .map(|n| format!("BENCH-{n}"))
        .collect();
    for sku in &skus {
        let ctx = products.command_context(Metadata::default(), stocker.clone());
        let receive = ReceiveStock {
            sku: sku.clone(),
            quantity: 1_000_000,
        };
        ReceiveStockHandler::handle(ctx, receive).await?;
    }

    // Draft orders with their lines, ready to be placed.
    let total = usize::try_from(u64::from(run.rate) * run.seconds)?;
    let drafts = try_join_all((0..8).map(|worker| {
        let orders = orders.clone();
        let anonymous = anonymous.clone();
        let skus = skus.clone();
        tokio::spawn(async move {
            let mut drafted = Vec::new();
            for n in (worker..total).step_by(8) {
                let ctx = || orders.command_context(Metadata::default(), anonymous.clone());
                let create = CreateOrder {
                    customer_id: format!("customer-{}", n % 100),
                };
                let order_id = CreateOrderHandler::handle(ctx(), create).await?.order_id;
                for line in 0..LINES {
                    let add = AddItem {
                        order_id: order_id.clone(),
                        product_id: skus[(n * LINES + line) % skus.len()].clone(),
                        quantity: 1,
                        price: Decimal::new(999, 2),
                    };
                    AddItemHandler::handle(ctx(), add).await?;
                }
                drafted.push(order_id);
            }
            anyhow::Ok(drafted)
        })
    }))
    .await?;
    let mut drafts: Vec<String> = drafts
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()?
        .concat();
    drafts.sort();

    // The order service's relay and the product service's stock subscriber.
    let (stop, stopped) = watch::channel(false);
    let notify_task = orders
        .notifier()
        .spawn(orders_db.pool.clone(), stopped.clone());
    let relay_monitor = RelayMonitor::default();
    let relay = OutboxRelay::new(
        orders_db.pool.clone(),
        bus.options.clone(),
        RelayOptions::default(),
        broadcast_event_types(),
        relay_monitor.clone(),
    );
    let relay_task = tokio::spawn(relay.run(stopped.clone()));
    let options = SubscriberOptions::new(bus.options.clone(), format!("bench-products-{exchange}"));
    bus.track_queue(&options.queue(OrderStock::NAME));
    let handlers = subscribers()
        .into_iter()
        .filter(|s| s.name == OrderStock::NAME)
        .collect();
    let services = HandlerServices {
        executor: products.executor().clone(),
        providers: products.modules().providers().clone(),
    };
    let runtime = SubscriberRuntime::with_handlers(products_db.pool.clone(), options, handlers)
        .with_services(services);
    let monitor = runtime.monitor().clone();
    let runtime_task = tokio::spawn(runtime.run(stopped.clone()));
    let deadline = Instant::now() + Duration::from_secs(20);
    while !monitor
        .snapshot()
        .get(OrderStock::NAME)
        .is_some_and(|s| s.consuming)
        || relay_monitor.snapshot().lag_events > 0
        || !relay_monitor.snapshot().connected
    {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the relay never caught up or the subscriber never consumed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Orders placed at the rate; each one's commit time noted.
    let (placed_tx, placed_rx) = tokio::sync::mpsc::unbounded_channel();
    let poller = tokio::spawn(watch_reservations(
        products_db.pool.clone(),
        placed_rx,
        total,
    ));
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / run.rate);
    let started = Instant::now();
    let mut places = Vec::with_capacity(total);
    for order_id in drafts {
        ticker.tick().await;
        let orders = orders.clone();
        let anonymous = anonymous.clone();
        let placed_tx = placed_tx.clone();
        places.push(tokio::spawn(async move {
            let ctx = orders.command_context(Metadata::default(), anonymous);
            let place = PlaceOrder {
                order_id: order_id.clone(),
            };
            PlaceOrderHandler::handle(ctx, place).await?;
            let _ = placed_tx.send((order_id, Instant::now()));
            orders.notifier().notify();
            anyhow::Ok(())
        }));
    }
    drop(placed_tx);
    for place in places {
        place.await??;
    }
    let hist = poller.await??;
    let wall = started.elapsed();
    let _ = stop.send(true);
    let _ = tokio::join!(notify_task, relay_task, runtime_task);
    bus.cleanup().await?;
    Ok(Row::from_histogram(
        "W5",
        format!(
            "order placed→stock reserved @{}/s, {LINES} lines, {} SKUs",
            run.rate,
            skus.len()
        ),
        1,
        &hist,
        wall,
    ))
}

/// One order's reservations as counted in the product database.
#[derive(sqlx::FromRow)]
struct Reserved {
    order_id: String,
    lines: i64,
}

/// Polls the product database until every placed order has all of its lines reserved;
/// records, per order, the time from its PlaceOrder commit to the poll that saw them.
async fn watch_reservations(
    pool: sqlx::PgPool,
    mut placed: tokio::sync::mpsc::UnboundedReceiver<(String, Instant)>,
    total: usize,
) -> anyhow::Result<Histogram<u64>> {
    let mut hist = histogram();
    let mut pending: HashMap<String, Instant> = HashMap::new();
    let mut done = 0;
    let mut last_progress = Instant::now();
    while done < total {
        while let Ok((order_id, at)) = placed.try_recv() {
            pending.insert(order_id, at);
        }
        if !pending.is_empty() {
            let ids: Vec<&str> = pending.keys().map(String::as_str).collect();
            let rows: Vec<Reserved> = sqlx::query_as(
                r#"
                SELECT payload->>'orderId' AS order_id, count(*) AS lines
                FROM events
                WHERE event_type = 'InventoryReserved' AND payload->>'orderId' = ANY($1)
                GROUP BY 1
                "#,
            )
            .bind(&ids)
            .fetch_all(&pool)
            .await?;
            let seen = Instant::now();
            for row in rows {
                if row.lines >= LINES as i64
                    && let Some(at) = pending.remove(&row.order_id)
                {
                    hist.record(seen.duration_since(at).as_micros().max(1) as u64)?;
                    done += 1;
                    last_progress = seen;
                }
            }
        }
        anyhow::ensure!(
            last_progress.elapsed() < Duration::from_secs(60),
            "only {done} of {total} orders had their stock reserved"
        );
        tokio::time::sleep(POLL).await;
    }
    Ok(hist)
}
