//! RabbitMQ broadcast of domain events: the outbox relay and the subscriber runtime.
//!
//! Events declared `#[domain_event(broadcast)]` are published from the event log itself
//! (a transactional outbox: the append is the only write) to a durable topic exchange,
//! with routing key `{aggregateType}.{eventType}` and a JSON [`BroadcastEnvelope`].
//! Delivery is at least once; subscribers dedupe by event id.
//!
//! # Layout
//! - `connection`: [`BusOptions`], connecting, declaring the exchange, [`Backoff`].
//! - `envelope`: [`BroadcastEnvelope`] and its AMQP properties.
//! - `publisher`: [`Publisher`], batches with publisher confirms.
//! - `relay`: [`OutboxRelay`] (lease, checkpoint, lag) and [`republish`].
//! - `inbox`: the subscriber-side dedupe table.
//! - `subscriber`: [`EventHandler`], [`register_event_handler!`], [`SubscriberRuntime`].
//! - `error`: [`BusError`].
//! - `testing` (feature `testing`): a throwaway exchange per test, and queues to watch.

mod connection;
mod envelope;
mod error;
pub mod inbox;
mod publisher;
mod relay;
mod subscriber;
#[cfg(feature = "testing")]
pub mod testing;

pub use connection::{Backoff, BusOptions, connect, declare_exchange};
pub use envelope::{BroadcastEnvelope, TENANT_HEADER, TRACEPARENT_HEADER, routing_key};
pub use error::BusError;
pub use publisher::Publisher;
pub use relay::{OutboxRelay, RelayMonitor, RelayOptions, RelayStatus, RepublishRange, republish};
pub use subscriber::{
    DispatchError, EventDispatch, EventHandler, EventHandlerError, HandlerContext, HandlerServices,
    SubscriberMonitor, SubscriberOptions, SubscriberRegistration, SubscriberRuntime,
    SubscriberStatus, headers, subscribers,
};

/// Re-exports for [`register_event_handler!`]; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use inventory;
}
