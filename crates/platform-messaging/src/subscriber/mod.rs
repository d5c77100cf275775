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
//!
//! # Layout
//! - `handler`: [`EventHandler`], [`HandlerContext`], [`SubscriberRegistration`] and
//!   [`register_event_handler!`](crate::register_event_handler).
//! - `options`: [`SubscriberOptions`], [`SubscriberStatus`], [`SubscriberMonitor`],
//!   [`headers`].
//! - `runtime`: [`SubscriberRuntime`], one consumer per handler until shutdown.
//! - `consumer`: one handler's connection, reconnecting with backoff, and its consume loop.
//! - `topology`: the exchanges, queues and bindings a consumer declares.
//! - `delivery`: one delivery to the end: attempts, retries, dead-lettering.

mod consumer;
mod delivery;
mod handler;
mod options;
mod runtime;
mod topology;

pub use handler::{
    DispatchError, EventDispatch, EventHandler, EventHandlerError, HandlerContext, HandlerServices,
    SubscriberRegistration, subscribers,
};
pub use options::{SubscriberMonitor, SubscriberOptions, SubscriberStatus, headers};
pub use runtime::SubscriberRuntime;
