//! Applying events to read-model rows: load the rows a batch touches, apply in order,
//! write them back in one multi-row upsert. Freshly appended events can take a fast
//! path instead: the row is computed from its cached state and written with one upsert
//! guarded by the state it was computed from.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use platform_core::EventEnvelope;
use sqlx::PgConnection;

use crate::cache::AggregateCache;

use super::ReadModelError;
use super::model::{EventOf, PgQuery, ReadModel, RowKey};
use super::schema::quoted;

/// Most bind parameters in one statement (PostgreSQL allows 65,535).
const MAX_PARAMS: usize = 60_000;

/// Platform columns after the declared ones: the row's first log position (paging) and
/// its revision (per-aggregate rows: their version; group_by rows: a write counter),
/// which guards writes made from a cached row.
const PLATFORM_COLUMNS: &str = "\"_position\", \"_revision\"";

/// Applies `events` (in log order) to the rows of `table`; returns the events applied.
///
/// Idempotent: per-aggregate rows skip events at or below their version; group_by
/// rows skip events at or below the version recorded for their stream.
pub async fn project<R: ReadModel>(
    conn: &mut PgConnection,
    table: &str,
    events: &[EventEnvelope<EventOf<R>>],
) -> Result<usize, ReadModelError> {
    project_with_cache::<R>(conn, table, events, None, &mut Vec::new()).await
}

/// A row written by a projection, cached once its transaction commits.
pub(crate) struct WrittenRow {
    /// The live table (the cache's kind).
    pub table: &'static str,
    /// The row key.
    pub key: String,
    /// The row's revision.
    pub revision: i64,
    /// The row.
    pub row: Arc<dyn Any + Send + Sync>,
}

impl WrittenRow {
    /// Stores the row in the cache.
    pub fn cache(self, cache: &AggregateCache) {
        cache.put_value(self.table, self.key, self.revision, self.row);
    }
}

/// The revision a row gets once `last_position` is the newest event applied to it:
/// per-aggregate rows take their version, group_by rows that position. Either way the
/// same events give the same revision, so a rebuilt row that matches a cached one's
/// revision also matches its content.
fn revision_of<R: ReadModel>(row: &R, last_position: i64) -> i64 {
    match R::KEY {
        RowKey::Aggregate { .. } => row.version(),
        RowKey::GroupBy { .. } => last_position,
    }
}

/// [`project`] for freshly appended events (`cache` given): first the fast path on
/// the cached row, then the general one. Rows written are pushed to `written` for
/// caching after commit.
pub(crate) async fn project_with_cache<R: ReadModel>(
    conn: &mut PgConnection,
    table: &str,
    events: &[EventEnvelope<EventOf<R>>],
    cache: Option<&AggregateCache>,
    written: &mut Vec<WrittenRow>,
) -> Result<usize, ReadModelError> {
    let failed = |source: sqlx::Error| ReadModelError::Projection {
        table: table.to_owned(),
        source,
    };
    let cache = cache.filter(|_| table == R::TABLE);
    if let Some(cache) = cache
        && let Some(applied) = fast_path::<R>(conn, events, cache, written)
            .await
            .map_err(failed)?
    {
        return Ok(applied);
    }
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
    // key → (row, first position, newest position applied, dirty)
    let mut rows: HashMap<String, (R, i64, i64, bool)> = HashMap::with_capacity(keys.len());
    for row in &existing {
        let model = R::from_row(row).map_err(failed)?;
        let position: i64 = sqlx::Row::try_get(row, "_position").map_err(failed)?;
        let revision: i64 = sqlx::Row::try_get(row, "_revision").map_err(failed)?;
        let key: String = sqlx::Row::try_get(row, R::KEY.column()).map_err(failed)?;
        rows.insert(key, (model, position, revision, false));
    }

    let per_aggregate = R::KEY.is_per_aggregate();
    let mut applied = 0;
    for (key, event) in keyed {
        let (row, _, newest, dirty) = rows
            .entry(key)
            .or_insert_with_key(|key| (R::new(key.clone()), event.global_position, 0, false));
        if per_aggregate && event.version <= row.version() {
            continue;
        }
        row.apply(event);
        *newest = (*newest).max(event.global_position);
        *dirty = true;
        applied += 1;
    }

    // (key, row, position, revision), in key order: concurrent inserts of new keys
    // cannot deadlock.
    let mut dirty: Vec<(&str, &R, i64, i64)> = rows
        .iter()
        .filter(|(_, (_, _, _, dirty))| *dirty)
        .map(|(key, (row, position, newest, _))| {
            (key.as_str(), row, *position, revision_of(row, *newest))
        })
        .collect();
    dirty.sort_unstable_by_key(|(key, _, _, _)| *key);
    if table == R::TABLE {
        for (key, row, _, revision) in &dirty {
            written.push(WrittenRow {
                table: R::TABLE,
                key: (*key).to_owned(),
                revision: *revision,
                row: Arc::new((*row).clone()),
            });
        }
    }
    let per_statement = (MAX_PARAMS / (R::COLUMNS.len() + 2)).max(1);
    for chunk in dirty.chunks(per_statement) {
        let sql = upsert_sql::<R>(table, chunk.len(), false);
        let mut query = sqlx::query(&sql);
        for (_, row, position, revision) in chunk {
            query = row.bind(query).bind(*position).bind(*revision);
        }
        query.execute(&mut *conn).await.map_err(failed)?;
    }
    Ok(applied)
}

/// A row computed in memory from its cached state, to be written in the same
/// statement as the events that change it.
pub(crate) struct FastRow {
    /// The live table.
    pub table: &'static str,
    /// The row key.
    pub key: String,
    /// The revision the stored row must have (0: no row yet).
    pub guard: i64,
    /// The row's revision once written, bound as a parameter (per-aggregate rows);
    /// `None` for group_by rows, whose revision is the statement's newest position.
    pub revision: Option<i64>,
    /// The row (the model type).
    pub row: Arc<dyn Any + Send + Sync>,
    /// Binds the row's columns.
    pub bind: for<'q> fn(&'q (dyn Any + Send + Sync), PgQuery<'q>) -> PgQuery<'q>,
    /// The statements as CTEs (the first one writes the row) with parameters from `$n`
    /// (the first of them the row's columns, then its revision and guard), and how
    /// many parameters they use.
    pub upsert: fn(usize) -> (Vec<String>, usize),
}

impl FastRow {
    /// The row, to cache once its statement committed with `last_position` as the
    /// newest event's position.
    pub fn written(&self, last_position: i64) -> WrittenRow {
        WrittenRow {
            table: self.table,
            key: self.key.clone(),
            revision: self.revision.unwrap_or(last_position),
            row: Arc::clone(&self.row),
        }
    }
}

/// A row after one command's freshly appended events (all for one key), computed from
/// the cached row, or a fresh one: the row, its key, the revision the stored row must
/// have, and the events applied. `None` when the cache cannot tell.
///
/// Per-aggregate rows are fresh for a new stream; a group_by row missing from the
/// cache is taken to be new, and a stored one then fails the guard.
fn row_from_cache<R: ReadModel>(
    events: &[EventEnvelope<EventOf<R>>],
    cache: &AggregateCache,
) -> Option<(R, String, i64, usize)> {
    let mut keyed = events.iter().filter_map(|e| R::key(e).map(|k| (k, e)));
    let (key, first) = keyed.next()?;
    let rest: Vec<_> = keyed.collect();
    if rest.iter().any(|(k, _)| *k != key) {
        return None;
    }
    let cached = cache.get_value::<R>(R::TABLE, &key);
    let (mut row, guard) = match R::KEY {
        RowKey::Aggregate { .. } => {
            let previous = first.version - 1;
            match cached {
                _ if previous == 0 => (R::new(key.clone()), 0),
                Some((revision, row)) if revision == previous && row.version() == previous => {
                    (row, previous)
                }
                _ => return None,
            }
        }
        RowKey::GroupBy { .. } => cached
            .map(|(revision, row)| (row, revision))
            .unwrap_or_else(|| (R::new(key.clone()), 0)),
    };
    row.apply(first);
    for (_, event) in &rest {
        row.apply(event);
    }
    Some((row, key, guard, 1 + rest.len()))
}

/// The new row of a read model after one command's events, computed from the cache,
/// to be written in the same statement as the events; `None` when not possible.
pub(crate) fn prepare_fast<R: ReadModel>(
    events: &[EventEnvelope<EventOf<R>>],
    cache: &AggregateCache,
) -> Option<FastRow> {
    // Global positions are only known once the events are stored.
    if R::DEFINITION.contains("envelope=global_position") {
        return None;
    }
    let (row, key, guard, _) = row_from_cache::<R>(events, cache)?;
    Some(FastRow {
        table: R::TABLE,
        key,
        guard,
        revision: R::KEY.is_per_aggregate().then(|| row.version()),
        row: Arc::new(row),
        bind: bind_erased::<R>,
        upsert: fast_upsert_sql::<R>,
    })
}

fn bind_erased<'q, R: ReadModel>(
    row: &'q (dyn Any + Send + Sync),
    query: PgQuery<'q>,
) -> PgQuery<'q> {
    match row.downcast_ref::<R>() {
        Some(row) => row.bind(query),
        None => query,
    }
}

/// The guard of a cached write: the revision the stored row must have.
fn guard_clause(table: &str, param: usize) -> String {
    format!(" WHERE {}.\"_revision\" = ${param}", quoted(table))
}

/// The upsert of one row as CTEs over the events CTE `ins` (written only if events
/// were, positioned at the first of them, guarded by the stored row's revision), plus
/// for group_by models the stream's entry in `read_model_streams`.
fn fast_upsert_sql<R: ReadModel>(first: usize) -> (Vec<String>, usize) {
    let key = R::KEY.column();
    let columns: Vec<String> = R::COLUMNS.iter().map(|c| quoted(c.name)).collect();
    let params: Vec<String> = (0..columns.len())
        .map(|i| format!("${}", first + i))
        .collect();
    let per_aggregate = R::KEY.is_per_aggregate();
    let (revision, guard) = if per_aggregate {
        let param = first + columns.len();
        (format!("${param}"), param + 1)
    } else {
        (
            "(SELECT max(global_position) FROM ins)".to_owned(),
            first + columns.len(),
        )
    };
    let mut updates: Vec<String> = columns
        .iter()
        .filter(|c| **c != quoted(key))
        .map(|c| format!("{c} = EXCLUDED.{c}"))
        .collect();
    updates.push("\"_revision\" = EXCLUDED.\"_revision\"".to_owned());
    let mut ctes = vec![format!(
        "INSERT INTO {table} ({}, {PLATFORM_COLUMNS}) \
         SELECT {}, (SELECT min(global_position) FROM ins), {revision} \
         WHERE EXISTS (SELECT 1 FROM ins) ON CONFLICT ({}) DO UPDATE SET {}{} RETURNING 1",
        columns.join(", "),
        params.join(", "),
        quoted(key),
        updates.join(", "),
        guard_clause(R::TABLE, guard),
        table = quoted(R::TABLE),
    )];
    if !R::KEY.is_per_aggregate() {
        // The events are new: record their stream's last version for this table.
        ctes.push(format!(
            "INSERT INTO read_model_streams (table_name, stream_id, version) \
             SELECT '{}', $1, (SELECT max(version) FROM ins) WHERE EXISTS (SELECT 1 FROM ins) \
             ON CONFLICT (table_name, stream_id) DO UPDATE \
             SET version = GREATEST(read_model_streams.version, EXCLUDED.version)",
            R::TABLE
        ));
    }
    (ctes, columns.len() + if per_aggregate { 2 } else { 1 })
}

/// The fast path inside a transaction (some other model needed the general path).
async fn fast_path<R: ReadModel>(
    conn: &mut PgConnection,
    events: &[EventEnvelope<EventOf<R>>],
    cache: &AggregateCache,
    written: &mut Vec<WrittenRow>,
) -> Result<Option<usize>, sqlx::Error> {
    let Some(first) = events.iter().find(|e| R::key(e).is_some()) else {
        return Ok(Some(0));
    };
    let Some((row, key, guard, applied)) = row_from_cache::<R>(events, cache) else {
        return Ok(None);
    };
    let newest = events
        .iter()
        .filter(|e| R::key(e).is_some())
        .map(|e| e.global_position)
        .max()
        .unwrap_or(0);
    let revision = revision_of(&row, newest);
    let sql = upsert_sql::<R>(R::TABLE, 1, true);
    let done = row
        .bind(sqlx::query(&sql))
        .bind(first.global_position)
        .bind(revision)
        .bind(guard)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() != 1 {
        cache.remove_value(R::TABLE, &key);
        return Ok(None);
    }
    if !R::KEY.is_per_aggregate() {
        let (streams, versions): (Vec<&str>, Vec<i64>) = events
            .iter()
            .map(|e| (e.aggregate_id.as_str(), e.version))
            .unzip();
        sqlx::query(
            "INSERT INTO read_model_streams (table_name, stream_id, version) \
             SELECT $1, s, max(v) FROM unnest($2::text[], $3::bigint[]) AS t(s, v) GROUP BY s \
             ON CONFLICT (table_name, stream_id) DO UPDATE \
             SET version = GREATEST(read_model_streams.version, EXCLUDED.version)",
        )
        .bind(R::TABLE)
        .bind(&streams)
        .bind(&versions)
        .execute(&mut *conn)
        .await?;
    }
    written.push(WrittenRow {
        table: R::TABLE,
        key,
        revision,
        row: Arc::new(row),
    });
    Ok(Some(applied))
}

/// `INSERT … VALUES (…), (…) ON CONFLICT (key) DO UPDATE SET every column` (the row's
/// first position stays). Each row binds its columns, position and revision; with
/// `guarded`, a last parameter holds the revision the stored row must have.
fn upsert_sql<R: ReadModel>(table: &str, rows: usize, guarded: bool) -> String {
    let width = R::COLUMNS.len() + 2;
    let columns: Vec<String> = R::COLUMNS.iter().map(|c| quoted(c.name)).collect();
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let params: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", params.join(", "))
        })
        .collect();
    let mut updates: Vec<String> = columns
        .iter()
        .filter(|c| **c != quoted(R::KEY.column()))
        .map(|c| format!("{c} = EXCLUDED.{c}"))
        .collect();
    updates.push("\"_revision\" = EXCLUDED.\"_revision\"".to_owned());
    let guard = if guarded {
        guard_clause(table, rows * width + 1)
    } else {
        String::new()
    };
    format!(
        "INSERT INTO {} ({}, {PLATFORM_COLUMNS}) VALUES {} ON CONFLICT ({}) DO UPDATE SET {}{guard}",
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
    let mut newest: HashMap<&str, i64> = HashMap::new();
    for (_, e) in &keyed {
        let v = newest.entry(e.aggregate_id.as_str()).or_insert(e.version);
        *v = (*v).max(e.version);
    }
    let mut streams: Vec<(&str, i64)> = newest.into_iter().collect();
    streams.sort_unstable();
    let (ids, versions): (Vec<&str>, Vec<i64>) = streams.into_iter().unzip();
    // One statement: lock and read each stream's last applied version, and record the
    // newest one of this batch.
    let known: HashMap<String, i64> = sqlx::query_as(
        "WITH old AS ( \
             SELECT stream_id, version FROM read_model_streams \
             WHERE table_name = $1 AND stream_id = ANY($2) ORDER BY stream_id FOR UPDATE \
         ), new AS ( \
             INSERT INTO read_model_streams (table_name, stream_id, version) \
             SELECT $1, s, v FROM unnest($2::text[], $3::bigint[]) AS t(s, v) \
             ON CONFLICT (table_name, stream_id) DO UPDATE \
             SET version = GREATEST(read_model_streams.version, EXCLUDED.version) \
         ) SELECT stream_id, version FROM old",
    )
    .bind(table)
    .bind(&ids)
    .bind(&versions)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    Ok(keyed
        .into_iter()
        .filter(|(_, e)| e.version > known.get(&e.aggregate_id).copied().unwrap_or(0))
        .collect())
}
