//! Event handlers and their registration: [`EventHandler`], what it gets
//! ([`HandlerContext`]), and the link-time registry fed by
//! [`register_event_handler!`](crate::register_event_handler).

use std::future::Future;

use futures_util::future::BoxFuture;
use platform_core::{
    Aggregate, AuthenticatedUser, DomainEvent, EventEnvelope, Metadata, MissingProvider, Providers,
    Requirement,
};
use platform_event_sourcing::{
    CommandExecutor, ExecuteError, Executed, StoreError, StreamExpectation, UnitOfWork,
};
use platform_read_models::InlineProjection;
use sqlx::PgConnection;
use tracing::debug;

use crate::envelope::BroadcastEnvelope;

/// A handler could not apply an event; the delivery is retried, then dead-lettered.
#[derive(Debug, thiserror::Error)]
pub enum EventHandlerError {
    /// A database statement failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A command the handler ran failed (a broken rule is retried like any failure:
    /// match on [`ExecuteError::Rule`] first to record it instead).
    #[error("command: {0}")]
    Execute(#[from] ExecuteError),
    /// A provider the handler asked for is not there.
    #[error(transparent)]
    MissingProvider(#[from] MissingProvider),
    /// The handler refused or failed, with its reason.
    #[error("{0}")]
    Failed(String),
}

impl EventHandlerError {
    /// Whether the failure is the infrastructure's (the database unreachable, a
    /// concurrent writer), retried without spending one of the delivery's attempts.
    pub fn is_transient(&self) -> bool {
        match self {
            EventHandlerError::Database(e) => platform_event_sourcing::is_unavailable(e),
            EventHandlerError::Execute(ExecuteError::Conflict(_)) => true,
            EventHandlerError::Execute(ExecuteError::Store(e)) => {
                matches!(e, StoreError::Busy(_)) || e.is_unavailable()
            }
            _ => false,
        }
    }
}

/// The command executor and providers of the service a subscriber runs in.
#[derive(Debug, Clone)]
pub struct HandlerServices {
    /// Runs the service's own commands (shared with its HTTP handlers: same cache,
    /// same stream turns, same inline projection).
    pub executor: CommandExecutor<InlineProjection>,
    /// The service's providers.
    pub providers: Providers,
}

/// What a handler gets besides the event: the transaction its writes belong to (with
/// the inbox record that dedupes the event), the service's commands and providers, and
/// who the event was recorded for.
pub struct HandlerContext<'c> {
    pub(super) unit: &'c mut UnitOfWork,
    pub(super) services: &'c HandlerServices,
    pub(super) envelope: &'c BroadcastEnvelope,
    pub(super) subscriber: &'static str,
    pub(super) attempt: u32,
    pub(super) user: Option<AuthenticatedUser>,
}

impl HandlerContext<'_> {
    /// The transaction that also records the event in the inbox; write through it so
    /// the writes and the dedupe record commit together.
    pub fn db(&mut self) -> &mut PgConnection {
        self.unit.conn()
    }

    /// Runs a command of this service that creates aggregate `id`, in the inbox
    /// transaction: its events (and inline read-model rows) commit with the inbox
    /// record, so a redelivered event runs nothing twice. The events carry this
    /// event's correlation id and its id as causation.
    pub async fn create<A: Aggregate>(
        &mut self,
        id: &str,
        command: A::Command,
    ) -> Result<Executed<A>, ExecuteError> {
        self.execute(id, StreamExpectation::New, command).await
    }

    /// Runs a command of this service on the existing aggregate `id`, in the inbox
    /// transaction (see [`create`](Self::create)).
    pub async fn update<A: Aggregate>(
        &mut self,
        id: &str,
        command: A::Command,
    ) -> Result<Executed<A>, ExecuteError> {
        self.execute(id, StreamExpectation::Existing, command).await
    }

    /// Runs a command of this service on aggregate `id` as `expectation` says, in the
    /// inbox transaction (see [`create`](Self::create)).
    pub async fn execute<A: Aggregate>(
        &mut self,
        id: &str,
        expectation: StreamExpectation,
        command: A::Command,
    ) -> Result<Executed<A>, ExecuteError> {
        let metadata = self.command_metadata();
        self.services
            .executor
            .execute_in::<A>(self.unit, id, expectation, command, &metadata)
            .await
    }

    /// The metadata of the events this handler's commands record: the event's
    /// correlation id (its own id when it had none), the event as causation, and the
    /// user and trace it was recorded with.
    pub fn command_metadata(&self) -> Metadata {
        let incoming = &self.envelope.metadata;
        let event_id = self.envelope.event_id.to_string();
        Metadata {
            correlation_id: Some(
                incoming
                    .correlation_id
                    .clone()
                    .unwrap_or_else(|| event_id.clone()),
            ),
            causation_id: Some(event_id),
            user_id: incoming.user_id.clone(),
            traceparent: incoming.traceparent.clone(),
        }
    }

    /// The service's provider of type `T` (declare it in the handler's `REQUIRES`, so
    /// that a service without it does not start).
    pub fn provider<T: Send + Sync + 'static>(&self) -> Result<&T, MissingProvider> {
        self.services.providers.get::<T>()
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
        &self.envelope.tenant_id
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
    /// The providers it takes from its context: a service that hosts it without them
    /// does not start.
    const REQUIRES: &'static [Requirement] = &[];

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
    /// The providers its handler takes.
    pub requires: &'static [Requirement],
    /// The Rust module it was registered in (which service module owns it).
    pub module_path: &'static str,
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
            requires: H::REQUIRES,
            module_path: "",
            dispatch: dispatch::<H>,
        }
    }

    /// The same, registered in the Rust module `module_path`.
    pub const fn at(self, module_path: &'static str) -> Self {
        SubscriberRegistration {
            module_path,
            ..self
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
            $crate::SubscriberRegistration::of::<$handler>().at(module_path!())
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
