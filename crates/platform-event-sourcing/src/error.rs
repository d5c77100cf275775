use platform_core::{ConcurrencyError, EventDecodeError};

/// Why the event store failed (infrastructure, not business rules).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another writer appended first: reload and decide again (HTTP 409).
    #[error(transparent)]
    Concurrency(#[from] ConcurrencyError),
    /// An event with this id is already stored: the append was a duplicate (HTTP 409).
    #[error("event {0} is already stored")]
    DuplicateEvent(uuid::Uuid),
    /// A stored event could not be decoded: a code/data mismatch (HTTP 500, logged).
    #[error(transparent)]
    Decode(#[from] EventDecodeError),
    /// An event could not be serialized (HTTP 500, logged).
    #[error("event serialization failed: {0}")]
    Serialize(#[from] serde_json::Error),
    /// A row written with the events (an inline read model) was refused; nothing was
    /// appended (HTTP 500, logged; 503 when the database is unavailable).
    #[error(transparent)]
    Projection(#[from] ProjectionError),
    /// A unit of work waited too long for a stream another unit of this process has
    /// turned to itself: rolled back and run again (HTTP 409).
    #[error("stream {0} is in use by another unit of work; retry")]
    Busy(String),
    /// The database failed or is unreachable (HTTP 503/500, logged).
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// Whether the database could not be reached at all (as opposed to refusing a query).
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Database(e) => is_unavailable(e),
            StoreError::Projection(p) => is_unavailable(&p.source),
            _ => false,
        }
    }
}

/// Writing the rows of a read model with the events failed.
#[derive(Debug, thiserror::Error)]
#[error("projection into {table} failed: {source}")]
pub struct ProjectionError {
    /// The table written.
    pub table: String,
    /// What the database said.
    #[source]
    pub source: sqlx::Error,
}

/// Whether a database error means the server cannot be used right now — unreachable,
/// restarting, shutting down, refusing connections, out of connection slots — or gave
/// up on this statement for now (a lock or statement timeout, a deadlock, a
/// serialization failure), rather than refusing it. Such errors are retried later, never
/// reported as bugs.
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            // 08: connection exception; 57P01-03: admin/crash shutdown, cannot connect
            // now; 53300: too many connections; 55000 with this message: the database
            // does not accept connections at the moment; 55P03: lock timeout; 57014:
            // statement timeout or cancelled; 40001/40P01: serialization failure,
            // deadlock.
            code.starts_with("08")
                || matches!(
                    code.as_ref(),
                    "57P01" | "57P02" | "57P03" | "53300" | "55P03" | "57014" | "40001" | "40P01"
                )
                || (code == "55000" && db.message().contains("accepting connections"))
        }
        _ => false,
    }
}

/// A business rule the command broke, with its stable code (HTTP 422).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RuleViolation {
    /// Stable snake_case code.
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: String,
}

/// Why a command could not be executed.
#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    /// The command broke a business rule (HTTP 422).
    #[error(transparent)]
    Rule(#[from] RuleViolation),
    /// The aggregate does not exist (HTTP 404).
    #[error("{aggregate_type} {id} not found")]
    NotFound {
        /// Aggregate type.
        aggregate_type: &'static str,
        /// The id asked for.
        id: String,
    },
    /// Concurrent writers kept winning after every retry (HTTP 409).
    #[error(transparent)]
    Conflict(ConcurrencyError),
    /// The store failed (HTTP 500/503, logged).
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for ExecuteError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Concurrency(c) => ExecuteError::Conflict(c),
            other => ExecuteError::Store(other),
        }
    }
}
