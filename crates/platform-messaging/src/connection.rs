//! Connecting to the broker, declaring the exchange, and backing off between attempts.

use std::time::Duration;

use lapin::options::ExchangeDeclareOptions;
use lapin::types::FieldTable;
use lapin::{Channel, Connection, ConnectionProperties, ExchangeKind};

use crate::error::BusError;

/// Where the broker is and what to publish to.
#[derive(Debug, Clone)]
pub struct BusOptions {
    /// `MESSAGE_BUS_URL`, e.g. `amqp://guest:guest@127.0.0.1:5672/%2f`.
    pub url: String,
    /// `MESSAGE_BUS_EXCHANGE`: the durable topic exchange events are broadcast on.
    pub exchange: String,
    /// The sending service (`SERVICE_NAME`), the `app_id` of every message.
    pub app_id: String,
    /// Longest wait for the broker to accept a connection or answer a request.
    pub timeout: Duration,
    /// First wait before reconnecting.
    pub reconnect_min: Duration,
    /// Longest wait before reconnecting.
    pub reconnect_max: Duration,
}

impl BusOptions {
    /// Options for a broker and exchange, with default timings.
    pub fn new(
        url: impl Into<String>,
        exchange: impl Into<String>,
        app_id: impl Into<String>,
    ) -> Self {
        BusOptions {
            url: url.into(),
            exchange: exchange.into(),
            app_id: app_id.into(),
            timeout: Duration::from_secs(10),
            reconnect_min: Duration::from_millis(200),
            reconnect_max: Duration::from_secs(10),
        }
    }

    /// The URL without its password, for logs.
    pub fn describe(&self) -> String {
        match (self.url.find("://"), self.url.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                format!("{}://…@{}", &self.url[..scheme], &self.url[at + 1..])
            }
            _ => self.url.clone(),
        }
    }
}

/// Opens a connection named `purpose` (shown by the broker's management tools).
pub async fn connect(options: &BusOptions, purpose: &str) -> Result<Connection, BusError> {
    let properties = ConnectionProperties::default()
        .with_connection_name(format!("{} {purpose}", options.app_id).into());
    with_timeout(options, Connection::connect(&options.url, properties)).await
}

/// Declares the broadcast exchange: topic, durable.
pub async fn declare_exchange(channel: &Channel, exchange: &str) -> Result<(), BusError> {
    declare_durable(channel, exchange, ExchangeKind::Topic).await
}

/// Declares a durable exchange of a kind.
pub(crate) async fn declare_durable(
    channel: &Channel,
    exchange: &str,
    kind: ExchangeKind,
) -> Result<(), BusError> {
    channel
        .exchange_declare(
            exchange.into(),
            kind,
            ExchangeDeclareOptions {
                durable: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
    Ok(())
}

/// Runs a broker request, failing with [`BusError::Timeout`] after `options.timeout`.
pub(crate) async fn with_timeout<T, E: Into<BusError>>(
    options: &BusOptions,
    request: impl Future<Output = Result<T, E>>,
) -> Result<T, BusError> {
    match tokio::time::timeout(options.timeout, request).await {
        Ok(result) => result.map_err(Into::into),
        Err(_) => Err(BusError::Timeout(options.describe())),
    }
}

/// Closes channels one by one before their connection closes. A channel dropped open is
/// closed in the background, racing the connection's own close, which lapin then logs
/// at error level although nothing failed.
pub(crate) async fn close_channels(options: &BusOptions, channels: &[&Channel]) {
    for channel in channels {
        if channel.status().connected() {
            let _ = with_timeout(options, channel.close(200, "stopping".into())).await;
        }
    }
}

/// Exponential backoff between reconnection attempts, reset after a success.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// Starts at `min`, doubles up to `max`.
    pub fn new(min: Duration, max: Duration) -> Self {
        Backoff {
            min,
            max: max.max(min),
            next: min,
        }
    }

    /// The wait before the next attempt; each call doubles the one after.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        delay
    }

    /// Back to the shortest wait, after a success.
    pub fn reset(&mut self) {
        self.next = self.min;
    }
}
