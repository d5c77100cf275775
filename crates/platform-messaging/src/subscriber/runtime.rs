//! [`SubscriberRuntime`]: creates the inbox, then runs one consumer per registered
//! handler until shutdown.

use std::sync::Arc;

use platform_core::Providers;
use platform_event_sourcing::{AggregateCache, CommandExecutor, PgEventStore};
use platform_read_models::{InlineProjection, ProjectionGate};
use sqlx::PgPool;
use tokio::sync::watch;

use super::consumer::Consumer;
use super::handler::{HandlerServices, SubscriberRegistration, subscribers};
use super::options::{SubscriberMonitor, SubscriberOptions};
use crate::error::BusError;
use crate::inbox::ensure_inbox;

/// Runs registered handlers until shutdown.
#[derive(Debug, Clone)]
pub struct SubscriberRuntime {
    pool: PgPool,
    options: SubscriberOptions,
    handlers: Vec<&'static SubscriberRegistration>,
    monitor: SubscriberMonitor,
    services: Option<HandlerServices>,
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
            services: None,
        }
    }

    /// Reports into `monitor` (e.g. the service's, shown by `/health`).
    pub fn with_monitor(self, monitor: SubscriberMonitor) -> Self {
        SubscriberRuntime { monitor, ..self }
    }

    /// Handlers run their commands with this executor and take these providers (the
    /// service's own). Without it they get an executor of their own over the pool, with
    /// inline projection, and no providers.
    pub fn with_services(self, services: HandlerServices) -> Self {
        SubscriberRuntime {
            services: Some(services),
            ..self
        }
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
        let services = Arc::new(self.services.clone().unwrap_or_else(|| HandlerServices {
            executor: default_executor(&self.pool),
            providers: Providers::new(),
        }));
        let tasks: Vec<_> = self
            .handlers
            .iter()
            .map(|&handler| {
                let queue = self.options.queue(handler.name);
                self.monitor.update_entry(handler.name, |s| s.queue = queue);
                let consumer = Consumer {
                    pool: self.pool.clone(),
                    options: self.options.clone(),
                    handler,
                    services: Arc::clone(&services),
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

/// An executor over `pool` for handlers of a runtime started without a service's.
fn default_executor(pool: &PgPool) -> CommandExecutor<InlineProjection> {
    const CACHE: usize = 1024;
    const ATTEMPTS: u32 = 3;
    CommandExecutor::new(
        PgEventStore::new(pool.clone()),
        Arc::new(AggregateCache::new(CACHE)),
        ATTEMPTS,
    )
    .with_append_path(InlineProjection::new(
        CACHE,
        Arc::new(ProjectionGate::new()),
    ))
}
