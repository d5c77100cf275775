//! Event handlers and their registration: [`EventHandler`], what it gets
//! ([`HandlerContext`]), and the link-time registry fed by
//! [`register_event_handler!`](crate::register_event_handler).

use std::future::Future;

use futures_util::future::BoxFuture;
use platform_core::{AuthenticatedUser, DomainEvent, EventEnvelope};
use sqlx::PgConnection;
use tracing::debug;

use crate::envelope::BroadcastEnvelope;

/// A handler could not apply an event; the delivery is retried, then dead-lettered.
#[derive(Debug, thiserror::Error)]
pub enum EventHandlerError {
    /// A database statement failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The handler refused or failed, with its reason.
    #[error("{0}")]
    Failed(String),
}

/// What a handler gets besides the event: the transaction its writes belong to, and
/// who the event was recorded for.
pub struct HandlerContext<'c> {
    pub(super) conn: &'c mut PgConnection,
    pub(super) subscriber: &'static str,
    pub(super) attempt: u32,
    pub(super) user: Option<AuthenticatedUser>,
    pub(super) tenant: &'c str,
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

    /// The user the event was recorded for (its metadata's `userId`, in its tenant;
    /// roles are not carried by events), if any.
    pub fn user(&self) -> Option<&AuthenticatedUser> {
        self.user.as_ref()
    }

    /// The tenant of the event's stream.
    pub fn tenant(&self) -> &str {
        self.tenant
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
    ) -> impl Future<Output = Result<(), EventHandlerError>> + Send;
}

/// Why a delivery was not handled.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// The message is not an event this handler can read: dead-lettered at once.
    #[error("cannot decode: {0}")]
    Decode(String),
    /// The handler failed: retried.
    #[error("handler failed: {0}")]
    Handler(#[from] EventHandlerError),
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
        // A binding wider than the handler's event enum (`Order.#` for the two types it
        // cares about) brings the producer's other types: taken and ignored.
        if !<H::Event as DomainEvent>::EVENT_TYPES.contains(&envelope.event_type.as_str()) {
            debug!(
                subscriber = H::NAME,
                event_type = %envelope.event_type,
                "not an event this handler takes; ignored"
            );
            return Ok(());
        }
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
