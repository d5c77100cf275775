//! Inline projection: read-model rows written in the same transaction as the events
//! of a command, so a query right after the command sees its effect, and a projection
//! that fails appends nothing.
//!
//! [`InlineProjection`] is the command executor's [`AppendPath`]. When every row a
//! command touches can be computed from the row cache, events and rows go out in one
//! statement (the append with each row as a [`CoWrite`], guarded by the revision it was
//! computed from): one round trip, one commit. When a row is not cached, or a guard
//! fails (the cached row was stale), the rows are loaded, locked, applied and written
//! in a transaction with the append instead. That choice is made here and nowhere else.

use std::sync::Arc;

use platform_core::{Aggregate, DomainEvent};
use platform_event_sourcing::{
    AppendOutcome, AppendPath, AppendResult, CoWrite, PendingAppend, PgEventStore, PlainAppend,
    StoreError, UnitOfWork,
};

use crate::cache::RowCache;
use crate::gate::ProjectionGate;
use crate::model::Projection;
use crate::project::PreparedRow;
use crate::registry::{ReadModelRegistration, read_models_for};

/// Projects inline read models in each append's transaction.
#[derive(Debug, Clone)]
pub struct InlineProjection {
    rows: Arc<RowCache>,
    gate: Arc<ProjectionGate>,
}

impl InlineProjection {
    /// Inline projection keeping up to `cache_size` rows in memory (0: none), pausing
    /// the models `gate` says are being rebuilt.
    pub fn new(cache_size: usize, gate: Arc<ProjectionGate>) -> Self {
        InlineProjection {
            rows: Arc::new(RowCache::new(cache_size)),
            gate,
        }
    }

    /// The gate pausing models under rebuild.
    pub fn gate(&self) -> &Arc<ProjectionGate> {
        &self.gate
    }

    /// Events and rows in one statement when every row is cached; `None` when one is
    /// not, or a cached row proved stale (nothing was written).
    async fn in_one_statement<A: Aggregate>(
        &self,
        store: &PgEventStore,
        pending: &PendingAppend<'_, A>,
        models: &[&'static ReadModelRegistration],
    ) -> Result<Option<AppendResult>, StoreError> {
        let envelopes = pending.envelopes(None);
        let Some(rows) = models
            .iter()
            .map(|m| m.prepare_inline(&envelopes, &self.rows))
            .collect::<Option<Vec<Arc<dyn PreparedRow>>>>()
        else {
            return Ok(None);
        };
        let co_writes: Vec<Arc<dyn CoWrite>> = rows
            .iter()
            .map(|r| Arc::clone(r) as Arc<dyn CoWrite>)
            .collect();
        let outcome = store
            .append_shared(
                pending.stream_id,
                A::TYPE,
                pending.expected,
                pending.new_events,
                co_writes,
            )
            .await?;
        match outcome {
            AppendOutcome::Appended(result) => {
                for row in &rows {
                    self.rows.put(row.cached(result.last_position()));
                }
                Ok(Some(result))
            }
            AppendOutcome::GuardFailed => {
                for row in &rows {
                    let (table, key) = row.address();
                    self.rows.remove(table, key);
                }
                Ok(None)
            }
        }
    }

    /// Events and rows in one transaction, each model's rows loaded and locked.
    async fn in_transaction<A: Aggregate>(
        &self,
        store: &PgEventStore,
        pending: &PendingAppend<'_, A>,
        models: &[&'static ReadModelRegistration],
    ) -> Result<AppendResult, StoreError> {
        let mut tx = store.begin().await?;
        let result = store
            .append_in(
                &mut tx,
                pending.stream_id,
                A::TYPE,
                pending.expected,
                pending.new_events,
            )
            .await?;
        let envelopes = pending.envelopes(Some(&result.positions));
        let mut written = Vec::new();
        for model in models {
            model
                .project_typed(&mut tx, &envelopes, &mut written)
                .await?;
        }
        tx.commit().await?;
        for row in written {
            self.rows.put(row);
        }
        Ok(result)
    }
}

/// The inline models that project these events, but the paused ones.
fn models_for<A: Aggregate>(
    pending: &PendingAppend<'_, A>,
    paused: &std::collections::HashSet<&'static str>,
) -> Vec<&'static ReadModelRegistration> {
    read_models_for(A::TYPE)
        .iter()
        .copied()
        .filter(|m| m.projection == Projection::Inline && !paused.contains(m.table))
        .filter(|m| {
            pending
                .events
                .iter()
                .any(|e| m.event_types.contains(&e.event_type()))
        })
        .collect()
}

impl AppendPath for InlineProjection {
    async fn append<A: Aggregate>(
        &self,
        store: &PgEventStore,
        pending: &PendingAppend<'_, A>,
    ) -> Result<AppendResult, StoreError> {
        // Held until the append committed: a rebuild's swap and resume wait for it.
        let paused = self.gate.read().await;
        let models = models_for(pending, &paused);
        if models.is_empty() {
            return PlainAppend.append(store, pending).await;
        }
        if let Some(result) = self.in_one_statement(store, pending, &models).await? {
            return Ok(result);
        }
        self.in_transaction(store, pending, &models).await
    }

    /// In a unit of work the rows are loaded, locked and written in its transaction (a
    /// failed one-statement guard would abort the unit); cached once it committed.
    async fn append_in<A: Aggregate>(
        &self,
        unit: &mut UnitOfWork,
        store: &PgEventStore,
        pending: &PendingAppend<'_, A>,
    ) -> Result<AppendResult, StoreError> {
        let paused = self.gate.read_owned().await;
        let models = models_for(pending, &paused);
        unit.hold(paused);
        let result = PlainAppend.append_in(unit, store, pending).await?;
        if models.is_empty() {
            return Ok(result);
        }
        let envelopes = pending.envelopes(Some(&result.positions));
        let mut written = Vec::new();
        for model in &models {
            model
                .project_typed(unit.conn(), &envelopes, &mut written)
                .await?;
        }
        let rows = Arc::clone(&self.rows);
        unit.after_commit(move || {
            for row in written {
                rows.put(row);
            }
        });
        Ok(result)
    }
}
