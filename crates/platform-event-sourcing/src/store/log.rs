//! The global log, read in gap-safe order: one query for every reader (projectors,
//! rebuilds, the outbox relay, `republish`), narrowed by a [`LogFilter`].
//!
//! The log is read in `(transaction_id, global_position)` order, only below
//! `pg_snapshot_xmin(pg_current_snapshot())`: every transaction below that bound has
//! finished, so no event can appear behind a reader's position (see
//! docs/architecture.md). [`LogHorizon::Committed`] drops the bound, for readers that
//! hold a lock making late commits impossible or harmless (a rebuild's swap).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::row::{EventRow, into_recorded};
use crate::error::StoreError;
use crate::position::LogPosition;
use crate::recorded::RecordedEvent;

/// Which events of the global log a reader wants; `None` fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Only events of streams of this aggregate type.
    pub aggregate_type: Option<String>,
    /// Only these event types.
    pub event_types: Option<Vec<String>>,
    /// Only events at or after this global position.
    pub from_position: Option<i64>,
    /// Only events at or before this global position.
    pub to_position: Option<i64>,
    /// Only events of this tenant's streams.
    pub tenant: Option<String>,
    /// How far the read may go.
    pub horizon: LogHorizon,
}

/// How far a read of the log may go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LogHorizon {
    /// Only events of transactions older than every one still running: nothing can
    /// commit behind the reader later. Every follower of the log reads this way.
    #[default]
    GapSafe,
    /// Every committed event: only for a reader that holds a lock keeping writers out,
    /// or that applies events idempotently and reads again later.
    Committed,
}

impl LogFilter {
    /// Events of these types.
    pub fn event_types(types: &[&str]) -> Self {
        LogFilter {
            event_types: Some(types.iter().map(|t| (*t).to_owned()).collect()),
            ..LogFilter::default()
        }
    }

    /// Events of these types from streams of one aggregate type.
    pub fn events_of(aggregate_type: &str, types: &[&str]) -> Self {
        LogFilter {
            aggregate_type: Some(aggregate_type.to_owned()),
            ..LogFilter::event_types(types)
        }
    }

    /// The same events, read up to every committed one ([`LogHorizon::Committed`]).
    pub fn committed(self) -> Self {
        LogFilter {
            horizon: LogHorizon::Committed,
            ..self
        }
    }
}

/// Reads the log after a position, in log order. `$3` true: every committed event;
/// false: only events of transactions older than every one in flight. (The cast
/// transaction id is aliased: `ORDER BY transaction_id` must name the indexed column,
/// not the cast output, or the whole log is sorted.)
const READ_LOG: &str = r#"
SELECT transaction_id::text::bigint AS tx_id, global_position, event_id, tenant_id, stream_id,
       aggregate_type, version, event_type, schema_version, payload, metadata, occurred_at
FROM events
WHERE (transaction_id, global_position) > ($1::text::xid8, $2)
  AND ($3 OR transaction_id < pg_snapshot_xmin(pg_current_snapshot()))
  AND ($5::text IS NULL OR aggregate_type = $5)
  AND ($6::text[] IS NULL OR event_type = ANY($6))
  AND ($7::bigint IS NULL OR global_position >= $7)
  AND ($8::bigint IS NULL OR global_position <= $8)
  AND ($9::text IS NULL OR tenant_id = $9)
ORDER BY transaction_id, global_position
LIMIT $4
"#;

/// Reads up to `limit` events matching `filter` after `after`, in log order. With the
/// default [`LogHorizon::GapSafe`] an event whose transaction commits late is returned
/// after the position it gets, never skipped.
pub async fn read_log(
    conn: &mut PgConnection,
    after: LogPosition,
    filter: &LogFilter,
    limit: i64,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let rows: Vec<EventRow> = sqlx::query_as(READ_LOG)
        .bind(after.transaction_id.to_string())
        .bind(after.global_position)
        .bind(filter.horizon == LogHorizon::Committed)
        .bind(limit)
        .bind(filter.aggregate_type.as_deref())
        .bind(filter.event_types.as_deref())
        .bind(filter.from_position)
        .bind(filter.to_position)
        .bind(filter.tenant.as_deref())
        .fetch_all(&mut *conn)
        .await?;
    Ok(into_recorded(rows)?)
}

/// How many committed events match `filter`, up to and including `through` (all when
/// `None`).
pub async fn count_log(
    conn: &mut PgConnection,
    filter: &LogFilter,
    through: Option<LogPosition>,
) -> Result<u64, StoreError> {
    let count: i64 = sqlx::query_scalar(
        r#"
SELECT count(*) FROM events
WHERE ($1::text IS NULL OR aggregate_type = $1)
  AND ($2::text[] IS NULL OR event_type = ANY($2))
  AND ($3::text IS NULL OR (transaction_id, global_position) <= ($3::text::xid8, $4))
  AND ($5::text IS NULL OR tenant_id = $5)
"#,
    )
    .bind(filter.aggregate_type.as_deref())
    .bind(filter.event_types.as_deref())
    .bind(through.map(|p| p.transaction_id.to_string()))
    .bind(through.map(|p| p.global_position))
    .bind(filter.tenant.as_deref())
    .fetch_one(&mut *conn)
    .await?;
    Ok(count.max(0) as u64)
}

/// The newest global position in the log (0 when it is empty).
pub async fn log_head(conn: &mut PgConnection) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT coalesce(max(global_position), 0) FROM events")
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Committed events a reader at some position has not read yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Backlog {
    /// How many (counted up to the bound given).
    pub events: i64,
    /// When the oldest of them happened.
    pub oldest: Option<DateTime<Utc>>,
}

/// The committed events matching `filter` after `after`, counted up to `bound`.
pub async fn log_backlog(
    conn: &mut PgConnection,
    after: LogPosition,
    filter: &LogFilter,
    bound: i64,
) -> Result<Backlog, StoreError> {
    Ok(sqlx::query_as(
        r#"
SELECT count(*) AS events, min(occurred_at) AS oldest FROM (
    SELECT occurred_at FROM events
    WHERE (transaction_id, global_position) > ($1::text::xid8, $2)
      AND ($3::text IS NULL OR aggregate_type = $3)
      AND ($4::text[] IS NULL OR event_type = ANY($4))
      AND ($6::text IS NULL OR tenant_id = $6)
    ORDER BY transaction_id, global_position
    LIMIT $5
) pending
"#,
    )
    .bind(after.transaction_id.to_string())
    .bind(after.global_position)
    .bind(filter.aggregate_type.as_deref())
    .bind(filter.event_types.as_deref())
    .bind(bound)
    .bind(filter.tenant.as_deref())
    .fetch_one(&mut *conn)
    .await?)
}

/// Declares that work on this connection reads and writes across tenants on purpose
/// (rebuilds, projectors, the outbox relay): row-level security, where it binds the
/// connection's role, then shows every tenant's rows. Only for connections that are
/// not returned to the pool, or inside a transaction (`local`).
pub async fn across_tenants(conn: &mut PgConnection, local: bool) -> Result<(), StoreError> {
    sqlx::query("SELECT set_config('platform.all_tenants', 'on', $1)")
        .bind(local)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Plans each log read for its actual position: a generic plan cannot tell that the
/// range after a checkpoint is small, and may sort the whole log instead of walking
/// the log-order index. For connections that read the log in batches.
pub async fn custom_plans(conn: &mut PgConnection) -> Result<(), StoreError> {
    sqlx::query("SET plan_cache_mode = force_custom_plan")
        .execute(&mut *conn)
        .await?;
    Ok(())
}
