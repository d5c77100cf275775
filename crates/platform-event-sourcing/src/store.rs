use chrono::{DateTime, Utc};
use platform_core::{
    ConcurrencyError, EventDecodeError, ExpectedVersion, Metadata, NewEvent, upcast,
};
use serde_json::value::RawValue;
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor, PgPool, Row};
use tracing::instrument;
use uuid::Uuid;

use crate::error::StoreError;
use crate::position::LogPosition;
use crate::read_model::FastRow;
use crate::recorded::{RecordedEvent, StreamRange};

/// What an append wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendResult {
    /// Version of the stream's first new event.
    pub first_version: i64,
    /// Version of the stream after the append.
    pub last_version: i64,
    /// Global position of each new event, in order.
    pub positions: Vec<i64>,
}

/// The PostgreSQL event store: a cheap handle around a connection pool.
#[derive(Debug, Clone)]
pub struct PgEventStore {
    pool: PgPool,
}

/// One `events` row as selected by [`SELECT_EVENT`].
pub(crate) type EventRow = (
    i64,
    i64,
    Uuid,
    String,
    String,
    i64,
    String,
    i32,
    Json<Box<RawValue>>,
    Json<Metadata>,
    DateTime<Utc>,
);

const SELECT_EVENT: &str = "SELECT transaction_id::text::bigint AS tx_id, global_position, event_id, \
     stream_id, aggregate_type, version, event_type, schema_version, payload, metadata, occurred_at \
     FROM events";

/// The append as a CTE (`ins`), checking the expected version in the same statement.
macro_rules! append_cte {
    () => {
        r#"
WITH current_version AS (
    SELECT coalesce(max(version), 0) AS v FROM events WHERE stream_id = $1
), checked AS (
    SELECT v FROM current_version WHERE $3::bigint IS NULL OR v = $3
), ins AS (
    INSERT INTO events (event_id, stream_id, aggregate_type, version, event_type,
                        schema_version, payload, metadata, occurred_at)
    SELECT e.event_id, $1, $2, checked.v + e.n, e.event_type,
           e.schema_version, e.payload, e.metadata, e.occurred_at
    FROM checked,
         unnest($4::uuid[], $5::text[], $6::int[], $7::jsonb[], $8::jsonb[], $9::timestamptz[])
             WITH ORDINALITY AS e(event_id, event_type, schema_version, payload, metadata, occurred_at, n)
    ORDER BY e.n
    RETURNING version, global_position
)"#
    };
}

/// Inserts a batch in one statement, checking the expected version in the same statement.
const APPEND: &str = concat!(
    append_cte!(),
    " SELECT version, global_position FROM ins ORDER BY version"
);

/// The append CTE, for statements that write read-model rows in the same go.
const APPEND_CTE: &str = append_cte!();

/// Parameters APPEND and APPEND_CTE take.
const APPEND_PARAMS: usize = 9;

/// Reads the log after a position, never past the oldest transaction still running,
/// narrowed by a [`LogFilter`] (null parameters match everything). (The cast column is
/// aliased: `ORDER BY transaction_id` must name the indexed column, not the cast
/// output, or the whole log is sorted.)
const READ_LOG: &str = r#"
SELECT transaction_id::text::bigint AS tx_id, global_position, event_id, stream_id, aggregate_type,
       version, event_type, schema_version, payload, metadata, occurred_at
FROM events
WHERE (transaction_id, global_position) > ($1::text::xid8, $2)
  AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
  AND ($4::text[] IS NULL OR event_type = ANY($4))
  AND ($5::bigint IS NULL OR global_position >= $5)
  AND ($6::bigint IS NULL OR global_position <= $6)
ORDER BY transaction_id, global_position
LIMIT $3
"#;

/// Which events of the global log a reader wants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Only these event types (all when `None`).
    pub event_types: Option<Vec<String>>,
    /// Only events at or after this global position.
    pub from_position: Option<i64>,
    /// Only events at or before this global position.
    pub to_position: Option<i64>,
}

/// Reads up to `limit` events matching `filter` after `after`, in gap-safe log order
/// (see [`PgEventStore::read_all`]), on the caller's connection.
pub async fn read_log(
    conn: &mut PgConnection,
    after: LogPosition,
    filter: &LogFilter,
    limit: i64,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let rows: Vec<EventRow> = sqlx::query_as(READ_LOG)
        .bind(after.transaction_id.to_string())
        .bind(after.global_position)
        .bind(limit)
        .bind(filter.event_types.as_deref())
        .bind(filter.from_position)
        .bind(filter.to_position)
        .fetch_all(&mut *conn)
        .await?;
    Ok(into_recorded_rows(rows)?)
}

/// Rows selected with the full event column list, as recorded events, their payloads
/// upcast to the current schema versions.
pub(crate) fn into_recorded_rows(
    rows: Vec<EventRow>,
) -> Result<Vec<RecordedEvent>, EventDecodeError> {
    rows.into_iter().map(into_recorded).collect()
}

fn into_recorded(row: EventRow) -> Result<RecordedEvent, EventDecodeError> {
    let (
        tx,
        pos,
        event_id,
        stream_id,
        aggregate_type,
        version,
        event_type,
        schema,
        payload,
        meta,
        at,
    ) = row;
    let (schema_version, payload) = match upcast(&event_type, schema, payload.0.get())? {
        None => (schema, payload.0),
        Some((version, text)) => {
            let raw = RawValue::from_string(text).map_err(|e| EventDecodeError::Upcast {
                event_type: event_type.clone(),
                from_version: schema,
                reason: e.to_string(),
            })?;
            (version, raw)
        }
    };
    Ok(RecordedEvent {
        position: LogPosition {
            transaction_id: tx,
            global_position: pos,
        },
        event_id,
        stream_id,
        aggregate_type,
        version,
        event_type,
        schema_version,
        payload,
        metadata: meta.0,
        occurred_at: at,
    })
}

impl PgEventStore {
    /// A store over an existing pool (migrations must have run).
    pub fn new(pool: PgPool) -> Self {
        PgEventStore { pool }
    }

    /// The underlying pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Appends events to a stream as one atomic statement, if `expected` holds.
    ///
    /// Fails with [`StoreError::Concurrency`] when another writer got there first.
    #[instrument(skip_all, fields(stream_id = %stream_id, events = events.len()))]
    pub async fn append(
        &self,
        stream_id: &str,
        aggregate_type: &str,
        expected: ExpectedVersion,
        events: &[NewEvent],
    ) -> Result<AppendResult, StoreError> {
        let mut conn = self.pool.acquire().await?;
        self.append_in(&mut conn, stream_id, aggregate_type, expected, events)
            .await
    }

    /// Like [`append`](Self::append), on a caller's connection or transaction.
    ///
    /// A version race inside the caller's transaction aborts that transaction; the
    /// actual version in the error is then read through the pool.
    pub async fn append_in(
        &self,
        conn: &mut PgConnection,
        stream_id: &str,
        aggregate_type: &str,
        expected: ExpectedVersion,
        events: &[NewEvent],
    ) -> Result<AppendResult, StoreError> {
        if events.is_empty() {
            let actual = stream_version_with(&mut *conn, stream_id).await?;
            if !expected.matches(actual) {
                return Err(conflict(stream_id, expected, actual));
            }
            return Ok(AppendResult {
                first_version: actual + 1,
                last_version: actual,
                positions: Vec::new(),
            });
        }
        self.append_rows(conn, stream_id, aggregate_type, expected, events, &[])
            .await
    }

    /// Appends events and writes read-model rows in one statement (one round trip, one
    /// implicit transaction). If any row's revision guard fails the whole statement is
    /// undone and [`StoreError::StaleRow`] returned.
    pub(crate) async fn append_projected(
        &self,
        stream_id: &str,
        aggregate_type: &str,
        expected: ExpectedVersion,
        events: &[NewEvent],
        rows: &[FastRow],
    ) -> Result<AppendResult, StoreError> {
        let mut conn = self.pool.acquire().await?;
        self.append_rows(&mut conn, stream_id, aggregate_type, expected, events, rows)
            .await
    }

    async fn append_rows(
        &self,
        conn: &mut PgConnection,
        stream_id: &str,
        aggregate_type: &str,
        expected: ExpectedVersion,
        events: &[NewEvent],
        rows: &[FastRow],
    ) -> Result<AppendResult, StoreError> {
        let expected_param = match expected {
            ExpectedVersion::Any => None,
            ExpectedVersion::NoStream => Some(0_i64),
            ExpectedVersion::Exact(v) => Some(v),
        };
        let ids: Vec<Uuid> = events.iter().map(|e| e.event_id).collect();
        let types: Vec<&str> = events.iter().map(|e| e.event_type).collect();
        let schemas: Vec<i32> = events.iter().map(|e| e.schema_version).collect();
        let payloads: Vec<&serde_json::Value> = events.iter().map(|e| &e.payload).collect();
        let metadata: Vec<Json<&Metadata>> = events.iter().map(|e| Json(&e.metadata)).collect();
        let times: Vec<DateTime<Utc>> = events.iter().map(|e| e.occurred_at).collect();
        let combined;
        let sql = if rows.is_empty() {
            APPEND
        } else {
            let mut sql = APPEND_CTE.to_owned();
            let mut next = APPEND_PARAMS + 1;
            let mut counts = Vec::new();
            for (i, row) in rows.iter().enumerate() {
                let (ctes, used) = (row.upsert)(next);
                for (j, cte) in ctes.iter().enumerate() {
                    sql.push_str(&format!(", rm{i}_{j} AS ({cte})"));
                }
                counts.push(format!("(SELECT count(*) FROM rm{i}_0)"));
                next += used;
            }
            sql.push_str(&format!(
                " SELECT version, global_position, platform_expect_projected({}, {}) \
                 FROM ins ORDER BY version",
                counts.join(" + "),
                rows.len()
            ));
            combined = sql;
            combined.as_str()
        };
        let mut query = sqlx::query(sql)
            .bind(stream_id)
            .bind(aggregate_type)
            .bind(expected_param)
            .bind(&ids)
            .bind(&types)
            .bind(&schemas)
            .bind(&payloads)
            .bind(&metadata)
            .bind(&times);
        for row in rows {
            query = (row.bind)(row.row.as_ref(), query);
            if let Some(revision) = row.revision {
                query = query.bind(revision);
            }
            query = query.bind(row.guard);
        }
        let result = query.fetch_all(&mut *conn).await;
        match result {
            Ok(found) if !found.is_empty() => {
                let pairs: Vec<(i64, i64)> = found
                    .iter()
                    .map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)?)))
                    .collect::<Result<_, sqlx::Error>>()?;
                Ok(AppendResult {
                    first_version: pairs[0].0,
                    last_version: pairs[pairs.len() - 1].0,
                    positions: pairs.iter().map(|(_, position)| *position).collect(),
                })
            }
            Ok(_) => {
                let actual = stream_version_with(&mut *conn, stream_id).await?;
                Err(conflict(stream_id, expected, actual))
            }
            Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("PX001") => {
                Err(StoreError::StaleRow)
            }
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                if db.constraint() == Some("events_event_id_key") {
                    return Err(StoreError::DuplicateEvent(ids[0]));
                }
                // The other writer has committed; `conn` may be in an aborted transaction.
                let actual = self.stream_version(stream_id).await?;
                Err(conflict(stream_id, expected, actual))
            }
            Err(err) => Err(err.into()),
        }
    }

    /// The version of a stream's last event (0 when it has none).
    pub async fn stream_version(&self, stream_id: &str) -> Result<i64, StoreError> {
        stream_version_with(&self.pool, stream_id).await
    }

    /// Reads part of a stream in version order.
    #[instrument(skip_all, fields(stream_id = %stream_id))]
    pub async fn read_stream(
        &self,
        stream_id: &str,
        range: StreamRange,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let sql = format!(
            "{SELECT_EVENT} WHERE stream_id = $1 AND version > $2 \
             AND ($3::bigint IS NULL OR version <= $3) \
             AND ($4::timestamptz IS NULL OR occurred_at <= $4) ORDER BY version"
        );
        let rows: Vec<EventRow> = sqlx::query_as(&sql)
            .bind(stream_id)
            .bind(range.after_version)
            .bind(range.to_version)
            .bind(range.until)
            .fetch_all(&self.pool)
            .await?;
        Ok(into_recorded_rows(rows)?)
    }

    /// Reads up to `limit` events of the global log after `after`, in log order.
    ///
    /// Gap-safe: only events of transactions older than every transaction still in
    /// flight are returned, so an event that commits late is never skipped; it is
    /// delivered after the position it gets, exactly once.
    pub async fn read_all(
        &self,
        after: LogPosition,
        limit: i64,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        read_log(&mut conn, after, &LogFilter::default(), limit).await
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

async fn stream_version_with<'e, E: PgExecutor<'e>>(
    executor: E,
    stream_id: &str,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1",
    )
    .bind(stream_id)
    .fetch_one(executor)
    .await?)
}

fn conflict(stream_id: &str, expected: ExpectedVersion, actual: i64) -> StoreError {
    StoreError::Concurrency(ConcurrencyError {
        stream_id: stream_id.to_owned(),
        expected,
        actual,
    })
}
