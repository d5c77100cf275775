//! The PostgreSQL event store: every statement on `events` and `snapshots` lives here
//! and in the modules below.
//!
//! - `append`: appends with an expected version, alone or with [`CoWrite`]s (rows other
//!   tables get in the same statement).
//! - `clock`: the log's transaction ids against the cluster's ([`restored_log`]), and
//!   the oldest open transaction holding readers back.
//! - `log`: the one gap-safe reader of the global log, and counts over it.
//! - `row`: decoding `events` rows into [`RecordedEvent`]s, upcast.

mod append;
mod clock;
mod group;
mod log;
mod row;

use std::sync::Arc;

use platform_core::{DEFAULT_TENANT, Metadata};
use sqlx::{PgConnection, PgExecutor, PgPool};
use tracing::instrument;

pub(crate) use append::appended;
pub use append::{AppendOutcome, AppendResult, CoWrite, CoWriteSql, PgQuery};
pub use clock::{OpenTransaction, RestoredLog, oldest_open_transaction, restored_log};
pub use log::{
    Backlog, LogFilter, LogHorizon, across_tenants, count_log, custom_plans, log_backlog, log_head,
    read_log,
};
pub(crate) use row::{EventRow, PayloadRow};

use crate::error::StoreError;
use crate::position::LogPosition;
use crate::recorded::{RecordedEvent, StreamRange};
use crate::unit::TenantConnection;

/// The rows of one stream (`$1`, of tenant `$5`) after a version (`$2`), up to a
/// version (`$3`) and a time (`$4`) when given, in version order.
macro_rules! stream_range {
    () => {
        " WHERE stream_id = $1 AND tenant_id = $5 AND version > $2
            AND ($3::bigint IS NULL OR version <= $3)
            AND ($4::timestamptz IS NULL OR occurred_at <= $4)
          ORDER BY version"
    };
}

/// The PostgreSQL event store: a cheap handle around a connection pool, scoped to one
/// tenant's streams (the global log is read across tenants).
#[derive(Debug, Clone)]
pub struct PgEventStore {
    pool: PgPool,
    tenant: Arc<str>,
    row_security: bool,
    group: Option<Arc<group::GroupCommit>>,
}

impl PgEventStore {
    /// A store over an existing pool (migrations must have run), in the default tenant.
    pub fn new(pool: PgPool) -> Self {
        PgEventStore {
            pool,
            tenant: Arc::from(DEFAULT_TENANT),
            row_security: false,
            group: None,
        }
    }

    /// The same store, appending through [`append_shared`](Self::append_shared) by
    /// group commit: appends to different streams that arrive together share one
    /// statement and one commit, written by `writers` tasks (0: each append commits on
    /// its own). See docs/architecture.md, "Group commit".
    pub fn with_group_commit(self, writers: usize) -> Self {
        PgEventStore {
            group: (writers > 0).then(|| Arc::new(group::GroupCommit::new(writers))),
            ..self
        }
    }

    /// The same store, naming its tenant to row-level security in every transaction
    /// (for a pool whose role it binds; see `platform.tenant` in docs/architecture.md).
    pub fn with_row_security(self, row_security: bool) -> Self {
        PgEventStore {
            row_security,
            ..self
        }
    }

    /// Whether row-level security binds the pool's role.
    pub fn row_security(&self) -> bool {
        self.row_security
    }

    /// The same store, scoped to `tenant`'s streams.
    pub fn in_tenant(&self, tenant: &str) -> Self {
        PgEventStore {
            pool: self.pool.clone(),
            tenant: Arc::from(tenant),
            row_security: self.row_security,
            group: self.group.clone(),
        }
    }

    /// A connection for this tenant's work (see [`TenantConnection`]).
    pub async fn connection(&self) -> Result<TenantConnection, StoreError> {
        TenantConnection::acquire(&self.pool, &self.tenant, self.row_security).await
    }

    /// A transaction for this tenant's work, naming the tenant to row-level security
    /// when it binds the pool's role.
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        let mut tx = self.pool.begin().await?;
        if self.row_security {
            crate::unit::set_tenant(&mut tx, &self.tenant).await?;
        }
        Ok(tx)
    }

    /// The tenant whose streams this handle reads and writes.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The underlying pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The version of a stream's last event (0 when it has none).
    pub async fn stream_version(&self, stream_id: &str) -> Result<i64, StoreError> {
        let mut conn = self.connection().await?;
        let version = stream_version_with(conn.conn(), &self.tenant, stream_id).await?;
        conn.finish().await?;
        Ok(version)
    }

    /// Reads part of a stream in version order.
    #[instrument(skip_all, fields(stream_id = %stream_id))]
    pub async fn read_stream(
        &self,
        stream_id: &str,
        range: StreamRange,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut conn = self.connection().await?;
        let rows: Vec<EventRow> = sqlx::query_as(concat!(
            "SELECT transaction_id::text::bigint AS tx_id, global_position, event_id, tenant_id, stream_id,
                    aggregate_type, version, event_type, schema_version, payload, metadata,
                    occurred_at FROM events",
            stream_range!()
        ))
        .bind(stream_id)
        .bind(range.after_version)
        .bind(range.to_version)
        .bind(range.until)
        .bind(&*self.tenant)
        .fetch_all(conn.conn())
        .await?;
        conn.finish().await?;
        Ok(row::into_recorded(rows)?)
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

    /// Writes a snapshot (a state's JSON at a stream version) and drops the stream's
    /// snapshots of other state schema versions, which no load reads again. Older ones
    /// of the same schema stay: a read as of an earlier version or time starts from
    /// the newest of them at or before it.
    pub(crate) async fn write_snapshot(
        &self,
        stream_id: &str,
        aggregate_type: &str,
        version: i64,
        state_schema_version: i32,
        state: serde_json::Value,
    ) -> Result<(), StoreError> {
        let mut conn = self.connection().await?;
        sqlx::query(
            r#"
WITH saved AS (
    INSERT INTO snapshots (tenant_id, stream_id, version, aggregate_type, state_schema_version, state)
    VALUES ($6, $1, $2, $3, $4, $5)
    ON CONFLICT (tenant_id, stream_id, version) DO UPDATE
    SET state = excluded.state, state_schema_version = excluded.state_schema_version,
        taken_at = now()
    RETURNING version
)
DELETE FROM snapshots
WHERE tenant_id = $6 AND stream_id = $1 AND state_schema_version <> $4
  AND EXISTS (SELECT 1 FROM saved)
"#,
        )
        .bind(stream_id)
        .bind(version)
        .bind(aggregate_type)
        .bind(state_schema_version)
        .bind(state)
        .bind(&*self.tenant)
        .execute(conn.conn())
        .await?;
        conn.finish().await
    }

    /// The newest snapshot of a stream in a state schema version, within `range`.
    pub(crate) async fn read_snapshot(
        &self,
        conn: &mut PgConnection,
        stream_id: &str,
        state_schema_version: i32,
        range: StreamRange,
    ) -> Result<Option<SnapshotRow>, StoreError> {
        Ok(sqlx::query_as(
            r#"
SELECT s.version, s.state FROM snapshots s
WHERE s.tenant_id = $5 AND s.stream_id = $1 AND s.state_schema_version = $2
  AND ($3::bigint IS NULL OR s.version <= $3)
  AND ($4::timestamptz IS NULL OR (
      SELECT e.occurred_at FROM events e
      WHERE e.tenant_id = s.tenant_id AND e.stream_id = s.stream_id
        AND e.version = s.version) <= $4)
ORDER BY s.version DESC LIMIT 1
"#,
        )
        .bind(stream_id)
        .bind(state_schema_version)
        .bind(range.to_version)
        .bind(range.until)
        .bind(&*self.tenant)
        .fetch_optional(&mut *conn)
        .await?)
    }

    /// When the first event of each of `event_types` in `range` occurred (types without
    /// one are left out), from the envelopes alone: no payload is read.
    pub async fn first_occurrences(
        &self,
        stream_id: &str,
        event_types: &[&str],
        range: StreamRange,
    ) -> Result<Vec<Occurrence>, StoreError> {
        let mut conn = self.connection().await?;
        let occurrences = sqlx::query_as(
            r#"
SELECT DISTINCT ON (event_type) event_type, version, occurred_at FROM events
WHERE stream_id = $1 AND tenant_id = $5 AND version > $2
  AND ($3::bigint IS NULL OR version <= $3)
  AND ($4::timestamptz IS NULL OR occurred_at <= $4)
  AND event_type = ANY($6)
ORDER BY event_type, version
"#,
        )
        .bind(stream_id)
        .bind(range.after_version)
        .bind(range.to_version)
        .bind(range.until)
        .bind(&*self.tenant)
        .bind(event_types)
        .fetch_all(conn.conn())
        .await?;
        conn.finish().await?;
        Ok(occurrences)
    }

    /// The payloads of a stream's events after `after` within `range`, in version order,
    /// as a stream of rows (for folding an aggregate without holding them all).
    pub(crate) fn stream_payloads<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        stream_id: &'a str,
        after: i64,
        range: StreamRange,
    ) -> futures_util::stream::BoxStream<'a, Result<PayloadRow, sqlx::Error>> {
        // The payload comes as text and is parsed once, straight into the event type.
        sqlx::query_as(concat!(
            "SELECT version, event_type, schema_version, payload::text AS payload FROM events",
            stream_range!()
        ))
        .bind(stream_id)
        .bind(after)
        .bind(range.to_version)
        .bind(range.until)
        .bind(&*self.tenant)
        .fetch(conn)
    }
}

impl PgEventStore {
    /// The metadata of one event of a stream.
    pub(crate) async fn event_metadata(
        &self,
        stream_id: &str,
        version: i64,
    ) -> Result<Metadata, StoreError> {
        let mut conn = self.connection().await?;
        let metadata: sqlx::types::Json<Metadata> = sqlx::query_scalar(
            "SELECT metadata FROM events WHERE tenant_id = $1 AND stream_id = $2 AND version = $3",
        )
        .bind(&*self.tenant)
        .bind(stream_id)
        .bind(version)
        .fetch_one(conn.conn())
        .await?;
        conn.finish().await?;
        Ok(metadata.0)
    }
}

/// The first event of a type in part of a stream: its version and time.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Occurrence {
    /// The stored event type.
    pub event_type: String,
    /// The event's version in its stream.
    pub version: i64,
    /// When it occurred.
    pub occurred_at: chrono::DateTime<chrono::Utc>,
}

/// One snapshot row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct SnapshotRow {
    /// The stream version the state is at.
    pub version: i64,
    /// The state.
    pub state: serde_json::Value,
}

/// The version of a tenant's stream's last event, on any executor.
pub(crate) async fn stream_version_with<'e, E: PgExecutor<'e>>(
    executor: E,
    tenant: &str,
    stream_id: &str,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT coalesce(max(version), 0) FROM events WHERE tenant_id = $1 AND stream_id = $2",
    )
    .bind(tenant)
    .bind(stream_id)
    .fetch_one(executor)
    .await?)
}
