//! What handlers get: the store, the command executor and the request's metadata.

use std::sync::Arc;

use platform_core::{Aggregate, AuthenticatedUser, DEFAULT_TENANT, Metadata, MissingProvider};
use platform_event_sourcing::{
    AggregateCache, CommandExecutor, EventNotifier, Executed, Loaded, PgEventStore,
    StreamExpectation, StreamRange, UnitOfWork,
};
use platform_messaging::{RelayMonitor, SubscriberMonitor};
use platform_read_models::{
    InlineProjection, ProjectionGate, ProjectorMonitor, ReadModel, ReadModelStore,
};
use sqlx::PgPool;

use crate::config::{Config, Settings};
use crate::error::{HandlerError, InternalError};
use crate::metrics::Metrics;
use crate::module::Hosting;

/// Shared state of a running service; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    executor: CommandExecutor<InlineProjection>,
    notifier: EventNotifier,
    monitor: ProjectorMonitor,
    relay: RelayMonitor,
    subscribers: SubscriberMonitor,
    metrics: Metrics,
    hosting: Hosting,
}

impl AppState {
    /// State over a migrated database whose role row-level security does not bind.
    pub fn new(config: Config, pool: PgPool) -> Self {
        Self::with_row_security(config, pool, false)
    }

    /// State over a migrated database; with `row_security` (the pool's role is bound by
    /// row-level security, see [`tenant_isolation_gap`](crate::tenant_isolation_gap)),
    /// every statement runs in a transaction that names its tenant.
    pub fn with_row_security(config: Config, pool: PgPool, row_security: bool) -> Self {
        let hosting = Hosting::everything(&config);
        Self::hosting(config, pool, row_security, hosting)
    }

    /// State over a migrated database (see [`with_row_security`](Self::with_row_security))
    /// serving the modules of `hosting`, with their providers.
    pub fn hosting(config: Config, pool: PgPool, row_security: bool, hosting: Hosting) -> Self {
        let cache_size = config.commands.aggregate_cache_size;
        let notifier = EventNotifier::default();
        let projection = InlineProjection::new(cache_size, Arc::new(ProjectionGate::new()));
        let executor = CommandExecutor::new(
            PgEventStore::new(pool)
                .with_row_security(row_security)
                .with_group_commit(config.commands.group_commit_writers),
            Arc::new(AggregateCache::new(cache_size)),
            config.commands.max_attempts,
        )
        .with_notifier(notifier.clone())
        .with_snapshots(config.commands.snapshot_every)
        .with_append_path(projection);
        AppState {
            inner: Arc::new(Inner {
                config,
                executor,
                notifier,
                monitor: ProjectorMonitor::default(),
                relay: RelayMonitor::default(),
                subscribers: SubscriberMonitor::default(),
                metrics: Metrics::default(),
                hosting,
            }),
        }
    }

    /// The gate pausing inline projection of read models under rebuild.
    pub fn gate(&self) -> &Arc<ProjectionGate> {
        self.inner.executor.append_path().gate()
    }

    /// Wakes async projectors after appends.
    pub fn notifier(&self) -> &EventNotifier {
        &self.inner.notifier
    }

    /// Status of this process's outbox relay.
    pub fn relay(&self) -> &RelayMonitor {
        &self.inner.relay
    }

    /// Status of this process's subscribers.
    pub fn subscribers(&self) -> &SubscriberMonitor {
        &self.inner.subscribers
    }

    /// Request metrics of this process.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Status of this process's async projectors.
    pub fn monitor(&self) -> &ProjectorMonitor {
        &self.inner.monitor
    }

    /// The service configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The event store.
    pub fn store(&self) -> &PgEventStore {
        self.inner.executor.store()
    }

    /// The command executor (shared by HTTP handlers and subscribers).
    pub fn executor(&self) -> &CommandExecutor<InlineProjection> {
        &self.inner.executor
    }

    /// The modules this process hosts and the providers they built.
    pub fn modules(&self) -> &Hosting {
        &self.inner.hosting
    }

    /// The provider of type `T`.
    pub fn provider<T: Send + Sync + 'static>(&self) -> Result<&T, MissingProvider> {
        self.inner.hosting.providers().get::<T>()
    }

    /// A context for running one command for `caller`, recording this metadata.
    pub fn command_context(&self, metadata: Metadata, caller: Caller) -> CommandContext {
        CommandContext {
            state: self.clone(),
            metadata,
            caller,
            unit: None,
        }
    }

    /// A context whose commands all commit in `unit`, with whatever else its owner
    /// writes there (an idempotency key's answer).
    pub fn command_context_in(
        &self,
        metadata: Metadata,
        caller: Caller,
        unit: SharedUnit,
    ) -> CommandContext {
        CommandContext {
            state: self.clone(),
            metadata,
            caller,
            unit: Some(unit),
        }
    }

    /// A context for answering one query for `caller`.
    pub fn query_context(&self, metadata: Metadata, caller: Caller) -> QueryContext {
        QueryContext {
            state: self.clone(),
            metadata,
            caller,
        }
    }
}

/// Who a request runs for: its verified user (none when anonymous), and so the tenant
/// whose data it reads and writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caller {
    user: Option<AuthenticatedUser>,
}

impl Caller {
    /// A caller without a verified user (in the default tenant).
    pub fn anonymous() -> Self {
        Caller::default()
    }

    /// A verified user.
    pub fn authenticated(user: AuthenticatedUser) -> Self {
        Caller { user: Some(user) }
    }

    /// The verified user, if any.
    pub fn user(&self) -> Option<&AuthenticatedUser> {
        self.user.as_ref()
    }

    /// The tenant: the user's, or the default one for anonymous callers.
    pub fn tenant(&self) -> &str {
        self.user
            .as_ref()
            .map_or(DEFAULT_TENANT, |u| u.tenant.as_str())
    }
}

/// Given to a command handler: runs aggregate commands with the request's metadata.
#[derive(Debug, Clone)]
pub struct CommandContext {
    state: AppState,
    metadata: Metadata,
    caller: Caller,
    unit: Option<SharedUnit>,
}

/// A unit of work a context's commands run in, shared with the context's owner, who
/// commits it once the handler is done.
pub type SharedUnit = Arc<tokio::sync::Mutex<UnitOfWork>>;

impl CommandContext {
    /// Runs a command that creates a new aggregate under `id`.
    pub async fn create<A: Aggregate>(
        &self,
        id: &str,
        command: A::Command,
    ) -> Result<Executed<A>, HandlerError> {
        self.execute(id, StreamExpectation::New, command).await
    }

    /// Runs a command on an existing aggregate; a missing one is a 404.
    pub async fn update<A: Aggregate>(
        &self,
        id: &str,
        command: A::Command,
    ) -> Result<Executed<A>, HandlerError> {
        self.execute(id, StreamExpectation::Existing, command).await
    }

    async fn execute<A>(
        &self,
        id: &str,
        expectation: StreamExpectation,
        command: A::Command,
    ) -> Result<Executed<A>, HandlerError>
    where
        A: Aggregate,
    {
        let executor = &self.state.inner.executor;
        Ok(match &self.unit {
            Some(unit) => {
                let mut unit = unit.lock().await;
                executor
                    .execute_in::<A>(&mut unit, id, expectation, command, &self.metadata)
                    .await?
            }
            None => {
                executor
                    .in_tenant(self.caller.tenant())
                    .execute::<A>(id, expectation, command, &self.metadata)
                    .await?
            }
        })
    }

    /// The service's own settings of type `T` ([`register_settings!`](crate::register_settings)),
    /// read at start-up.
    pub fn settings<T: Settings>(&self) -> Result<&T, HandlerError> {
        self.state.config().services.get::<T>().ok_or_else(|| {
            HandlerError::internal(
                "settings",
                InternalError::MissingSettings(std::any::type_name::<T>()),
            )
        })
    }

    /// The request's metadata, recorded with every event.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The service's provider of type `T` (declare it in the handler's `REQUIRES`, so
    /// that a service without it does not start).
    pub fn provider<T: Send + Sync + 'static>(&self) -> Result<&T, HandlerError> {
        provider(&self.state)
    }

    /// Read access for the same caller (same tenant, same user), e.g. to check what a
    /// command may touch before running it.
    pub fn reader(&self) -> QueryContext {
        self.state
            .query_context(self.metadata.clone(), self.caller.clone())
    }

    /// The verified user the command runs for (`None` when anonymous).
    pub fn user(&self) -> Option<&AuthenticatedUser> {
        self.caller.user()
    }

    /// The tenant whose streams the command reads and writes.
    pub fn tenant(&self) -> &str {
        self.caller.tenant()
    }

    /// The service state.
    pub fn state(&self) -> &AppState {
        &self.state
    }
}

/// Given to a query handler: read access to the store.
#[derive(Debug, Clone)]
pub struct QueryContext {
    state: AppState,
    metadata: Metadata,
    caller: Caller,
}

impl QueryContext {
    /// The event store, scoped to the caller's tenant.
    pub fn store(&self) -> PgEventStore {
        self.state.store().in_tenant(self.caller.tenant())
    }

    /// Queries over the caller's tenant's rows of a read model.
    pub fn read_model<R: ReadModel>(&self) -> ReadModelStore<R> {
        ReadModelStore::new(self.state.store().pool().clone())
            .with_row_security(self.state.store().row_security())
            .in_tenant(self.caller.tenant())
    }

    /// Rebuilds an aggregate from its stream (or part of it); a missing one is a 404.
    pub async fn load<A: Aggregate>(
        &self,
        id: &str,
        range: StreamRange,
    ) -> Result<Loaded<A>, HandlerError> {
        let loaded = self.store().load_at::<A>(id, range).await?;
        if loaded.exists() {
            Ok(loaded)
        } else {
            Err(HandlerError::not_found(A::TYPE, id))
        }
    }

    /// The request's metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The service's provider of type `T` (declare it in the handler's `REQUIRES`, so
    /// that a service without it does not start).
    pub fn provider<T: Send + Sync + 'static>(&self) -> Result<&T, HandlerError> {
        provider(&self.state)
    }

    /// The verified user the query runs for (`None` when anonymous).
    pub fn user(&self) -> Option<&AuthenticatedUser> {
        self.caller.user()
    }

    /// The tenant whose data the query reads.
    pub fn tenant(&self) -> &str {
        self.caller.tenant()
    }

    /// The service state.
    pub fn state(&self) -> &AppState {
        &self.state
    }
}

fn provider<T: Send + Sync + 'static>(state: &AppState) -> Result<&T, HandlerError> {
    state
        .provider::<T>()
        .map_err(|missing| HandlerError::internal("provider", missing))
}
