//! Pausing inline projection of a read model while it is rebuilt, and resuming it
//! without a gap.

use std::collections::HashSet;

use sqlx::PgPool;
use std::sync::Arc;

use tokio::sync::{OwnedRwLockReadGuard, RwLock, RwLockReadGuard};
use tracing::info;

use crate::error::ReadModelError;
use crate::rebuild::catch_up_live;
use crate::registry::ReadModelRegistration;

/// Which read models this process projects inline right now.
///
/// Commands hold a read guard from projection to commit; pausing and resuming take
/// the write guard, so they never interleave with a command half-way.
#[derive(Debug, Default)]
pub struct ProjectionGate {
    paused: Arc<RwLock<HashSet<&'static str>>>,
}

impl ProjectionGate {
    /// A gate with every model projecting.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stops projecting a model inline (its table is stale and being rebuilt).
    pub async fn pause(&self, model: &'static ReadModelRegistration) {
        self.paused.write().await.insert(model.table);
    }

    /// Applies to the live table every event this process may have skipped since the
    /// rebuild's swap (all committed events from transaction `from_xmin` on,
    /// idempotently), then projects inline again. Returns the events applied.
    pub async fn resume(
        &self,
        pool: &PgPool,
        model: &'static ReadModelRegistration,
        from_xmin: i64,
    ) -> Result<u64, ReadModelError> {
        let mut paused = self.paused.write().await;
        let mut conn = pool.acquire().await?;
        let applied = catch_up_live(&mut conn, model, from_xmin).await?;
        paused.remove(model.table);
        info!(
            read_model = model.name,
            applied, "inline projection resumed"
        );
        Ok(applied)
    }

    /// Whether a model is paused.
    pub async fn is_paused(&self, table: &str) -> bool {
        self.paused.read().await.contains(table)
    }

    /// The paused tables, held for the duration of a command's projection and commit.
    pub(crate) async fn read(&self) -> RwLockReadGuard<'_, HashSet<&'static str>> {
        self.paused.read().await
    }

    /// [`read`](Self::read), owned, for a unit of work to hold until it commits.
    pub(crate) async fn read_owned(&self) -> OwnedRwLockReadGuard<HashSet<&'static str>> {
        Arc::clone(&self.paused).read_owned().await
    }
}
