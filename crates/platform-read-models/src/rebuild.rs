//! Catch-up: rebuilding a read model from the log into a shadow table, in batches,
//! resumable from a checkpoint, swapped in atomically at the live head.

use std::time::{Duration, Instant};

use platform_event_sourcing::{
    Lease, LogPosition, across_tenants, count_log, custom_plans, read_log,
};
use sqlx::{Acquire, PgConnection, PgPool};
use tracing::debug;

use crate::error::ReadModelError;
use crate::model::Projection;
use crate::registry::ReadModelRegistration;
use crate::store::{ddl, ledger, rows};

/// Events per round trip when none is configured.
pub const DEFAULT_BATCH_SIZE: i64 = 10_000;

/// Longest a rebuild waits in all for transactions holding the gap-safe head back
/// before it swaps in (and applies the rest under the table lock).
const HEAD_WAIT: Duration = Duration::from_secs(1);

/// How often it looks again meanwhile.
const HEAD_POLL: Duration = Duration::from_millis(20);

/// How a rebuild runs.
#[derive(Debug, Clone, Copy)]
pub struct RebuildOptions {
    /// Events read and projected per transaction.
    pub batch_size: i64,
    /// Skip the rebuild when, once this run holds the model's rebuild lock, the table
    /// already matches the declaration (another process rebuilt it meanwhile).
    pub only_if_stale: bool,
}

impl Default for RebuildOptions {
    fn default() -> Self {
        RebuildOptions {
            batch_size: DEFAULT_BATCH_SIZE,
            only_if_stale: false,
        }
    }
}

/// Where a running rebuild is.
#[derive(Debug, Clone, Copy)]
pub struct RebuildProgress {
    /// Events projected so far (this run and any run it resumed).
    pub done: u64,
    /// Events to project in all, as counted at the start (more may arrive).
    pub total: u64,
}

/// What a finished rebuild did.
#[derive(Debug, Clone)]
pub struct RebuildReport {
    /// The read model.
    pub name: &'static str,
    /// Its table.
    pub table: &'static str,
    /// Events projected in all.
    pub events: u64,
    /// Events that an earlier, interrupted run had already projected.
    pub resumed_from: u64,
    /// Wall time of this run.
    pub elapsed: Duration,
    /// The last log position applied.
    pub position: LogPosition,
    /// Oldest transaction still running at the swap: events of any transaction from
    /// this one on may still have to be applied by processes that paused projection.
    pub swap_xmin: i64,
}

/// Name of the shadow table a model is rebuilt into.
pub fn shadow_table(model: &ReadModelRegistration) -> String {
    format!("{}__rebuild", model.table)
}

/// Rebuilds a read model from the whole log without taking the live table away.
///
/// Events are projected into `<table>__rebuild` in batches, each committed with its
/// checkpoint, so a run that is killed resumes where it stopped. At the head of the
/// log the live table is locked, the last events are applied, and the shadow table
/// replaces it in the same transaction: readers see the old complete view until the
/// new complete view replaces it, and commands that project meanwhile wait for the
/// swap and then apply on top.
pub async fn rebuild(
    pool: &PgPool,
    model: &'static ReadModelRegistration,
    options: RebuildOptions,
    mut on_progress: impl FnMut(&RebuildProgress) + Send,
) -> Result<RebuildReport, ReadModelError> {
    let started = Instant::now();
    let shadow = shadow_table(model);
    let checkpoint = model.rebuild_checkpoint();
    let hash = model.definition_hash();
    let filter = model.log_filter();
    let committed = model.log_filter().committed();
    let batch_size = options.batch_size.max(1);
    // One rebuild of a model at a time across processes; the lock lives as long as
    // this connection, which is not returned to the pool.
    let mut conn = pool.acquire().await?.detach();
    custom_plans(&mut conn).await?;
    // A rebuild reads and writes every tenant's rows.
    across_tenants(&mut conn, false).await?;
    Lease::new(format!("platform.rebuild:{}", model.table))
        .acquire(&mut conn)
        .await?;
    if options.only_if_stale
        && let Some(stored) = ledger::stored_model(&mut conn, model.name).await?
        && stored.table_exists
        && stored.definition_hash == hash
    {
        return Ok(RebuildReport {
            name: model.name,
            table: model.table,
            events: 0,
            resumed_from: 0,
            elapsed: started.elapsed(),
            position: LogPosition {
                transaction_id: 0,
                global_position: stored.rebuilt_global_position.unwrap_or(0),
            },
            swap_xmin: stored.rebuilt_transaction_id.unwrap_or(0),
        });
    }

    // Resume, or start over with an empty shadow table.
    let resumed = match checkpoint.load(&mut conn).await? {
        Some(position) if ddl::table_exists(&mut conn, &shadow).await? => Some(position),
        _ => None,
    };
    let mut position = match resumed {
        Some(position) => position,
        None => {
            let mut tx = conn.begin().await?;
            ddl::create_table(&mut tx, &shadow, model.columns, model.key).await?;
            ledger::clear_streams(&mut tx, &shadow).await?;
            checkpoint.save(&mut tx, LogPosition::START).await?;
            tx.commit().await?;
            LogPosition::START
        }
    };
    let resumed_from = match resumed {
        Some(at) => count_log(&mut conn, &filter, Some(at)).await?,
        None => 0,
    };
    let mut progress = RebuildProgress {
        done: resumed_from,
        total: count_log(&mut conn, &filter, None).await?,
    };
    on_progress(&progress);

    // Batches up to the gap-safe head, each committed with its checkpoint.
    let mut waited = Duration::ZERO;
    loop {
        let batch = read_log(&mut conn, position, &filter, batch_size).await?;
        let Some(last) = batch.last() else {
            // A transaction open anywhere in the cluster holds the gap-safe head back
            // from committed events. Wait for it a little, so that the swap, which
            // holds the live table locked, has little left to apply.
            if waited < HEAD_WAIT
                && !read_log(&mut conn, position, &committed, 1)
                    .await?
                    .is_empty()
            {
                tokio::time::sleep(HEAD_POLL).await;
                waited += HEAD_POLL;
                continue;
            }
            break;
        };
        let last = last.position;
        let mut tx = conn.begin().await?;
        rows::prefer_index_lookups(&mut tx).await?;
        model.project_new(&mut tx, &shadow, &batch).await?;
        checkpoint.save(&mut tx, last).await?;
        tx.commit().await?;
        position = last;
        progress.done += batch.len() as u64;
        progress.total = progress.total.max(progress.done);
        on_progress(&progress);
    }

    // The swap: lock the live table, apply what arrived since, replace it.
    let mut tx = conn.begin().await?;
    if ddl::table_exists(&mut tx, model.table).await? {
        ddl::lock_exclusive(&mut tx, model.table).await?;
    }
    // Inline models take every committed event: commands still in flight project
    // after the swap. Async models stay gap-safe: their projector continues from here.
    let gap_safe = model.projection == Projection::Async;
    let swap_filter = if gap_safe { &filter } else { &committed };
    loop {
        let batch = read_log(&mut tx, position, swap_filter, batch_size).await?;
        let Some(last) = batch.last() else { break };
        position = last.position;
        model.project_recorded(&mut tx, &shadow, &batch).await?;
        progress.done += batch.len() as u64;
    }
    let swap_xmin = ledger::oldest_running_transaction(&mut tx).await?;
    ddl::swap_in(&mut tx, model.table, &shadow).await?;
    let rebuilt = ledger::Rebuilt {
        name: model.name,
        table: model.table,
        aggregate_type: model.aggregate_type,
        projection: model.projection,
        hash: &hash,
        swap_xmin,
        position: position.global_position,
    };
    ledger::record_rebuilt(&mut tx, rebuilt).await?;
    if gap_safe {
        model.projector_checkpoint().save(&mut tx, position).await?;
    }
    checkpoint.delete(&mut tx).await?;
    tx.commit().await?;
    on_progress(&progress);
    let report = RebuildReport {
        name: model.name,
        table: model.table,
        events: progress.done,
        resumed_from,
        elapsed: started.elapsed(),
        position,
        swap_xmin,
    };
    debug!(
        read_model = model.name,
        events = report.events,
        resumed_from,
        seconds = report.elapsed.as_secs_f64(),
        "read model rebuilt and swapped in"
    );
    Ok(report)
}

/// Applies every committed event of the model from transaction `from_xmin` on to the
/// live table (idempotently): what a process that paused projection during a rebuild
/// must catch up before projecting inline again.
pub async fn catch_up_live(
    conn: &mut PgConnection,
    model: &ReadModelRegistration,
    from_xmin: i64,
) -> Result<u64, ReadModelError> {
    let filter = model.log_filter().committed();
    let mut position = LogPosition {
        transaction_id: from_xmin - 1,
        global_position: i64::MAX,
    };
    let mut applied = 0;
    loop {
        // Each batch in a transaction of its own, across tenants on purpose.
        let mut tx = conn.begin().await?;
        across_tenants(&mut tx, true).await?;
        let batch = read_log(&mut tx, position, &filter, DEFAULT_BATCH_SIZE).await?;
        let Some(last) = batch.last() else {
            return Ok(applied);
        };
        position = last.position;
        applied += model.project_recorded(&mut tx, model.table, &batch).await? as u64;
        tx.commit().await?;
    }
}
