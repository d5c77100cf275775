//! [`SubscriberRuntime`]: creates the inbox, then runs one consumer per registered
//! handler until shutdown.

use sqlx::PgPool;
use tokio::sync::watch;

use super::consumer::Consumer;
use super::handler::{SubscriberRegistration, subscribers};
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
                self.monitor.update_entry(handler.name, |s| s.queue = queue);
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
