//! Applying events to read-model rows: load the rows a batch touches, apply in order,
//! write them back in one multi-row upsert.

use std::collections::HashMap;

use platform_core::EventEnvelope;
use sqlx::PgConnection;

use super::ReadModelError;
use super::model::{EventOf, ReadModel, RowKey};
use super::schema::quoted;

/// Most bind parameters in one statement (PostgreSQL allows 65,535).
const MAX_PARAMS: usize = 60_000;

/// Applies `events` (in log order) to the rows of `table`; returns the events applied.
///
/// Idempotent: per-aggregate rows skip events at or below their version; group_by
/// rows skip events at or below the version recorded for their stream.
pub async fn project<R: ReadModel>(
    conn: &mut PgConnection,
    table: &str,
    events: &[EventEnvelope<EventOf<R>>],
) -> Result<usize, ReadModelError> {
    let failed = |source: sqlx::Error| ReadModelError::Projection {
        table: table.to_owned(),
        source,
    };
    let mut keyed: Vec<(String, &EventEnvelope<EventOf<R>>)> = events
        .iter()
        .filter_map(|e| R::key(e).map(|k| (k, e)))
        .collect();
    if keyed.is_empty() {
        return Ok(0);
    }
    if let RowKey::GroupBy { .. } = R::KEY {
        keyed = skip_applied_streams(conn, table, keyed)
            .await
            .map_err(failed)?;
        if keyed.is_empty() {
            return Ok(0);
        }
    }

    // Load every touched row, locked, in key order (no deadlock between writers).
    let mut keys: Vec<&str> = keyed.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    let key_column = quoted(R::KEY.column());
    let select = format!(
        "SELECT * FROM {} WHERE {key_column} = ANY($1) ORDER BY {key_column} FOR UPDATE",
        quoted(table)
    );
    let existing = sqlx::query(&select)
        .bind(&keys)
        .fetch_all(&mut *conn)
        .await
        .map_err(failed)?;
    let mut rows: HashMap<String, (R, i64, bool)> = HashMap::with_capacity(keys.len());
    for row in &existing {
        let model = R::from_row(row).map_err(failed)?;
        let position: i64 = sqlx::Row::try_get(row, "_position").map_err(failed)?;
        let key: String = sqlx::Row::try_get(row, R::KEY.column()).map_err(failed)?;
        rows.insert(key, (model, position, false));
    }

    let per_aggregate = matches!(R::KEY, RowKey::Aggregate { .. });
    let mut applied = 0;
    for (key, event) in keyed {
        let (row, _, dirty) = rows
            .entry(key)
            .or_insert_with_key(|key| (R::new(key.clone()), event.global_position, false));
        if per_aggregate && event.version <= row.version() {
            continue;
        }
        row.apply(event);
        *dirty = true;
        applied += 1;
    }

    let mut dirty: Vec<(&str, &R, i64)> = rows
        .iter()
        .filter(|(_, (_, _, dirty))| *dirty)
        .map(|(key, (row, position, _))| (key.as_str(), row, *position))
        .collect();
    // Same order in every writer: concurrent inserts of new keys cannot deadlock.
    dirty.sort_unstable_by_key(|(key, _, _)| *key);
    let per_statement = (MAX_PARAMS / (R::COLUMNS.len() + 1)).max(1);
    for chunk in dirty.chunks(per_statement) {
        let sql = upsert_sql::<R>(table, chunk.len());
        let mut query = sqlx::query(&sql);
        for (_, row, position) in chunk {
            query = row.bind(query).bind(*position);
        }
        query.execute(&mut *conn).await.map_err(failed)?;
    }
    Ok(applied)
}

/// `INSERT … VALUES (…), (…) ON CONFLICT (key) DO UPDATE SET every column` (the row's
/// first position stays).
fn upsert_sql<R: ReadModel>(table: &str, rows: usize) -> String {
    let width = R::COLUMNS.len() + 1;
    let columns: Vec<String> = R::COLUMNS.iter().map(|c| quoted(c.name)).collect();
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let params: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", params.join(", "))
        })
        .collect();
    let updates: Vec<String> = columns
        .iter()
        .filter(|c| **c != quoted(R::KEY.column()))
        .map(|c| format!("{c} = EXCLUDED.{c}"))
        .collect();
    format!(
        "INSERT INTO {} ({}, \"_position\") VALUES {} ON CONFLICT ({}) DO UPDATE SET {}",
        quoted(table),
        columns.join(", "),
        values.join(", "),
        quoted(R::KEY.column()),
        updates.join(", ")
    )
}

/// Drops events whose stream version was already applied to `table`, and records the
/// new last version of each stream.
async fn skip_applied_streams<'e, E>(
    conn: &mut PgConnection,
    table: &str,
    keyed: Vec<(String, &'e EventEnvelope<E>)>,
) -> Result<Vec<(String, &'e EventEnvelope<E>)>, sqlx::Error> {
    let mut streams: Vec<&str> = keyed.iter().map(|(_, e)| e.aggregate_id.as_str()).collect();
    streams.sort_unstable();
    streams.dedup();
    let known: HashMap<String, i64> = sqlx::query_as(
        "SELECT stream_id, version FROM read_model_streams \
         WHERE table_name = $1 AND stream_id = ANY($2) ORDER BY stream_id FOR UPDATE",
    )
    .bind(table)
    .bind(&streams)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    let mut last: HashMap<&str, i64> = HashMap::new();
    let fresh: Vec<_> = keyed
        .into_iter()
        .filter(|(_, e)| {
            let seen = last
                .get(e.aggregate_id.as_str())
                .or_else(|| known.get(&e.aggregate_id))
                .copied()
                .unwrap_or(0);
            if e.version <= seen {
                return false;
            }
            last.insert(e.aggregate_id.as_str(), e.version);
            true
        })
        .collect();
    if !last.is_empty() {
        let (ids, versions): (Vec<&str>, Vec<i64>) = last.into_iter().unzip();
        sqlx::query(
            "INSERT INTO read_model_streams (table_name, stream_id, version) \
             SELECT $1, s, v FROM unnest($2::text[], $3::bigint[]) AS t(s, v) \
             ON CONFLICT (table_name, stream_id) DO UPDATE SET version = EXCLUDED.version",
        )
        .bind(table)
        .bind(&ids)
        .bind(&versions)
        .execute(&mut *conn)
        .await?;
    }
    Ok(fresh)
}
