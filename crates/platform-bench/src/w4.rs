//! W4: the message bus. Append → subscriber latency at a steady rate, through the
//! outbox relay, RabbitMQ and the subscriber runtime (inbox transaction included);
//! and the relay's throughput publishing a backlog with publisher confirms.

use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use chrono::Utc;
use hdrhistogram::Histogram;
use lapin::options::{QueueBindOptions, QueueDeleteOptions};
use lapin::types::FieldTable;
use order_service::domain::{OrderCreated, OrderEvent};
use platform_core::{EventEnvelope, ExpectedVersion, Metadata, NewEvent, broadcast_event_types};
use platform_event_sourcing::testing::TestDatabase;
use platform_event_sourcing::{EventNotifier, PgEventStore};
use platform_messaging::testing::TestBus;
use platform_messaging::{
    EventHandler, EventHandlerError, HandlerContext, OutboxRelay, RelayMonitor, RelayOptions,
    SubscriberOptions, SubscriberRuntime, register_event_handler, subscribers,
};
use tokio::sync::watch;

use crate::limits;
use crate::report::{Row, histogram};

/// Latencies recorded by the probe, in microseconds.
fn latencies() -> &'static Mutex<Histogram<u64>> {
    static LATENCIES: OnceLock<Mutex<Histogram<u64>>> = OnceLock::new();
    LATENCIES.get_or_init(|| Mutex::new(histogram()))
}

/// Records how long after its append each event reached the subscriber.
struct LatencyProbe;

impl EventHandler for LatencyProbe {
    type Event = OrderEvent;
    const NAME: &'static str = "bench-latency";
    const BINDINGS: &'static [&'static str] = &["Order.OrderCreated"];

    async fn handle(
        _ctx: &mut HandlerContext<'_>,
        event: EventEnvelope<OrderEvent>,
    ) -> Result<(), EventHandlerError> {
        let micros = (Utc::now() - event.occurred_at)
            .num_microseconds()
            .unwrap_or(i64::MAX)
            .max(1);
        let mut hist = latencies().lock().unwrap_or_else(|p| p.into_inner());
        let _ = hist.record(micros as u64);
        Ok(())
    }
}

register_event_handler!(LatencyProbe);

/// Takes every event with nothing but its inbox record (the subscriber runtime's own
/// cost).
struct BacklogProbe;

impl EventHandler for BacklogProbe {
    type Event = OrderEvent;
    const NAME: &'static str = "bench-backlog";
    const BINDINGS: &'static [&'static str] = &["Order.OrderCreated"];

    async fn handle(
        _ctx: &mut HandlerContext<'_>,
        _event: EventEnvelope<OrderEvent>,
    ) -> Result<(), EventHandlerError> {
        Ok(())
    }
}

register_event_handler!(BacklogProbe);

/// Variant name of the subscriber backlog row.
pub const SUBSCRIBER_BACKLOG: &str = "subscriber backlog";

/// Appends `rate` events per second for `seconds`, each to a new order, with the relay
/// and a subscriber running; reports append → handled latency.
pub async fn latency(db: &TestDatabase, rate: u32, seconds: u64) -> anyhow::Result<Row> {
    let mut bus = TestBus::new().await?;
    let (stop, stopped) = watch::channel(false);
    let notifier = EventNotifier::default();
    let notify_task = notifier.spawn(db.pool.clone(), stopped.clone());
    let relay = OutboxRelay::new(
        db.pool.clone(),
        bus.options.clone(),
        RelayOptions::default(),
        broadcast_event_types(),
        RelayMonitor::default(),
    );
    let relay_task = tokio::spawn(relay.run(stopped.clone()));
    let options = SubscriberOptions::new(bus.options.clone(), bus.exchange().to_owned());
    bus.track_queue(&options.queue(LatencyProbe::NAME));
    let probe = subscribers()
        .into_iter()
        .filter(|s| s.name == LatencyProbe::NAME)
        .collect();
    let runtime = SubscriberRuntime::with_handlers(db.pool.clone(), options, probe);
    let monitor = runtime.monitor().clone();
    let runtime_task = tokio::spawn(runtime.run(stopped.clone()));
    let deadline = Instant::now() + Duration::from_secs(20);
    while !monitor
        .snapshot()
        .get(LatencyProbe::NAME)
        .is_some_and(|s| s.consuming)
    {
        anyhow::ensure!(Instant::now() < deadline, "the subscriber never consumed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    latencies()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .reset();

    let store = PgEventStore::new(db.pool.clone());
    let total = u64::from(rate) * seconds;
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / rate);
    let started = Instant::now();
    let mut appends = Vec::with_capacity(total as usize);
    for n in 0..total {
        ticker.tick().await;
        let store = store.clone();
        let notifier = notifier.clone();
        appends.push(tokio::spawn(async move {
            let id = format!("w4-{n}");
            let event = NewEvent::from_event(
                &OrderEvent::from(OrderCreated {
                    order_id: id.clone(),
                    customer_id: "bench".into(),
                    created_by: None,
                }),
                Metadata::default(),
            )?;
            store
                .append(&id, "Order", ExpectedVersion::NoStream, &[event])
                .await?;
            notifier.notify();
            anyhow::Ok(())
        }));
    }
    for append in appends {
        append.await??;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let handled = monitor
            .snapshot()
            .get(LatencyProbe::NAME)
            .map_or(0, |s| s.handled);
        if handled >= total {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {handled} of {total} events arrived"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let wall = started.elapsed();
    let _ = stop.send(true);
    let _ = tokio::join!(notify_task, relay_task, runtime_task);
    bus.cleanup().await?;
    let hist = latencies()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    Ok(Row::from_histogram(
        "W4",
        format!("append→subscriber @{rate}/s"),
        1,
        &hist,
        wall,
    ))
}

/// Fills the log with `events` events, then times the relay publishing all of them
/// (confirmed into a durable queue) from an empty checkpoint.
pub async fn relay_throughput(db: &TestDatabase, events: usize) -> anyhow::Result<Row> {
    fill_log(db, events).await?;
    let head: i64 = sqlx::query_scalar("SELECT max(global_position) FROM events")
        .fetch_one(&db.pool)
        .await?;
    let bus = TestBus::new().await?;
    let queue = format!("{}.sink", bus.exchange());
    let (connection, channel) = limits::durable_queue(&bus, &queue, "bench sink").await?;
    channel
        .queue_bind(
            queue.as_str().into(),
            bus.exchange().into(),
            "Order.#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let (stop, stopped) = watch::channel(false);
    let monitor = RelayMonitor::default();
    let relay = OutboxRelay::new(
        db.pool.clone(),
        bus.options.clone(),
        RelayOptions::default(),
        broadcast_event_types(),
        monitor.clone(),
    );
    let started = Instant::now();
    let relay_task = tokio::spawn(relay.run(stopped));
    let deadline = Instant::now() + Duration::from_secs(600);
    while monitor.snapshot().checkpoint < head {
        anyhow::ensure!(Instant::now() < deadline, "the relay did not finish");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let wall = started.elapsed();
    let _ = stop.send(true);
    relay_task.await?;
    channel
        .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await?;
    let _ = connection.close(200, "bench done".into()).await;
    bus.cleanup().await?;
    Ok(Row::throughput(
        "W4",
        format!("relay backlog, {events} events"),
        events,
        wall,
    ))
}

/// Puts `events` events in a subscriber's queue (through the relay, while the
/// subscriber is stopped), then times the subscriber runtime draining them, the inbox
/// claim of each included.
pub async fn subscriber_backlog(db: &TestDatabase, events: usize) -> anyhow::Result<Row> {
    fill_log(db, events).await?;
    let mut bus = TestBus::new().await?;
    let options = SubscriberOptions::new(bus.options.clone(), bus.exchange().to_owned());
    bus.track_queue(&options.queue(BacklogProbe::NAME));
    let probe = || {
        subscribers()
            .into_iter()
            .filter(|s| s.name == BacklogProbe::NAME)
            .collect::<Vec<_>>()
    };
    // A first start declares and binds the queue; then the subscriber stops.
    let (stop, stopped) = watch::channel(false);
    let runtime = SubscriberRuntime::with_handlers(db.pool.clone(), options.clone(), probe());
    let monitor = runtime.monitor().clone();
    let task = tokio::spawn(runtime.run(stopped));
    wait_until(Duration::from_secs(20), "the subscriber to consume", || {
        monitor
            .snapshot()
            .get(BacklogProbe::NAME)
            .is_some_and(|s| s.consuming)
    })
    .await?;
    let _ = stop.send(true);
    task.await??;
    // The relay fills the queue.
    let head: i64 = sqlx::query_scalar("SELECT max(global_position) FROM events")
        .fetch_one(&db.pool)
        .await?;
    let (stop, stopped) = watch::channel(false);
    let relay_monitor = RelayMonitor::default();
    let relay = OutboxRelay::new(
        db.pool.clone(),
        bus.options.clone(),
        RelayOptions::default(),
        broadcast_event_types(),
        relay_monitor.clone(),
    );
    let relay_task = tokio::spawn(relay.run(stopped));
    wait_until(Duration::from_secs(600), "the relay to publish", || {
        relay_monitor.snapshot().checkpoint >= head
    })
    .await?;
    let _ = stop.send(true);
    relay_task.await?;
    // The subscriber drains it.
    let (stop, stopped) = watch::channel(false);
    let runtime = SubscriberRuntime::with_handlers(db.pool.clone(), options, probe());
    let monitor = runtime.monitor().clone();
    let started = Instant::now();
    let task = tokio::spawn(runtime.run(stopped));
    let total = events as u64;
    wait_until(Duration::from_secs(600), "the subscriber to drain", || {
        monitor
            .snapshot()
            .get(BacklogProbe::NAME)
            .is_some_and(|s| s.handled + s.duplicates >= total)
    })
    .await?;
    let wall = started.elapsed();
    let _ = stop.send(true);
    task.await??;
    bus.cleanup().await?;
    Ok(Row::throughput(
        "W4",
        format!("{SUBSCRIBER_BACKLOG}, {events} events"),
        events,
        wall,
    ))
}

/// Polls `done` every 5 ms until it holds, or fails after `deadline`.
async fn wait_until(deadline: Duration, what: &str, done: impl Fn() -> bool) -> anyhow::Result<()> {
    let until = Instant::now() + deadline;
    while !done() {
        anyhow::ensure!(Instant::now() < until, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

/// Writes `events` `OrderCreated` events, one per order, straight into the log.
async fn fill_log(db: &TestDatabase, events: usize) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO events (event_id, stream_id, aggregate_type, version, event_type, payload) \
         SELECT gen_random_uuid(), 'w4-' || o, 'Order', 1, 'OrderCreated', \
                jsonb_build_object('orderId', 'w4-' || o, 'customerId', 'bench') \
         FROM generate_series(1, $1) o",
    )
    .bind(events as i64)
    .execute(&db.pool)
    .await?;
    sqlx::query("ANALYZE events").execute(&db.pool).await?;
    Ok(())
}
