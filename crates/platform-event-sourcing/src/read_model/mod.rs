//! Read models: `rm_*` tables declared with `#[derive(ReadModel)]` and kept current
//! from the events.
//!
//! - `model`: the [`ReadModel`] trait the derive implements, and column metadata.
//! - `registry`: [`ReadModelRegistration`], collected through `inventory`.
//! - `schema`: table and index DDL from a declaration, start-up preparation.
//! - `project`: applying events to rows (inline in the append transaction, or replay).
//! - `query`: [`ReadModelStore`], the generic query API (by key, by indexed column, paged).

mod gate;
mod model;
mod project;
mod projector;
mod query;
mod rebuild;
mod registry;
mod schema;

pub use gate::ProjectionGate;
pub use model::{Column, EventOf, IndexKind, PgQuery, Projection, ReadModel, RowKey};
pub(crate) use project::FastRow;
pub use project::project;
pub use projector::{
    EVENTS_CHANNEL, EventNotifier, Projector, ProjectorMonitor, ProjectorOptions, ProjectorStatus,
    spawn_projectors,
};
pub use query::{Page, PageRequest, ReadModelStore};
pub use rebuild::{
    DEFAULT_BATCH_SIZE, RebuildOptions, RebuildProgress, RebuildReport, catch_up_live, rebuild,
    shadow_table,
};
pub use registry::{ReadModelRegistration, read_models, read_models_for};
pub use schema::{PreparedReadModel, ReadModelStatus, prepare_read_models};

/// Why a read-model operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadModelError {
    /// The database failed (HTTP 500/503).
    #[error("read model database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Projecting events into a read model failed; the append was rolled back (HTTP 500).
    #[error("projection into {table} failed: {source}")]
    Projection {
        /// The table written.
        table: String,
        /// The cause.
        #[source]
        source: sqlx::Error,
    },
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
