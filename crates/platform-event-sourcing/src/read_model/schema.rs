//! Tables from declarations, and the start-up check that rebuilds stale ones.

use sqlx::PgPool;
use tracing::{info, warn};

use super::ReadModelError;
use super::model::IndexKind;
use super::rebuild::{RebuildOptions, rebuild};
use super::registry::{ReadModelRegistration, read_models};

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
    columns.push("\"_revision\" bigint NOT NULL DEFAULT 0".to_owned());
    let mut statements = vec![
        format!(
            "CREATE TABLE IF NOT EXISTS {} ({})",
            quoted(table),
            columns.join(", ")
        ),
        format!(
            "ALTER TABLE {} ADD COLUMN IF NOT EXISTS \"_revision\" bigint NOT NULL DEFAULT 0",
            quoted(table)
        ),
    ];
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
        let stored: Option<String> =
            sqlx::query_scalar("SELECT definition_hash FROM read_models WHERE name = $1")
                .bind(model.name)
                .fetch_optional(pool)
                .await?;
        let table_exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
            .bind(model.table)
            .fetch_one(pool)
            .await?;
        let status = match stored {
            Some(stored) if stored == hash && table_exists => {
                let mut conn = pool.acquire().await?;
                for statement in ddl(model, model.table) {
                    sqlx::query(&statement).execute(&mut *conn).await?;
                }
                ReadModelStatus::Current
            }
            Some(stored) if stored != hash && table_exists => {
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
