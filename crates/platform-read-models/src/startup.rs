//! The start-up check of every declared read model against its table.

use sqlx::PgPool;
use tracing::{info, warn};

use crate::error::ReadModelError;
use crate::rebuild::{RebuildOptions, rebuild};
use crate::registry::{ReadModelRegistration, read_models};
use crate::store::ledger;

/// What start-up found for a read model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadModelStatus {
    /// The table matches its declaration.
    Current,
    /// The model was new: its table was built from the log (this many events).
    Built {
        /// Events replayed.
        events: u64,
    },
    /// The declaration changed since the table was built: it must be rebuilt
    /// (`catchup`, or automatically with `READ_MODELS_AUTO_REBUILD=true`).
    Stale,
}

/// A read model after start-up preparation.
#[derive(Debug, Clone)]
pub struct PreparedReadModel {
    /// The model.
    pub model: &'static ReadModelRegistration,
    /// What was found or done.
    pub status: ReadModelStatus,
}

/// Checks every registered read model against the database: a new one is built from
/// the log now (nobody reads it yet); one whose declaration changed is reported
/// `Stale` and left for a rebuild that keeps the live table readable.
pub async fn prepare_read_models(pool: &PgPool) -> Result<Vec<PreparedReadModel>, ReadModelError> {
    let mut prepared = Vec::new();
    for model in read_models() {
        let hash = model.definition_hash();
        let status = match ledger::stored_model(pool, model.name).await? {
            Some(stored) if stored.table_exists && stored.definition_hash == hash => {
                ReadModelStatus::Current
            }
            Some(stored) if stored.table_exists => {
                warn!(
                    read_model = model.name,
                    table = model.table,
                    "declaration changed since the table was built; it needs a rebuild \
                     (catchup --read-model {}, or READ_MODELS_AUTO_REBUILD=true)",
                    model.name
                );
                ReadModelStatus::Stale
            }
            _ => {
                // Another instance starting at the same time may build it first.
                let options = RebuildOptions {
                    only_if_stale: true,
                    ..RebuildOptions::default()
                };
                let report = rebuild(pool, model, options, |_| {}).await?;
                info!(
                    read_model = model.name,
                    table = model.table,
                    events = report.events,
                    "read model built"
                );
                ReadModelStatus::Built {
                    events: report.events,
                }
            }
        };
        prepared.push(PreparedReadModel { model, status });
    }
    Ok(prepared)
}

/// When the model's table matches its declaration: the oldest transaction that was
/// running at the swap that made it so (a process that paused inline projection
/// resumes from there, see [`ProjectionGate::resume`](crate::ProjectionGate::resume));
/// `None` while the table is stale.
pub async fn current_since(
    pool: &PgPool,
    model: &ReadModelRegistration,
) -> Result<Option<i64>, ReadModelError> {
    Ok(ledger::stored_model(pool, model.name)
        .await?
        .filter(|stored| stored.table_exists && stored.definition_hash == model.definition_hash())
        .map(|stored| stored.rebuilt_transaction_id.unwrap_or(0)))
}
