//! Announcing appends: readers of the log (async projectors, the outbox relay) wait on
//! `LISTEN platform_events` and fall back to polling.

use std::sync::Arc;

use sqlx::PgPool;
use tokio::sync::{Notify, watch};
use tracing::debug;

/// The channel appends are announced on.
pub const EVENTS_CHANNEL: &str = "platform_events";

/// Wakes log readers after appends: in this process at once, in others through
/// `NOTIFY`, coalescing bursts into one notification.
///
/// `NOTIFY` is not issued inside the command's transaction: PostgreSQL serialises the
/// commits of transactions that notified.
#[derive(Debug, Clone, Default)]
pub struct EventNotifier {
    wake: Arc<Notify>,
}

impl EventNotifier {
    /// Announces that events were appended.
    pub fn notify(&self) {
        self.wake.notify_one();
    }

    /// Sends `NOTIFY platform_events` after each burst of appends until shutdown.
    pub fn spawn(
        &self,
        pool: PgPool,
        mut shutdown: watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        let wake = Arc::clone(&self.wake);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = wake.notified() => {}
                    _ = shutdown.changed() => return,
                }
                let sent = sqlx::query("SELECT pg_notify($1, '')")
                    .bind(EVENTS_CHANNEL)
                    .execute(&pool)
                    .await;
                if let Err(err) = sent {
                    debug!(cause = %err, "event notification failed; readers fall back to polling");
                }
            }
        })
    }
}
