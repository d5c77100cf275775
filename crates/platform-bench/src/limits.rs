//! The limits the workloads are judged against, measured in the same run on the same
//! PostgreSQL and RabbitMQ with nothing of the platform in the way, so that a figure
//! reads as a ratio that another run on another machine can be compared with.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::future::try_join_all;
use lapin::BasicProperties;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use platform_event_sourcing::testing::TestDatabase;
use platform_messaging::connect;
use platform_messaging::testing::TestBus;
use sqlx::postgres::PgPoolOptions;

use crate::report::{Row, histogram};

/// An event-shaped payload, as big as an `ItemAdded`.
fn payload(stream: &str, n: usize) -> serde_json::Value {
    serde_json::json!({
        "orderId": stream,
        "productId": format!("product-{n}"),
        "quantity": 2,
        "price": "29.99",
    })
}

/// W1's limit: `workers` connections, each committing one `INSERT` of one event row
/// per transaction into the same `events` table, `ops` rows in all (five per stream,
/// as W1's orders have).
pub async fn raw_append(db: &TestDatabase, ops: usize, workers: usize) -> anyhow::Result<Row> {
    let pool = PgPoolOptions::new()
        .max_connections(workers as u32)
        .connect_with(db.options())
        .await?;
    let metadata = serde_json::json!({ "correlationId": uuid::Uuid::now_v7().to_string() });
    let started = Instant::now();
    let tasks = (0..workers).map(|w| {
        let (pool, metadata) = (pool.clone(), metadata.clone());
        let share = ops / workers + usize::from(w < ops % workers);
        tokio::spawn(async move {
            let mut hist = histogram();
            let mut stream = String::new();
            for n in 0..share {
                if n % 5 == 0 {
                    stream = uuid::Uuid::now_v7().to_string();
                }
                let t = Instant::now();
                sqlx::query(
                    "INSERT INTO events (event_id, stream_id, aggregate_type, version, \
                     event_type, payload, metadata) \
                     VALUES ($1, $2, 'Order', $3, 'ItemAdded', $4, $5)",
                )
                .bind(uuid::Uuid::now_v7())
                .bind(&stream)
                .bind((n % 5 + 1) as i64)
                .bind(payload(&stream, n))
                .bind(&metadata)
                .execute(&pool)
                .await?;
                hist.record(t.elapsed().as_micros() as u64)?;
            }
            anyhow::Ok(hist)
        })
    });
    let results = try_join_all(tasks).await?;
    let wall = started.elapsed();
    let mut all = histogram();
    for h in results {
        all.add(h?)?;
    }
    pool.close().await;
    Ok(Row::from_histogram("W1", LIMIT_APPEND, workers, &all, wall))
}

/// Variant name of W1's limit.
pub const LIMIT_APPEND: &str = "limit: raw INSERT, 1 event/commit";

/// Variant name of W2's limit.
pub const LIMIT_SELECT: &str = "limit: raw SELECT of the payloads";

/// W2's limit: `SELECT`ing the payloads of `stream_id`'s events in order, `runs` times,
/// without decoding them.
pub async fn raw_select(db: &TestDatabase, stream_id: &str, runs: usize) -> anyhow::Result<Row> {
    let select = || {
        sqlx::query(
            "SELECT version, event_type, schema_version, payload, metadata FROM events \
             WHERE tenant_id = 'default' AND stream_id = $1 ORDER BY version",
        )
        .bind(stream_id)
        .fetch_all(&db.pool)
    };
    let expected = select().await?.len();
    let mut hist = histogram();
    let started = Instant::now();
    for _ in 0..runs {
        let t = Instant::now();
        let rows = select().await?;
        hist.record(t.elapsed().as_micros() as u64)?;
        anyhow::ensure!(rows.len() == expected, "the stream changed under the bench");
    }
    Ok(Row::from_histogram(
        "W2",
        LIMIT_SELECT,
        1,
        &hist,
        started.elapsed(),
    ))
}

/// Variant name of W4's publishing limit.
pub const LIMIT_PUBLISH: &str = "limit: bare publisher, confirms";

/// Variant name of W4's consuming limit.
pub const LIMIT_CONSUME: &str = "limit: bare consumer, 1 INSERT/msg";

/// W4's limits: a bare lapin publisher putting `messages` persistent messages into a
/// durable queue with publisher confirms (a window of 1,000 unconfirmed at most), then
/// a bare consumer taking them back (prefetch 100), one `INSERT` and one ack per
/// message.
pub async fn bare_bus(db: &TestDatabase, messages: usize) -> anyhow::Result<Vec<Row>> {
    let bus = TestBus::new().await?;
    let queue = format!("{}.limit", bus.exchange());
    let (connection, channel) = durable_queue(&bus, &queue, "bench limit").await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    let body = serde_json::to_vec(&payload("w4-limit", 0))?;
    let started = Instant::now();
    let mut window = Vec::with_capacity(1000);
    for _ in 0..messages {
        let confirm = channel
            .basic_publish(
                "".into(),
                queue.as_str().into(),
                BasicPublishOptions::default(),
                &body,
                BasicProperties::default().with_delivery_mode(2),
            )
            .await?;
        window.push(confirm);
        if window.len() == 1000 {
            for confirm in window.drain(..) {
                anyhow::ensure!(confirm.await?.is_ack(), "a message was not confirmed");
            }
        }
    }
    for confirm in window {
        anyhow::ensure!(confirm.await?.is_ack(), "a message was not confirmed");
    }
    let published = started.elapsed();

    sqlx::query("CREATE TABLE bench_limit_sink (id bigserial PRIMARY KEY, body jsonb NOT NULL)")
        .execute(&db.pool)
        .await?;
    let consumer_channel = connection.create_channel().await?;
    consumer_channel
        .basic_qos(100, BasicQosOptions::default())
        .await?;
    let mut consumer = consumer_channel
        .basic_consume(
            queue.as_str().into(),
            "bench-limit".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(600);
    let mut consumed = 0;
    while consumed < messages {
        anyhow::ensure!(Instant::now() < deadline, "the bare consumer stalled");
        let Some(delivery) = consumer.next().await else {
            anyhow::bail!("the queue's consumer ended");
        };
        let delivery = delivery?;
        let body: serde_json::Value = serde_json::from_slice(&delivery.data)?;
        sqlx::query("INSERT INTO bench_limit_sink (body) VALUES ($1)")
            .bind(body)
            .execute(&db.pool)
            .await?;
        delivery.ack(BasicAckOptions::default()).await?;
        consumed += 1;
    }
    let drained = started.elapsed();
    channel
        .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await?;
    let _ = connection.close(200, "bench done".into()).await;
    bus.cleanup().await?;
    Ok(vec![
        Row::throughput("W4", LIMIT_PUBLISH, messages, published),
        Row::throughput("W4", LIMIT_CONSUME, messages, drained),
    ])
}

/// A connection, a channel on it, and a durable queue `queue` declared on `bus`'s broker
/// (so each persistent message is stored before it is confirmed).
pub async fn durable_queue(
    bus: &TestBus,
    queue: &str,
    name: &str,
) -> anyhow::Result<(lapin::Connection, lapin::Channel)> {
    let connection = connect(&bus.options, name).await?;
    let channel = connection.create_channel().await?;
    channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
    Ok((connection, channel))
}
