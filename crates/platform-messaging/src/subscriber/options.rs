//! How subscribers consume ([`SubscriberOptions`]) and what they report
//! ([`SubscriberStatus`], [`SubscriberMonitor`], dead-letter [`headers`]).

use std::collections::BTreeMap;
use std::time::Duration;

use platform_event_sourcing::Monitor;

use crate::connection::BusOptions;

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
    /// Defaults: prefetch 128, 5 attempts, retries after 200 ms doubling up to 5 s.
    pub fn new(bus: BusOptions, queue_prefix: impl Into<String>) -> Self {
        SubscriberOptions {
            bus,
            queue_prefix: queue_prefix.into(),
            prefetch: 128,
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

/// Status of every subscriber in this process, by name.
pub type SubscriberMonitor = Monitor<BTreeMap<&'static str, SubscriberStatus>>;

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
