//! Catch-up: rebuilding a read model from the log into a shadow table, in batches,
//! resumable from a checkpoint, swapped in atomically at the live head.

use std::time::{Duration, Instant};

use sqlx::{Acquire, PgConnection, PgPool};
use tracing::info;

use super::ReadModelError;
use super::model::Projection;
use super::registry::ReadModelRegistration;
use super::schema::{ddl, quoted};
use crate::position::LogPosition;
use crate::recorded::RecordedEvent;
use crate::store::{EventRow, into_recorded_rows};

/// Events per round trip when none is configured.
pub const DEFAULT_BATCH_SIZE: i64 = 10_000;

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

fn checkpoint_name(model: &ReadModelRegistration) -> String {
    format!("rebuild:{}", model.table)
}

/// The checkpoint name of a model's async projector.
pub(crate) fn async_checkpoint_name(model: &ReadModelRegistration) -> String {
    format!("async:{}", model.table)
}

const SELECT_EVENTS: &str = "SELECT transaction_id::text::bigint AS tx_id, global_position, event_id, \
     stream_id, aggregate_type, version, event_type, schema_version, payload, metadata, occurred_at \
     FROM events WHERE aggregate_type = $1 AND event_type = ANY($2) \
     AND (transaction_id, global_position) > ($3::text::xid8, $4)";

/// Reads the model's next events after `after`: gap-safe (only transactions older than
/// every one in flight), or every committed one when `gap_safe` is false.
pub(crate) async fn read_model_events(
    conn: &mut PgConnection,
    model: &ReadModelRegistration,
    after: LogPosition,
    limit: i64,
    gap_safe: bool,
) -> Result<Vec<RecordedEvent>, ReadModelError> {
    let bound = if gap_safe {
        " AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())"
    } else {
        ""
    };
    let sql = format!("{SELECT_EVENTS}{bound} ORDER BY transaction_id, global_position LIMIT $5");
    let rows: Vec<EventRow> = sqlx::query_as(&sql)
        .bind(model.aggregate_type)
        .bind(model.event_types)
        .bind(after.transaction_id.to_string())
        .bind(after.global_position)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    Ok(into_recorded_rows(rows)?)
}

/// Plans each log read for its actual position: a generic plan cannot tell that the
/// range after a checkpoint is small, and may sort the whole log instead of walking
/// the log-order index. For connections that read the log in batches.
pub(crate) async fn custom_plans(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SET plan_cache_mode = force_custom_plan")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Saves a checkpoint in the caller's transaction.
pub(crate) async fn save_checkpoint(
    conn: &mut PgConnection,
    name: &str,
    position: LogPosition,
    hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO projection_checkpoints (name, transaction_id, global_position, definition_hash) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO UPDATE SET \
         transaction_id = EXCLUDED.transaction_id, global_position = EXCLUDED.global_position, \
         definition_hash = EXCLUDED.definition_hash, updated_at = now()",
    )
    .bind(name)
    .bind(position.transaction_id)
    .bind(position.global_position)
    .bind(hash)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A checkpoint, if one was saved for this declaration.
pub(crate) async fn load_checkpoint(
    conn: &mut PgConnection,
    name: &str,
    hash: &str,
) -> Result<Option<LogPosition>, sqlx::Error> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT transaction_id, global_position FROM projection_checkpoints \
         WHERE name = $1 AND definition_hash = $2",
    )
    .bind(name)
    .bind(hash)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(transaction_id, global_position)| LogPosition {
        transaction_id,
        global_position,
    }))
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
    let checkpoint = checkpoint_name(model);
    let hash = model.definition_hash();
    let batch_size = options.batch_size.max(1);
    // One rebuild of a model at a time across processes; the lock lives as long as
    // this connection, which is not returned to the pool.
    let mut conn = pool.acquire().await?.detach();
    custom_plans(&mut conn).await?;
    sqlx::query("SELECT pg_advisory_lock(hashtext('platform.rebuild:' || $1))")
        .bind(model.table)
        .execute(&mut conn)
        .await?;
    if options.only_if_stale {
        let current: Option<(String, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT definition_hash, rebuilt_transaction_id, rebuilt_global_position \
             FROM read_models WHERE name = $1 AND to_regclass(table_name) IS NOT NULL",
        )
        .bind(model.name)
        .fetch_optional(&mut conn)
        .await?;
        if let Some((stored, xmin, position)) = current
            && stored == hash
        {
            return Ok(RebuildReport {
                name: model.name,
                table: model.table,
                events: 0,
                resumed_from: 0,
                elapsed: started.elapsed(),
                position: LogPosition {
                    transaction_id: 0,
                    global_position: position.unwrap_or(0),
                },
                swap_xmin: xmin.unwrap_or(0),
            });
        }
    }

    // Resume, or start over with an empty shadow table.
    let shadow_exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
        .bind(&shadow)
        .fetch_one(&mut conn)
        .await?;
    let resumed = match load_checkpoint(&mut conn, &checkpoint, &hash).await? {
        Some(position) if shadow_exists => Some(position),
        _ => None,
    };
    let mut position = match resumed {
        Some(position) => position,
        None => {
            let mut tx = conn.begin().await?;
            sqlx::query(&format!("DROP TABLE IF EXISTS {}", quoted(&shadow)))
                .execute(&mut *tx)
                .await?;
            for statement in ddl(model, &shadow) {
                sqlx::query(&statement).execute(&mut *tx).await?;
            }
            sqlx::query("DELETE FROM read_model_streams WHERE table_name = $1")
                .bind(&shadow)
                .execute(&mut *tx)
                .await?;
            save_checkpoint(&mut tx, &checkpoint, LogPosition::START, &hash).await?;
            tx.commit().await?;
            LogPosition::START
        }
    };
    let count = |after: LogPosition| {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM events WHERE aggregate_type = $1 AND event_type = ANY($2) \
             AND (transaction_id, global_position) <= ($3::text::xid8, $4)",
        )
        .bind(model.aggregate_type)
        .bind(model.event_types)
        .bind(after.transaction_id.to_string())
        .bind(after.global_position)
    };
    let resumed_from = if resumed.is_some() {
        count(position).fetch_one(&mut conn).await? as u64
    } else {
        0
    };
    let total: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE aggregate_type = $1 AND event_type = ANY($2)",
    )
    .bind(model.aggregate_type)
    .bind(model.event_types)
    .fetch_one(&mut conn)
    .await?;
    let mut progress = RebuildProgress {
        done: resumed_from,
        total: total as u64,
    };
    on_progress(&progress);

    // Batches up to the gap-safe head, each committed with its checkpoint.
    loop {
        let batch = read_model_events(&mut conn, model, position, batch_size, true).await?;
        let Some(last) = batch.last() else { break };
        let last = last.position;
        let mut tx = conn.begin().await?;
        // The shadow table grows faster than statistics follow: keep row lookups on
        // the key index instead of a sequential scan per batch.
        sqlx::query("SET LOCAL enable_seqscan = off")
            .execute(&mut *tx)
            .await?;
        model.project_recorded(&mut tx, &shadow, &batch).await?;
        save_checkpoint(&mut tx, &checkpoint, last, &hash).await?;
        tx.commit().await?;
        position = last;
        progress.done += batch.len() as u64;
        progress.total = progress.total.max(progress.done);
        on_progress(&progress);
    }

    // The swap: lock the live table, apply what arrived since, replace it.
    let mut tx = conn.begin().await?;
    let live_exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
        .bind(model.table)
        .fetch_one(&mut *tx)
        .await?;
    if live_exists {
        sqlx::query(&format!(
            "LOCK TABLE {} IN ACCESS EXCLUSIVE MODE",
            quoted(model.table)
        ))
        .execute(&mut *tx)
        .await?;
    }
    // Inline models take every committed event: commands still in flight project
    // after the swap. Async models stay gap-safe: their projector continues from here.
    let gap_safe = model.projection == Projection::Async;
    loop {
        let batch = read_model_events(&mut tx, model, position, batch_size, gap_safe).await?;
        let Some(last) = batch.last() else { break };
        position = last.position;
        model.project_recorded(&mut tx, &shadow, &batch).await?;
        progress.done += batch.len() as u64;
    }
    let swap_xmin: i64 =
        sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
            .fetch_one(&mut *tx)
            .await?;
    swap_in(&mut tx, model, &shadow).await?;
    sqlx::query(
        "INSERT INTO read_models (name, table_name, aggregate_type, definition_hash, rebuilt_at, \
         rebuilt_transaction_id, rebuilt_global_position, projection) \
         VALUES ($1, $2, $3, $4, now(), $5, $6, $7) \
         ON CONFLICT (name) DO UPDATE SET table_name = EXCLUDED.table_name, \
         aggregate_type = EXCLUDED.aggregate_type, definition_hash = EXCLUDED.definition_hash, \
         rebuilt_at = now(), rebuilt_transaction_id = EXCLUDED.rebuilt_transaction_id, \
         rebuilt_global_position = EXCLUDED.rebuilt_global_position, \
         projection = EXCLUDED.projection, updated_at = now()",
    )
    .bind(model.name)
    .bind(model.table)
    .bind(model.aggregate_type)
    .bind(&hash)
    .bind(swap_xmin)
    .bind(position.global_position)
    .bind(if gap_safe { "async" } else { "inline" })
    .execute(&mut *tx)
    .await?;
    if gap_safe {
        save_checkpoint(&mut tx, &async_checkpoint_name(model), position, &hash).await?;
    }
    sqlx::query("DELETE FROM projection_checkpoints WHERE name = $1")
        .bind(&checkpoint)
        .execute(&mut *tx)
        .await?;
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
    info!(
        read_model = model.name,
        events = report.events,
        resumed_from,
        seconds = report.elapsed.as_secs_f64(),
        "read model rebuilt and swapped in"
    );
    Ok(report)
}

/// Replaces the live table by the shadow one: table, indexes and stream ledger.
async fn swap_in(
    conn: &mut PgConnection,
    model: &ReadModelRegistration,
    shadow: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!("DROP TABLE IF EXISTS {}", quoted(model.table)))
        .execute(&mut *conn)
        .await?;
    sqlx::query(&format!(
        "ALTER TABLE {} RENAME TO {}",
        quoted(shadow),
        quoted(model.table)
    ))
    .execute(&mut *conn)
    .await?;
    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() \
         AND tablename = $1 AND indexname LIKE $2",
    )
    .bind(model.table)
    .bind(format!("{shadow}%"))
    .fetch_all(&mut *conn)
    .await?;
    for index in indexes {
        let renamed = format!("{}{}", model.table, &index[shadow.len()..]);
        sqlx::query(&format!(
            "ALTER INDEX {} RENAME TO {}",
            quoted(&index),
            quoted(&renamed)
        ))
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("DELETE FROM read_model_streams WHERE table_name = $1")
        .bind(model.table)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE read_model_streams SET table_name = $1 WHERE table_name = $2")
        .bind(model.table)
        .bind(shadow)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Applies every committed event of the model from transaction `from_xmin` on to the
/// live table (idempotently): what a process that paused projection during a rebuild
/// must catch up before projecting inline again.
pub async fn catch_up_live(
    conn: &mut PgConnection,
    model: &ReadModelRegistration,
    from_xmin: i64,
) -> Result<u64, ReadModelError> {
    let mut position = LogPosition {
        transaction_id: from_xmin - 1,
        global_position: i64::MAX,
    };
    let mut applied = 0;
    loop {
        let batch = read_model_events(conn, model, position, DEFAULT_BATCH_SIZE, false).await?;
        let Some(last) = batch.last() else {
            return Ok(applied);
        };
        position = last.position;
        applied += model.project_recorded(conn, model.table, &batch).await? as u64;
    }
}
