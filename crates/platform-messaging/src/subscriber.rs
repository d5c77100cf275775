//! The subscriber runtime: typed event handlers fed from a durable queue.
//!
//! Each registered [`EventHandler`] gets a durable queue, `{queue_prefix}.{NAME}`,
//! bound to the broadcast exchange with its routing-key patterns. Deliveries are
//! handled one at a time, in queue order, each in a database transaction that first
//! claims the event in the inbox (a duplicate is acknowledged and skipped). A delivery
//! is acknowledged only after that transaction committed. A failing handler is retried
//! with backoff up to `max_attempts` times; then the message goes to the dead-letter
//! exchange with the reason in its headers, and is acknowledged once the broker
//! confirmed it. A message that cannot be decoded is dead-lettered at once.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use std::panic::AssertUnwindSafe;

use futures_util::{FutureExt, StreamExt};
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions,
    BasicPublishOptions, BasicQosOptions, ConfirmSelectOptions, ExchangeDeclareOptions,
    QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{Channel, Connection, ExchangeKind};
use platform_core::{DomainEvent, EventEnvelope};
use sqlx::{PgConnection, PgPool};
use tokio::sync::watch;
use tracing::{Instrument, debug, info, info_span, warn};

use crate::connection::{Backoff, BusOptions, connect, declare_exchange, with_timeout};
use crate::envelope::BroadcastEnvelope;
use crate::error::BusError;
use crate::inbox::{claim, ensure_inbox};

/// A boxed, sendable future borrowing for `'a`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A handler could not apply an event; the delivery is retried, then dead-lettered.
#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    /// A database statement failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The handler refused or failed, with its reason.
    #[error("{0}")]
    Failed(String),
}

/// What a handler gets besides the event: the transaction its writes belong to.
pub struct HandlerContext<'c> {
    conn: &'c mut PgConnection,
    subscriber: &'static str,
    attempt: u32,
}

impl HandlerContext<'_> {
    /// The transaction that also records the event in the inbox; write through it so
    /// the writes and the dedupe record commit together.
    pub fn db(&mut self) -> &mut PgConnection {
        self.conn
    }

    /// The subscriber's name.
    pub fn subscriber(&self) -> &'static str {
        self.subscriber
    }

    /// 1 on the first attempt, counting retries of this delivery.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
}

/// Handles broadcast events; register it with [`register_event_handler!`](crate::register_event_handler).
pub trait EventHandler: Send + Sync + 'static {
    /// The event enum its messages decode into.
    type Event: DomainEvent;
    /// The subscriber's name: names its queue and its inbox records.
    const NAME: &'static str;
    /// Routing-key patterns bound to its queue, e.g. `Order.OrderPlaced` or `Order.#`.
    const BINDINGS: &'static [&'static str];

    /// Applies one event; an error rolls the transaction back and retries the delivery.
    fn handle(
        ctx: &mut HandlerContext<'_>,
        event: EventEnvelope<Self::Event>,
    ) -> impl Future<Output = Result<(), HandleError>> + Send;
}

/// Why a delivery was not handled.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// The message is not an event this handler can read: dead-lettered at once.
    #[error("cannot decode: {0}")]
    Decode(String),
    /// The handler failed: retried.
    #[error("handler failed: {0}")]
    Handler(#[from] HandleError),
}

/// Type-erased entry point of a handler.
pub type EventDispatch = for<'a, 'c> fn(
    &'a mut HandlerContext<'c>,
    &'a BroadcastEnvelope,
) -> BoxFuture<'a, Result<(), DispatchError>>;

/// An event handler registered at link time.
#[derive(Debug)]
pub struct SubscriberRegistration {
    /// The subscriber's name.
    pub name: &'static str,
    /// Routing-key patterns.
    pub bindings: &'static [&'static str],
    /// Decodes and handles one event.
    pub dispatch: EventDispatch,
}

inventory::collect!(SubscriberRegistration);

impl SubscriberRegistration {
    /// The registration of a handler type.
    pub const fn of<H: EventHandler>() -> Self {
        SubscriberRegistration {
            name: H::NAME,
            bindings: H::BINDINGS,
            dispatch: dispatch::<H>,
        }
    }
}

fn dispatch<'a, 'c, H: EventHandler>(
    ctx: &'a mut HandlerContext<'c>,
    envelope: &'a BroadcastEnvelope,
) -> BoxFuture<'a, Result<(), DispatchError>> {
    Box::pin(async move {
        let event = envelope
            .decode::<H::Event>()
            .map_err(|e| DispatchError::Decode(e.to_string()))?;
        H::handle(ctx, event).await?;
        Ok(())
    })
}

/// Registers an [`EventHandler`] with the subscriber runtime.
#[macro_export]
macro_rules! register_event_handler {
    ($handler:ty) => {
        $crate::__private::inventory::submit! {
            $crate::SubscriberRegistration::of::<$handler>()
        }
    };
}

/// Every registered event handler, by name.
pub fn subscribers() -> Vec<&'static SubscriberRegistration> {
    let mut all: Vec<_> = inventory::iter::<SubscriberRegistration>
        .into_iter()
        .collect();
    all.sort_by_key(|r| r.name);
    all
}

/// How subscribers consume.
#[derive(Debug, Clone)]
pub struct SubscriberOptions {
    /// The broker and the exchange subscribed to.
    pub bus: BusOptions,
    /// Queue names are `{queue_prefix}.{handler NAME}`; usually `SERVICE_NAME`.
    pub queue_prefix: String,
    /// Unacknowledged messages the broker sends ahead.
    pub prefetch: u16,
    /// Handler attempts per delivery before it is dead-lettered.
    pub max_attempts: u32,
    /// Wait before the first retry; doubles each retry.
    pub retry_base: Duration,
    /// Longest wait between retries.
    pub retry_max: Duration,
    /// Makes a consume span a child of the message's W3C `traceparent` (set by the
    /// service host when spans are exported), so one trace spans command → subscriber.
    pub continue_trace: Option<fn(&tracing::Span, Option<&str>)>,
}

impl SubscriberOptions {
    /// Defaults: prefetch 32, 5 attempts, retries after 200 ms doubling up to 5 s.
    pub fn new(bus: BusOptions, queue_prefix: impl Into<String>) -> Self {
        SubscriberOptions {
            bus,
            queue_prefix: queue_prefix.into(),
            prefetch: 32,
            max_attempts: 5,
            retry_base: Duration::from_millis(200),
            retry_max: Duration::from_secs(5),
            continue_trace: None,
        }
    }

    /// The queue of a subscriber.
    pub fn queue(&self, subscriber: &str) -> String {
        format!("{}.{subscriber}", self.queue_prefix)
    }

    /// The dead-letter exchange: `{exchange}.dlx`, direct, routed by queue name.
    pub fn dead_letter_exchange(&self) -> String {
        format!("{}.dlx", self.bus.exchange)
    }

    /// The queue holding a subscriber's dead letters: `{queue}.dlq`.
    pub fn dead_letter_queue(&self, subscriber: &str) -> String {
        format!("{}.dlq", self.queue(subscriber))
    }
}

/// What one subscriber of this process reports (health, metrics).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubscriberStatus {
    /// Its queue.
    pub queue: String,
    /// Connected, its queue declared and bound, and consuming.
    pub consuming: bool,
    /// Events handled and committed.
    pub handled: u64,
    /// Deliveries skipped as already handled.
    pub duplicates: u64,
    /// Handler attempts that failed and were retried.
    pub retries: u64,
    /// Messages sent to the dead-letter queue.
    pub dead_lettered: u64,
    /// The last failure.
    pub last_error: Option<String>,
}

/// Status of every subscriber of this process, by name.
#[derive(Debug, Clone, Default)]
pub struct SubscriberMonitor {
    statuses: Arc<Mutex<BTreeMap<&'static str, SubscriberStatus>>>,
}

impl SubscriberMonitor {
    /// A snapshot of every status.
    pub fn snapshot(&self) -> BTreeMap<&'static str, SubscriberStatus> {
        self.statuses
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn update(&self, name: &'static str, f: impl FnOnce(&mut SubscriberStatus)) {
        let mut statuses = self.statuses.lock().unwrap_or_else(|p| p.into_inner());
        f(statuses.entry(name).or_default());
    }
}

/// Headers set on a dead-lettered message.
pub mod headers {
    /// Why the message was dead-lettered.
    pub const FAILURE_REASON: &str = "x-failure-reason";
    /// Handler attempts made.
    pub const FAILURE_ATTEMPTS: &str = "x-failure-attempts";
    /// The subscriber that gave up.
    pub const SUBSCRIBER: &str = "x-subscriber";
    /// The routing key the message was first published with.
    pub const ORIGINAL_ROUTING_KEY: &str = "x-original-routing-key";
}

/// Runs registered handlers until shutdown.
#[derive(Debug, Clone)]
pub struct SubscriberRuntime {
    pool: PgPool,
    options: SubscriberOptions,
    handlers: Vec<&'static SubscriberRegistration>,
    monitor: SubscriberMonitor,
}

enum Flow {
    Stop,
    Continue,
}

impl SubscriberRuntime {
    /// A runtime for every registered handler, on the subscriber's database.
    pub fn new(pool: PgPool, options: SubscriberOptions) -> Self {
        Self::with_handlers(pool, options, subscribers())
    }

    /// A runtime for the given handlers only.
    pub fn with_handlers(
        pool: PgPool,
        options: SubscriberOptions,
        handlers: Vec<&'static SubscriberRegistration>,
    ) -> Self {
        SubscriberRuntime {
            pool,
            options,
            handlers,
            monitor: SubscriberMonitor::default(),
        }
    }

    /// Reports into `monitor` (e.g. the service's, shown by `/health`).
    pub fn with_monitor(self, monitor: SubscriberMonitor) -> Self {
        SubscriberRuntime { monitor, ..self }
    }

    /// The runtime's status monitor.
    pub fn monitor(&self) -> &SubscriberMonitor {
        &self.monitor
    }

    /// Creates the inbox, then consumes for every handler until `shutdown`; each
    /// reconnects with backoff when the broker goes away. On shutdown the message in
    /// hand is finished and acknowledged; those prefetched are returned to the queue.
    pub async fn run(self, shutdown: watch::Receiver<bool>) -> Result<(), BusError> {
        ensure_inbox(&self.pool).await?;
        let tasks: Vec<_> = self
            .handlers
            .iter()
            .map(|&handler| {
                let queue = self.options.queue(handler.name);
                self.monitor.update(handler.name, |s| s.queue = queue);
                let consumer = Consumer {
                    pool: self.pool.clone(),
                    options: self.options.clone(),
                    handler,
                    monitor: self.monitor.clone(),
                };
                tokio::spawn(consumer.run(shutdown.clone()))
            })
            .collect();
        for task in tasks {
            let _ = task.await;
        }
        Ok(())
    }
}

struct Consumer {
    pool: PgPool,
    options: SubscriberOptions,
    handler: &'static SubscriberRegistration,
    monitor: SubscriberMonitor,
}

impl Consumer {
    async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let bus = &self.options.bus;
        let mut backoff = Backoff::new(bus.reconnect_min, bus.reconnect_max);
        while !*shutdown.borrow() {
            match self.session(&mut shutdown, &mut backoff).await {
                Ok(()) => break,
                Err(err) => {
                    warn!(subscriber = self.handler.name, cause = %err, "subscriber interrupted; reconnecting");
                    self.monitor.update(self.handler.name, |s| {
                        s.consuming = false;
                        s.last_error = Some(err.to_string());
                    });
                }
            }
            tokio::select! {
                () = tokio::time::sleep(backoff.next_delay()) => {}
                _ = shutdown.changed() => break,
            }
        }
    }

    async fn session(
        &self,
        shutdown: &mut watch::Receiver<bool>,
        backoff: &mut Backoff,
    ) -> Result<(), BusError> {
        let connection = connect(
            &self.options.bus,
            &format!("subscriber {}", self.handler.name),
        )
        .await?;
        let result = self.consume(&connection, shutdown, backoff).await;
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            connection.close(200, "subscriber stopping".into()),
        )
        .await;
        result
    }

    /// Declares the topology: exchange, dead-letter exchange and queue, the queue and
    /// its bindings.
    async fn declare(&self, channel: &Channel) -> Result<String, BusError> {
        let options = &self.options;
        let name = self.handler.name;
        let queue = options.queue(name);
        let dlx = options.dead_letter_exchange();
        let dlq = options.dead_letter_queue(name);
        declare_exchange(channel, &options.bus.exchange).await?;
        channel
            .exchange_declare(
                dlx.as_str().into(),
                ExchangeKind::Direct,
                ExchangeDeclareOptions {
                    durable: true,
                    ..ExchangeDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await?;
        let durable = QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        };
        channel
            .queue_declare(dlq.as_str().into(), durable, FieldTable::default())
            .await?;
        channel
            .queue_bind(
                dlq.as_str().into(),
                dlx.as_str().into(),
                queue.as_str().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
        // Messages the broker itself rejects (expired, or nacked without requeue) go
        // to the same dead-letter queue.
        let mut arguments = FieldTable::default();
        arguments.insert(
            "x-dead-letter-exchange".into(),
            AMQPValue::LongString(dlx.as_str().into()),
        );
        arguments.insert(
            "x-dead-letter-routing-key".into(),
            AMQPValue::LongString(queue.as_str().into()),
        );
        channel
            .queue_declare(queue.as_str().into(), durable, arguments)
            .await?;
        for pattern in self.handler.bindings {
            channel
                .queue_bind(
                    queue.as_str().into(),
                    options.bus.exchange.as_str().into(),
                    (*pattern).into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }
        Ok(queue)
    }

    async fn consume(
        &self,
        connection: &Connection,
        shutdown: &mut watch::Receiver<bool>,
        backoff: &mut Backoff,
    ) -> Result<(), BusError> {
        let bus = &self.options.bus;
        let channel = with_timeout(bus, connection.create_channel()).await?;
        let queue = with_timeout(bus, self.declare(&channel)).await?;
        let dead_letters = with_timeout(bus, connection.create_channel()).await?;
        with_timeout(
            bus,
            dead_letters.confirm_select(ConfirmSelectOptions::default()),
        )
        .await?;
        channel
            .basic_qos(self.options.prefetch, BasicQosOptions::default())
            .await?;
        let tag: ShortString = format!("{}-{}", queue, uuid::Uuid::new_v4()).into();
        let mut deliveries = channel
            .basic_consume(
                queue.as_str().into(),
                tag.clone(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        info!(subscriber = self.handler.name, %queue, bindings = ?self.handler.bindings, "subscriber consuming");
        self.monitor
            .update(self.handler.name, |s| s.consuming = true);
        backoff.reset();
        loop {
            tokio::select! {
                biased;
                _ = shutdown.changed() => {
                    let _ = channel.basic_cancel(tag, BasicCancelOptions::default()).await;
                    self.monitor.update(self.handler.name, |s| s.consuming = false);
                    return Ok(());
                }
                next = deliveries.next() => match next {
                    None => return Err(BusError::Closed),
                    Some(Err(err)) => return Err(err.into()),
                    Some(Ok(delivery)) => {
                        if let Flow::Stop = self.process(&dead_letters, delivery, shutdown).await? {
                            return Ok(());
                        }
                    }
                },
            }
        }
    }

    /// Handles one delivery to the end: acknowledged, dead-lettered, or (on shutdown
    /// or a database outage) returned to the queue.
    async fn process(
        &self,
        dead_letters: &Channel,
        delivery: Delivery,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<Flow, BusError> {
        let envelope = match serde_json::from_slice::<BroadcastEnvelope>(&delivery.data) {
            Ok(envelope) => envelope,
            Err(err) => {
                let reason = format!("not an event envelope: {err}");
                self.dead_letter(dead_letters, &delivery, &reason, 0)
                    .await?;
                return Ok(Flow::Continue);
            }
        };
        let span = info_span!(
            "consume",
            subscriber = self.handler.name,
            event_type = %envelope.event_type,
            event_id = %envelope.event_id,
            traceparent = envelope.metadata.traceparent.as_deref().unwrap_or(""),
        );
        if let Some(continue_trace) = self.options.continue_trace {
            continue_trace(&span, envelope.metadata.traceparent.as_deref());
        }
        let mut retry = Backoff::new(self.options.retry_base, self.options.retry_max);
        let mut attempt = 1;
        loop {
            let outcome = self
                .attempt(&envelope, attempt)
                .instrument(span.clone())
                .await;
            let failure = match outcome {
                Ok(handled) => {
                    self.monitor.update(self.handler.name, |s| {
                        if handled {
                            s.handled += 1;
                        } else {
                            s.duplicates += 1;
                        }
                    });
                    delivery.ack(BasicAckOptions::default()).await?;
                    return Ok(Flow::Continue);
                }
                Err(Attempt::Poison(reason)) => {
                    self.dead_letter(dead_letters, &delivery, &reason, attempt)
                        .await?;
                    return Ok(Flow::Continue);
                }
                Err(Attempt::Failed(reason)) if attempt >= self.options.max_attempts => {
                    self.dead_letter(dead_letters, &delivery, &reason, attempt)
                        .await?;
                    return Ok(Flow::Continue);
                }
                Err(Attempt::Failed(reason)) => {
                    attempt += 1;
                    reason
                }
                // Not the handler's fault: wait and try again without spending an attempt.
                Err(Attempt::Infrastructure(reason)) => reason,
            };
            self.monitor.update(self.handler.name, |s| {
                s.retries += 1;
                s.last_error = Some(failure.clone());
            });
            let delay = retry.next_delay();
            warn!(subscriber = self.handler.name, event_id = %envelope.event_id, cause = %failure, retry_in = ?delay, "event handling failed");
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                _ = shutdown.changed() => {
                    // Back to the queue for the next consumer, with no attempt lost.
                    delivery.nack(BasicNackOptions { requeue: true, ..BasicNackOptions::default() }).await?;
                    return Ok(Flow::Stop);
                }
            }
        }
    }

    /// One attempt in one transaction; true when handled, false when a duplicate.
    async fn attempt(&self, envelope: &BroadcastEnvelope, attempt: u32) -> Result<bool, Attempt> {
        let infrastructure = |e: sqlx::Error| Attempt::Infrastructure(e.to_string());
        let mut tx = self.pool.begin().await.map_err(infrastructure)?;
        let claimed = claim(
            &mut tx,
            self.handler.name,
            envelope.event_id,
            &envelope.event_type,
        )
        .await
        .map_err(infrastructure)?;
        if !claimed {
            debug!(subscriber = self.handler.name, event_id = %envelope.event_id, "duplicate skipped");
            return Ok(false);
        }
        let mut ctx = HandlerContext {
            conn: &mut tx,
            subscriber: self.handler.name,
            attempt,
        };
        // A panicking handler is a failing one: retried, then dead-lettered; the
        // consumer goes on.
        let handled = AssertUnwindSafe((self.handler.dispatch)(&mut ctx, envelope))
            .catch_unwind()
            .await;
        match handled {
            Ok(Ok(())) => {}
            Ok(Err(DispatchError::Decode(reason))) => return Err(Attempt::Poison(reason)),
            Ok(Err(DispatchError::Handler(err))) => return Err(Attempt::Failed(err.to_string())),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_owned());
                return Err(Attempt::Failed(format!("handler panicked: {message}")));
            }
        }
        tx.commit().await.map_err(infrastructure)?;
        Ok(true)
    }

    /// Publishes a copy to the dead-letter exchange with the reason, waits for the
    /// broker's confirm, then acknowledges the original.
    async fn dead_letter(
        &self,
        channel: &Channel,
        delivery: &Delivery,
        reason: &str,
        attempts: u32,
    ) -> Result<(), BusError> {
        let name = self.handler.name;
        warn!(subscriber = name, routing_key = %delivery.routing_key, %reason, attempts, "dead-lettering message");
        let mut headers = delivery.properties.headers().clone().unwrap_or_default();
        headers.insert(
            headers::FAILURE_REASON.into(),
            AMQPValue::LongString(reason.into()),
        );
        headers.insert(
            headers::FAILURE_ATTEMPTS.into(),
            AMQPValue::LongUInt(attempts),
        );
        headers.insert(
            headers::SUBSCRIBER.into(),
            AMQPValue::LongString(name.into()),
        );
        headers.insert(
            headers::ORIGINAL_ROUTING_KEY.into(),
            AMQPValue::LongString(delivery.routing_key.as_str().into()),
        );
        let properties = delivery.properties.clone().with_headers(headers);
        let bus = &self.options.bus;
        let confirm = with_timeout(
            bus,
            channel.basic_publish(
                self.options.dead_letter_exchange().as_str().into(),
                self.options.queue(name).as_str().into(),
                BasicPublishOptions::default(),
                &delivery.data,
                properties,
            ),
        )
        .await?;
        let confirmation = with_timeout(bus, confirm).await?;
        if !confirmation.is_ack() {
            return Err(BusError::Timeout(format!(
                "dead-letter exchange of {name} refused the message"
            )));
        }
        self.monitor.update(name, |s| s.dead_lettered += 1);
        delivery.ack(BasicAckOptions::default()).await?;
        Ok(())
    }
}

enum Attempt {
    Poison(String),
    Failed(String),
    Infrastructure(String),
}
