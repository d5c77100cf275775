//! A throwaway exchange per test on the running broker, and queues to watch it,
//! deleted when the test ends (pass or fail).

use std::time::Duration;

use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, ExchangeDeleteOptions,
    QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, Consumer};

use crate::connection::{BusOptions, connect, declare_exchange};
use crate::error::BusError;

/// The broker tests use: `TEST_MESSAGE_BUS_URL`, else `MESSAGE_BUS_URL`, else local.
pub fn broker_url() -> String {
    std::env::var("TEST_MESSAGE_BUS_URL")
        .or_else(|_| std::env::var("MESSAGE_BUS_URL"))
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
}

/// A unique durable topic exchange, its dead-letter exchange, and the durable queues a
/// test names; all deleted on [`TestBus::cleanup`] or drop.
pub struct TestBus {
    /// Options naming the broker and the exchange, app id `test`.
    pub options: BusOptions,
    connection: Option<Connection>,
    channel: Channel,
    queues: Vec<String>,
}

impl std::fmt::Debug for TestBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestBus")
            .field("exchange", &self.options.exchange)
            .finish_non_exhaustive()
    }
}

impl TestBus {
    /// Declares a new exchange `test.{uuid}`.
    pub async fn new() -> Result<Self, BusError> {
        let exchange = format!("test.{}", uuid::Uuid::new_v4().simple());
        let mut options = BusOptions::new(broker_url(), exchange, "test");
        options.reconnect_min = Duration::from_millis(50);
        options.reconnect_max = Duration::from_millis(500);
        let connection = connect(&options, "test").await?;
        let channel = connection.create_channel().await?;
        declare_exchange(&channel, &options.exchange).await?;
        Ok(TestBus {
            options,
            connection: Some(connection),
            channel,
            queues: Vec::new(),
        })
    }

    /// The exchange's name.
    pub fn exchange(&self) -> &str {
        &self.options.exchange
    }

    /// Deletes these durable queues (and their `.dlq`) when the test ends.
    pub fn track_queue(&mut self, queue: &str) {
        if self.queues.iter().any(|q| q == queue) {
            return;
        }
        self.queues.push(queue.to_owned());
        self.queues.push(format!("{queue}.dlq"));
    }

    /// An exclusive queue bound with `patterns` to `exchange`, consumed with manual acks.
    pub async fn watch_exchange(
        &self,
        exchange: &str,
        patterns: &[&str],
    ) -> Result<WatchQueue, BusError> {
        let declared = self
            .channel
            .queue_declare(
                "".into(),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await?;
        let queue = declared.name().to_string();
        for pattern in patterns {
            self.channel
                .queue_bind(
                    queue.as_str().into(),
                    exchange.into(),
                    (*pattern).into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }
        let consumer = self
            .channel
            .basic_consume(
                queue.as_str().into(),
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        Ok(WatchQueue { queue, consumer })
    }

    /// [`watch_exchange`](Self::watch_exchange) on the test's exchange.
    pub async fn watch(&self, patterns: &[&str]) -> Result<WatchQueue, BusError> {
        let exchange = self.options.exchange.clone();
        self.watch_exchange(&exchange, patterns).await
    }

    /// Publishes a raw message to the test's exchange and waits until it is routed.
    pub async fn publish_raw(
        &self,
        routing_key: &str,
        body: &[u8],
        properties: BasicProperties,
    ) -> Result<(), BusError> {
        self.channel
            .basic_publish(
                self.options.exchange.as_str().into(),
                routing_key.into(),
                BasicPublishOptions::default(),
                body,
                properties,
            )
            .await?;
        Ok(())
    }

    /// Deletes the exchange, its dead-letter exchange and the tracked queues.
    pub async fn cleanup(mut self) -> Result<(), BusError> {
        self.delete_all().await
    }

    async fn delete_all(&mut self) -> Result<(), BusError> {
        let Some(mut connection) = self.connection.take() else {
            return Ok(());
        };
        if !connection.status().connected() {
            // The broker went away since (a fault test stopped it): connect again.
            connection = connect(&self.options, "test cleanup").await?;
        }
        let channel = connection.create_channel().await?;
        for queue in &self.queues {
            channel
                .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
                .await?;
        }
        for exchange in [
            self.options.exchange.clone(),
            format!("{}.dlx", self.options.exchange),
        ] {
            channel
                .exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default())
                .await?;
        }
        let _ = connection.close(200, "test done".into()).await;
        Ok(())
    }
}

impl Drop for TestBus {
    fn drop(&mut self) {
        if self.connection.is_none() {
            return;
        }
        // Not cleaned up (the test failed early): delete from a thread of its own, as
        // the test's runtime may be shutting down.
        let mut leftover = TestBus {
            options: self.options.clone(),
            connection: self.connection.take(),
            channel: self.channel.clone(),
            queues: std::mem::take(&mut self.queues),
        };
        let _ = std::thread::spawn(move || {
            if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                runtime.block_on(async {
                    // The old connection belongs to the finished runtime: open a new one.
                    leftover.connection = connect(&leftover.options, "test cleanup").await.ok();
                    let _ = leftover.delete_all().await;
                });
            }
        })
        .join();
    }
}

/// An exclusive queue bound to an exchange, for asserting what was published.
pub struct WatchQueue {
    /// The queue's server-generated name.
    pub queue: String,
    consumer: Consumer,
}

impl WatchQueue {
    /// The next message, acknowledged; `None` after `timeout` without one.
    pub async fn next(&mut self, timeout: Duration) -> Result<Option<Delivery>, BusError> {
        match tokio::time::timeout(timeout, self.consumer.next()).await {
            Err(_) => Ok(None),
            Ok(None) => Err(BusError::Closed),
            Ok(Some(delivery)) => {
                let delivery = delivery?;
                delivery.ack(BasicAckOptions::default()).await?;
                Ok(Some(delivery))
            }
        }
    }

    /// Collects messages until `count` arrived or `timeout` passed since the last one.
    pub async fn take(
        &mut self,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<Delivery>, BusError> {
        let mut all = Vec::with_capacity(count);
        while all.len() < count {
            match self.next(timeout).await? {
                Some(delivery) => all.push(delivery),
                None => break,
            }
        }
        Ok(all)
    }
}

/// Closes, from the broker's side, every connection whose name contains `needle`, as
/// a broker restart or a network cut would; returns how many it closed. Uses
/// `rabbitmqctl`, so it needs the broker on this machine.
pub fn close_connections_named(needle: &str) -> std::io::Result<usize> {
    let listing = std::process::Command::new("rabbitmqctl")
        .args([
            "list_connections",
            "-q",
            "--no-table-headers",
            "pid",
            "client_properties",
        ])
        .output()?;
    let text = String::from_utf8_lossy(&listing.stdout);
    let mut closed = 0;
    for line in text.lines().filter(|l| l.contains(needle)) {
        let Some(pid) = line.split_whitespace().next() else {
            continue;
        };
        let status = std::process::Command::new("rabbitmqctl")
            .args(["close_connection", pid, "closed by a test"])
            .output()?;
        if status.status.success() {
            closed += 1;
        }
    }
    Ok(closed)
}
