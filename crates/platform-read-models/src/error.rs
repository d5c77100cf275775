use platform_event_sourcing::{ProjectionError, StoreError};

/// Why a read-model operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadModelError {
    /// The database failed (HTTP 500, or 503 when it is unavailable).
    #[error("read model database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Reading the event log failed (HTTP 500/503).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing a read model's rows failed; in a command, the append was rolled back
    /// (HTTP 500).
    #[error(transparent)]
    Projection(#[from] ProjectionError),
    /// A stored event could not be decoded for projection (HTTP 500).
    #[error(transparent)]
    Decode(#[from] platform_core::EventDecodeError),
    /// A query asked for a column that is neither the key nor indexed (a programming error).
    #[error("{read_model} cannot be queried by {column:?}: only the key and #[index] columns can")]
    NotQueryable {
        /// The read model.
        read_model: &'static str,
        /// The column asked for.
        column: String,
    },
    /// A paging cursor was not one this API returned (HTTP 400).
    #[error("invalid cursor {0:?}")]
    InvalidCursor(String),
}

impl ReadModelError {
    /// Whether the database could not be reached at all (retry later, HTTP 503).
    pub fn is_unavailable(&self) -> bool {
        match self {
            ReadModelError::Database(e) => platform_event_sourcing::is_unavailable(e),
            ReadModelError::Store(e) => e.is_unavailable(),
            ReadModelError::Projection(p) => platform_event_sourcing::is_unavailable(&p.source),
            _ => false,
        }
    }
}

/// A failed projection statement, attributed to its table.
pub(crate) fn projection_failed(table: &str) -> impl Fn(sqlx::Error) -> ReadModelError + '_ {
    move |source| {
        ReadModelError::Projection(ProjectionError {
            table: table.to_owned(),
            source,
        })
    }
}

/// Projection failures become the store's: nothing was appended.
impl From<ReadModelError> for StoreError {
    fn from(err: ReadModelError) -> Self {
        match err {
            ReadModelError::Store(e) => e,
            ReadModelError::Projection(e) => StoreError::Projection(e),
            ReadModelError::Database(e) => StoreError::Database(e),
            ReadModelError::Decode(e) => StoreError::Decode(e),
            other => StoreError::Database(sqlx::Error::Protocol(other.to_string())),
        }
    }
}
