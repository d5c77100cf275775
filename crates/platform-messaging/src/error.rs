//! Errors of the message bus.

use uuid::Uuid;

/// Publishing or consuming failed.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The broker refused a request or the connection failed.
    #[error("message bus: {0}")]
    Amqp(#[from] lapin::Error),
    /// The broker did not answer in time.
    #[error("message bus: no answer from {0} within the timeout")]
    Timeout(String),
    /// The broker refused a queue or exchange as declared (one of that name exists with
    /// other arguments): retrying cannot help until someone deletes it.
    #[error(
        "message bus: {what} exists with other arguments than this service declares ({reason}); delete it (e.g. `rabbitmqctl delete_queue {what}`) or give the service another SERVICE_NAME"
    )]
    Topology {
        /// The queue or exchange.
        what: String,
        /// What the broker said.
        reason: String,
    },
    /// The connection to the broker is gone.
    #[error("message bus: connection closed")]
    Closed,
    /// The broker answered a publish with a negative confirm.
    #[error("the broker refused event {event_id} (negative publisher confirm)")]
    Nacked {
        /// The event refused.
        event_id: Uuid,
    },
    /// The event store could not be read.
    #[error("event store: {0}")]
    Store(#[from] platform_event_sourcing::StoreError),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// An envelope could not be written as JSON.
    #[error("cannot encode event {event_id}: {source}")]
    Encode {
        /// The event.
        event_id: Uuid,
        /// What serde reported.
        #[source]
        source: serde_json::Error,
    },
}

impl BusError {
    /// Whether the broker side failed (reconnect), rather than the database.
    pub fn is_broker(&self) -> bool {
        matches!(
            self,
            BusError::Amqp(_) | BusError::Timeout(_) | BusError::Closed | BusError::Nacked { .. }
        )
    }
}
