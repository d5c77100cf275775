//! Appending to a stream: one statement that checks the expected version and inserts
//! every event, optionally with rows for other tables written by the same statement.

use chrono::{DateTime, Utc};
use platform_core::{ConcurrencyError, ExpectedVersion, Metadata, NewEvent};
use sqlx::postgres::PgArguments;
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, Postgres};
use tracing::instrument;
use uuid::Uuid;

use super::{PgEventStore, stream_version_with};
use crate::error::{ProjectionError, StoreError};

/// A query with bound arguments, as a [`CoWrite`] binds its values into it.
pub type PgQuery<'q> = sqlx::query::Query<'q, Postgres, PgArguments>;

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

impl AppendResult {
    /// Global position of the last event appended (0 when none was).
    pub fn last_position(&self) -> i64 {
        self.positions.last().copied().unwrap_or(0)
    }
}

/// How an append with co-writes ended, when the database did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppendOutcome {
    /// The events and every co-written row are stored.
    Appended(AppendResult),
    /// A co-write's guard did not hold; the whole statement was undone and nothing is
    /// stored. The co-writer decides what to do instead.
    GuardFailed,
}

/// SQL of a [`CoWrite`]: data-modifying CTEs and how many parameters they bind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoWriteSql {
    /// CTE bodies (`INSERT …`), in order. They may read the CTE they were given: the inserted
    /// events' `tenant_id`, `stream_id`, `version` and `global_position`, empty when
    /// the version check failed.
    /// The first must return exactly one row when its guard held and it wrote.
    pub ctes: Vec<String>,
    /// Parameters the CTEs use, numbered from the `first_param` they were given.
    pub params: usize,
}

/// Rows another table gets in the same statement as an append (one round trip, one
/// implicit transaction): written with the events, or undone with them.
pub trait CoWrite: Send + Sync {
    /// The table written, to attribute a refusal to it.
    fn table(&self) -> &str;

    /// The CTEs, with parameters numbered from `first_param`, reading the inserted
    /// events from the CTE named `ins`.
    fn sql(&self, first_param: usize, ins: &str) -> CoWriteSql;

    /// The row written (its key), when the co-write writes one row of its table; `None`
    /// when it may touch any. Appends grouped into one statement never write the same
    /// row twice.
    fn row(&self) -> Option<&str> {
        None
    }

    /// Binds the parameters the CTEs use, in order.
    fn bind<'q>(&'q self, query: PgQuery<'q>) -> PgQuery<'q>;
}

/// The CTEs of one append, named with `k` (`ins_k` holds the inserted events), with
/// parameters numbered from `first`: the stream, the aggregate type, the expected
/// version (NULL: any), the events' ids, types, schema versions, payloads, metadata and
/// times, and the tenant. The expected version is checked in the same statement; when
/// it does not hold, `ins_k` is empty and nothing of this append is written.
fn append_ctes(k: usize, first: usize) -> String {
    let p = |i: usize| first + i;
    format!(
        "cv_{k} AS (SELECT coalesce(max(version), 0) AS v FROM events \
             WHERE tenant_id = ${tenant} AND stream_id = ${stream}), \
         checked_{k} AS (SELECT v FROM cv_{k} WHERE ${expected}::bigint IS NULL OR v = ${expected}), \
         ins_{k} AS (\
             INSERT INTO events (event_id, tenant_id, stream_id, aggregate_type, version, \
                                 event_type, schema_version, payload, metadata, occurred_at) \
             SELECT e.event_id, ${tenant}, ${stream}, ${aggregate}, checked_{k}.v + e.n, \
                    e.event_type, e.schema_version, e.payload, e.metadata, e.occurred_at \
             FROM checked_{k}, unnest(${ids}::uuid[], ${types}::text[], ${schemas}::int[], \
                                      ${payloads}::jsonb[], ${metadata}::jsonb[], \
                                      ${times}::timestamptz[]) \
                 WITH ORDINALITY AS e(event_id, event_type, schema_version, payload, metadata, \
                                      occurred_at, n) \
             ORDER BY e.n \
             RETURNING tenant_id, stream_id, version, global_position)",
        stream = p(0),
        aggregate = p(1),
        expected = p(2),
        ids = p(3),
        types = p(4),
        schemas = p(5),
        payloads = p(6),
        metadata = p(7),
        times = p(8),
        tenant = p(9),
    )
}

/// Parameters [`append_ctes`] takes.
const APPEND_PARAMS: usize = 10;

/// One statement appending to several streams (one block each, with its co-writes):
/// each block's version is checked on its own, and the result rows say which block
/// (`k`) each inserted event belongs to. A co-write whose guard failed raises
/// [`GUARD_FAILED`], undoing the whole statement.
pub(super) fn statement(blocks: &[&[&dyn CoWrite]]) -> String {
    let mut ctes = Vec::new();
    let mut selects = Vec::with_capacity(blocks.len());
    let mut next = 1;
    for (k, co_writes) in blocks.iter().enumerate() {
        ctes.push(append_ctes(k, next));
        next += APPEND_PARAMS;
        let mut counts = Vec::with_capacity(co_writes.len());
        for (i, co_write) in co_writes.iter().enumerate() {
            let CoWriteSql {
                ctes: bodies,
                params,
            } = co_write.sql(next, &format!("ins_{k}"));
            for (j, body) in bodies.iter().enumerate() {
                ctes.push(format!("cw{k}_{i}_{j} AS ({body})"));
            }
            counts.push(format!("(SELECT count(*) FROM cw{k}_{i}_0)"));
            next += params;
        }
        let guard = if co_writes.is_empty() {
            "0::bigint".to_owned()
        } else {
            format!(
                "platform_expect_projected({}, {})",
                counts.join(" + "),
                co_writes.len()
            )
        };
        selects.push(format!(
            "SELECT {k} AS k, version, global_position, {guard} AS guard FROM ins_{k}"
        ));
    }
    format!(
        "WITH {} {} ORDER BY k, version",
        ctes.join(", "),
        selects.join(" UNION ALL ")
    )
}

/// The plain append of one stream.
static APPEND: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| statement(&[&[]]));

/// One append's events as the arrays its CTEs unnest.
pub(super) struct Columns<'a> {
    expected: Option<i64>,
    ids: Vec<Uuid>,
    types: Vec<&'a str>,
    schemas: Vec<i32>,
    payloads: Vec<&'a serde_json::Value>,
    metadata: Vec<Json<&'a Metadata>>,
    times: Vec<DateTime<Utc>>,
}

impl<'a> Columns<'a> {
    pub(super) fn new(expected: ExpectedVersion, events: &'a [NewEvent]) -> Self {
        Columns {
            expected: match expected {
                ExpectedVersion::Any => None,
                ExpectedVersion::NoStream => Some(0_i64),
                ExpectedVersion::Exact(v) => Some(v),
            },
            ids: events.iter().map(|e| e.event_id).collect(),
            types: events.iter().map(|e| e.event_type).collect(),
            schemas: events.iter().map(|e| e.schema_version).collect(),
            payloads: events.iter().map(|e| &e.payload).collect(),
            metadata: events.iter().map(|e| Json(&e.metadata)).collect(),
            times: events.iter().map(|e| e.occurred_at).collect(),
        }
    }

    /// Binds one block's parameters, in [`append_ctes`]'s order, then its co-writes'.
    pub(super) fn bind<'q>(
        &'q self,
        query: PgQuery<'q>,
        tenant: &'q str,
        stream_id: &'q str,
        aggregate_type: &'q str,
        co_writes: &[&'q dyn CoWrite],
    ) -> PgQuery<'q> {
        let mut query = query
            .bind(stream_id)
            .bind(aggregate_type)
            .bind(self.expected)
            .bind(&self.ids)
            .bind(&self.types)
            .bind(&self.schemas)
            .bind(&self.payloads)
            .bind(&self.metadata)
            .bind(&self.times)
            .bind(tenant);
        for co_write in co_writes {
            query = co_write.bind(query);
        }
        query
    }
}

/// What one append writes.
#[derive(Debug, Clone, Copy)]
struct Batch<'a> {
    stream_id: &'a str,
    aggregate_type: &'a str,
    expected: ExpectedVersion,
    events: &'a [NewEvent],
}

/// One inserted event, as the append statement returns it.
#[derive(Debug, sqlx::FromRow)]
struct Inserted {
    version: i64,
    global_position: i64,
}

impl PgEventStore {
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
        self.append_with(stream_id, aggregate_type, expected, events, &[])
            .await
            .and_then(appended)
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
        let batch = Batch {
            stream_id,
            aggregate_type,
            expected,
            events,
        };
        self.run(conn, &batch, &[]).await.and_then(appended)
    }

    /// Appends events and writes `co_writes` in the same statement: all of it or none.
    ///
    /// [`AppendOutcome::GuardFailed`] when a co-write's guard did not hold (nothing is
    /// stored); a co-write the database refuses (a constraint) is
    /// [`StoreError::Projection`] naming its table.
    #[instrument(skip_all, fields(stream_id = %stream_id, events = events.len(), co_writes = co_writes.len()))]
    pub async fn append_with(
        &self,
        stream_id: &str,
        aggregate_type: &str,
        expected: ExpectedVersion,
        events: &[NewEvent],
        co_writes: &[&dyn CoWrite],
    ) -> Result<AppendOutcome, StoreError> {
        let batch = Batch {
            stream_id,
            aggregate_type,
            expected,
            events,
        };
        let mut conn = self.connection().await?;
        let outcome = self.run(conn.conn(), &batch, co_writes).await?;
        conn.finish().await?;
        Ok(outcome)
    }

    async fn run(
        &self,
        conn: &mut PgConnection,
        batch: &Batch<'_>,
        co_writes: &[&dyn CoWrite],
    ) -> Result<AppendOutcome, StoreError> {
        let Batch {
            stream_id,
            aggregate_type,
            expected,
            events,
        } = *batch;
        if events.is_empty() {
            // Nothing to write: the expected version alone is checked.
            let actual = stream_version_with(&mut *conn, self.tenant(), stream_id).await?;
            if !expected.matches(actual) {
                return Err(conflict(stream_id, expected, actual));
            }
            return Ok(AppendOutcome::Appended(AppendResult {
                first_version: actual + 1,
                last_version: actual,
                positions: Vec::new(),
            }));
        }
        let columns = Columns::new(expected, events);
        let combined;
        let sql = if co_writes.is_empty() {
            APPEND.as_str()
        } else {
            combined = statement(&[co_writes]);
            combined.as_str()
        };
        let query = columns.bind(
            sqlx::query(sql),
            self.tenant(),
            stream_id,
            aggregate_type,
            co_writes,
        );
        match query.fetch_all(&mut *conn).await {
            Ok(rows) if !rows.is_empty() => {
                let rows = rows
                    .iter()
                    .map(Inserted::from_row)
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(AppendOutcome::Appended(AppendResult {
                    first_version: rows[0].version,
                    last_version: rows[rows.len() - 1].version,
                    positions: rows.iter().map(|r| r.global_position).collect(),
                }))
            }
            Ok(_) => {
                let actual = stream_version_with(&mut *conn, self.tenant(), stream_id).await?;
                Err(conflict(stream_id, expected, actual))
            }
            Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some(GUARD_FAILED) => {
                Ok(AppendOutcome::GuardFailed)
            }
            Err(sqlx::Error::Database(db))
                if db
                    .table()
                    .is_some_and(|t| co_writes.iter().any(|c| c.table() == t)) =>
            {
                let table = db.table().unwrap_or_default().to_owned();
                Err(StoreError::Projection(ProjectionError {
                    table,
                    source: sqlx::Error::Database(db),
                }))
            }
            Err(sqlx::Error::Database(db)) if db.constraint() == Some("events_event_id_key") => {
                Err(StoreError::DuplicateEvent(columns.ids[0]))
            }
            Err(sqlx::Error::Database(db))
                if db.constraint() == Some("events_stream_version_key") =>
            {
                // The other writer has committed; `conn` may be in an aborted transaction.
                let actual = self.stream_version(stream_id).await?;
                Err(conflict(stream_id, expected, actual))
            }
            Err(err) => Err(err.into()),
        }
    }
}

impl PgEventStore {
    /// After an append whose reply was lost: the result, if its events are in the log
    /// (looked up by event id, patiently: the connection may take a moment to come
    /// back); `None` when they are not, or when the log cannot be asked.
    pub async fn find_appended(&self, events: &[NewEvent]) -> Option<AppendResult> {
        let ids: Vec<Uuid> = events.iter().map(|e| e.event_id).collect();
        let mut delay = std::time::Duration::from_millis(50);
        for _ in 0..6 {
            match self.appended_rows(&ids).await {
                Ok(rows) if rows.len() == ids.len() => {
                    return Some(AppendResult {
                        first_version: rows[0].version,
                        last_version: rows[rows.len() - 1].version,
                        positions: rows.iter().map(|r| r.global_position).collect(),
                    });
                }
                Ok(_) => return None,
                Err(err) if err.is_unavailable() => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(std::time::Duration::from_secs(1));
                }
                Err(_) => return None,
            }
        }
        None
    }

    async fn appended_rows(&self, ids: &[Uuid]) -> Result<Vec<Inserted>, StoreError> {
        let mut conn = self.connection().await?;
        let rows: Vec<Inserted> = sqlx::query_as(
            "SELECT version, global_position FROM events \
             WHERE tenant_id = $1 AND event_id = ANY($2) ORDER BY version",
        )
        .bind(self.tenant())
        .bind(ids)
        .fetch_all(conn.conn())
        .await?;
        conn.finish().await?;
        Ok(rows)
    }
}

/// SQLSTATE raised by `platform_expect_projected` when a co-write's guard failed.
const GUARD_FAILED: &str = "PX001";

/// The result of an append that has no co-write (and so no guard that can fail).
pub(crate) fn appended(outcome: AppendOutcome) -> Result<AppendResult, StoreError> {
    match outcome {
        AppendOutcome::Appended(result) => Ok(result),
        AppendOutcome::GuardFailed => Err(StoreError::Database(sqlx::Error::Protocol(
            "an append without co-writes reported a failed guard".to_owned(),
        ))),
    }
}

pub(super) fn conflict(stream_id: &str, expected: ExpectedVersion, actual: i64) -> StoreError {
    StoreError::Concurrency(ConcurrencyError {
        stream_id: stream_id.to_owned(),
        expected,
        actual,
    })
}
