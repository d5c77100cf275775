//! Tables from declarations, and the start-up check that rebuilds stale ones.

use sqlx::{Acquire, PgConnection, PgPool};
use tracing::{info, warn};

use super::ReadModelError;
use super::model::{IndexKind, RowKey};
use super::registry::{ReadModelRegistration, read_models};
use crate::position::LogPosition;
use crate::recorded::RecordedEvent;
use crate::store::into_recorded_rows;

/// Events per replay round trip.
const REPLAY_BATCH: i64 = 5_000;

/// A double-quoted identifier. Names come only from derive declarations, which the
/// macro has validated as `[a-z_][a-z0-9_]*`; anything else is refused here again.
pub(crate) fn quoted(name: &str) -> String {
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    assert!(
        valid,
        "invalid SQL identifier {name:?} in a read-model declaration"
    );
    format!("\"{name}\"")
}

/// `CREATE TABLE` and `CREATE INDEX` statements of a model's table (named `table`).
pub(crate) fn ddl(model: &ReadModelRegistration, table: &str) -> Vec<String> {
    let key = model.key.column();
    let mut columns: Vec<String> = model
        .columns
        .iter()
        .map(|c| {
            let null = if c.nullable { "" } else { " NOT NULL" };
            let primary = if c.name == key { " PRIMARY KEY" } else { "" };
            format!("{} {}{null}{primary}", quoted(c.name), c.sql_type)
        })
        .collect();
    columns.push("\"_position\" bigint NOT NULL".to_owned());
    let mut statements = vec![format!(
        "CREATE TABLE IF NOT EXISTS {} ({})",
        quoted(table),
        columns.join(", ")
    )];
    statements.push(format!(
        "CREATE INDEX IF NOT EXISTS {} ON {} (\"_position\")",
        quoted(&format!("{table}__position_idx")),
        quoted(table)
    ));
    for column in model.columns {
        let index = quoted(&format!("{table}_{}_idx", column.name));
        match column.index {
            IndexKind::None => {}
            IndexKind::Plain => statements.push(format!(
                "CREATE INDEX IF NOT EXISTS {index} ON {} ({}, \"_position\")",
                quoted(table),
                quoted(column.name)
            )),
            IndexKind::Unique => statements.push(format!(
                "CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {} ({})",
                quoted(table),
                quoted(column.name)
            )),
        }
    }
    statements
}

/// What start-up did with a read model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadModelStatus {
    /// The table matched its declaration.
    Current,
    /// The table was (re)built from the log; it replayed this many events.
    Rebuilt {
        /// Events replayed.
        events: u64,
        /// Why: `new` or `definition changed`.
        reason: &'static str,
    },
}

/// A read model after start-up preparation.
#[derive(Debug, Clone)]
pub struct PreparedReadModel {
    /// Struct name.
    pub name: &'static str,
    /// Table.
    pub table: &'static str,
    /// What was done.
    pub status: ReadModelStatus,
}

/// Creates every registered read model's table; a new model, or one whose declaration
/// changed, is rebuilt from the event log before the service takes traffic.
pub async fn prepare_read_models(pool: &PgPool) -> Result<Vec<PreparedReadModel>, ReadModelError> {
    let mut prepared = Vec::new();
    for model in read_models() {
        let hash = model.definition_hash();
        let stored: Option<String> =
            sqlx::query_scalar("SELECT definition_hash FROM read_models WHERE name = $1")
                .bind(model.name)
                .fetch_optional(pool)
                .await?;
        let table_exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
            .bind(model.table)
            .fetch_one(pool)
            .await?;
        let reason = match stored {
            Some(stored) if stored == hash && table_exists => None,
            Some(stored) if stored != hash => Some("definition changed"),
            _ => Some("new"),
        };
        let status = match reason {
            None => {
                let mut conn = pool.acquire().await?;
                for statement in ddl(model, model.table) {
                    sqlx::query(&statement).execute(&mut *conn).await?;
                }
                ReadModelStatus::Current
            }
            Some(reason) => {
                if reason == "definition changed" {
                    warn!(
                        read_model = model.name,
                        table = model.table,
                        "declaration changed; rebuilding from the event log"
                    );
                }
                let events = rebuild_read_model(pool, model).await?;
                info!(
                    read_model = model.name,
                    table = model.table,
                    events,
                    reason,
                    "read model built"
                );
                ReadModelStatus::Rebuilt { events, reason }
            }
        };
        prepared.push(PreparedReadModel {
            name: model.name,
            table: model.table,
            status,
        });
    }
    Ok(prepared)
}

/// Drops and rebuilds a read model's table from the whole event log, in one
/// transaction: readers see the old table until the new one commits, and commands
/// that project meanwhile wait for it, then apply on top.
pub async fn rebuild_read_model(
    pool: &PgPool,
    model: &ReadModelRegistration,
) -> Result<u64, ReadModelError> {
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('platform.read_model:' || $1))")
        .bind(model.table)
        .execute(&mut *tx)
        .await?;
    sqlx::query(&format!("DROP TABLE IF EXISTS {}", quoted(model.table)))
        .execute(&mut *tx)
        .await?;
    for statement in ddl(model, model.table) {
        sqlx::query(&statement).execute(&mut *tx).await?;
    }
    sqlx::query("DELETE FROM read_model_streams WHERE table_name = $1")
        .bind(model.table)
        .execute(&mut *tx)
        .await?;
    let events = replay(&mut tx, model, model.table).await?;
    sqlx::query(
        "INSERT INTO read_models (name, table_name, aggregate_type, definition_hash, rebuilt_at) \
         VALUES ($1, $2, $3, $4, now()) \
         ON CONFLICT (name) DO UPDATE SET table_name = EXCLUDED.table_name, \
         aggregate_type = EXCLUDED.aggregate_type, definition_hash = EXCLUDED.definition_hash, \
         rebuilt_at = now(), updated_at = now()",
    )
    .bind(model.name)
    .bind(model.table)
    .bind(model.aggregate_type)
    .bind(model.definition_hash())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(events)
}

/// Replays every committed event the model handles into `table`, in log order.
async fn replay(
    conn: &mut PgConnection,
    model: &ReadModelRegistration,
    table: &str,
) -> Result<u64, ReadModelError> {
    let mut after = LogPosition::START;
    let mut total = 0;
    loop {
        let batch: Vec<RecordedEvent> = into_recorded_rows(
            sqlx::query_as(
                "SELECT transaction_id::text::bigint, global_position, event_id, stream_id, \
                 aggregate_type, version, event_type, schema_version, payload, metadata, occurred_at \
                 FROM events WHERE aggregate_type = $1 AND event_type = ANY($2) \
                 AND (transaction_id, global_position) > ($3::text::xid8, $4) \
                 ORDER BY transaction_id, global_position LIMIT $5",
            )
            .bind(model.aggregate_type)
            .bind(model.event_types)
            .bind(after.transaction_id.to_string())
            .bind(after.global_position)
            .bind(REPLAY_BATCH)
            .fetch_all(&mut *conn)
            .await?,
        );
        let Some(last) = batch.last() else {
            return Ok(total);
        };
        after = last.position;
        total += batch.len() as u64;
        model.project_recorded(conn, table, &batch).await?;
    }
}

impl RowKey {
    /// Whether rows are one per aggregate.
    pub fn is_per_aggregate(self) -> bool {
        matches!(self, RowKey::Aggregate { .. })
    }
}
