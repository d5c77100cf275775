use futures_util::TryStreamExt;
use platform_core::{Aggregate, DomainEvent, upcast};
use tracing::{instrument, warn};

use crate::error::StoreError;
use crate::recorded::StreamRange;
use crate::store::PgEventStore;

/// An aggregate rebuilt from its stream, with the version it was rebuilt to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loaded<A> {
    /// The state.
    pub aggregate: A,
    /// Version of the last event applied (0 = the stream does not exist).
    pub version: i64,
}

impl<A> Loaded<A> {
    /// Whether the stream had any event.
    pub fn exists(&self) -> bool {
        self.version > 0
    }
}

impl PgEventStore {
    /// Rebuilds an aggregate: from its newest usable snapshot, then the events after it.
    pub async fn load<A: Aggregate>(&self, stream_id: &str) -> Result<Loaded<A>, StoreError> {
        self.load_at(stream_id, StreamRange::all()).await
    }

    /// Rebuilds an aggregate as it was at the end of `range` (a version or a time),
    /// starting from the newest snapshot inside the range.
    pub async fn load_at<A: Aggregate>(
        &self,
        stream_id: &str,
        range: StreamRange,
    ) -> Result<Loaded<A>, StoreError> {
        let start = if range.after_version == 0 {
            self.snapshot::<A>(stream_id, range).await?
        } else {
            None
        };
        self.load_range(stream_id, start.unwrap_or_default(), range)
            .await
    }

    /// Rebuilds an aggregate from every event of its stream, ignoring snapshots.
    pub async fn load_from_events<A: Aggregate>(
        &self,
        stream_id: &str,
        range: StreamRange,
    ) -> Result<Loaded<A>, StoreError> {
        self.load_range(stream_id, Loaded::default(), range).await
    }

    /// Brings an already loaded aggregate up to the head of its stream.
    pub async fn catch_up<A: Aggregate>(
        &self,
        stream_id: &str,
        loaded: Loaded<A>,
    ) -> Result<Loaded<A>, StoreError> {
        self.load_range(stream_id, loaded, StreamRange::all()).await
    }

    /// Writes a snapshot of `loaded` (no-op for aggregates without snapshots) and
    /// drops the stream's older ones.
    pub async fn save_snapshot<A: Aggregate>(
        &self,
        stream_id: &str,
        loaded: &Loaded<A>,
    ) -> Result<(), StoreError> {
        let Some(schema) = A::SNAPSHOT_SCHEMA_VERSION else {
            return Ok(());
        };
        if !loaded.exists() {
            return Ok(());
        }
        let state = loaded.aggregate.to_snapshot()?;
        sqlx::query(
            "WITH saved AS (
                 INSERT INTO snapshots (stream_id, version, aggregate_type, state_schema_version, state)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (stream_id, version) DO UPDATE
                 SET state = excluded.state, state_schema_version = excluded.state_schema_version,
                     taken_at = now()
                 RETURNING version
             )
             DELETE FROM snapshots WHERE stream_id = $1 AND version < (SELECT version FROM saved)",
        )
        .bind(stream_id)
        .bind(loaded.version)
        .bind(A::TYPE)
        .bind(schema)
        .bind(state)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The newest snapshot in `range` in the code's state schema version, if any; one
    /// that cannot be read is logged and skipped (the events are replayed instead).
    async fn snapshot<A: Aggregate>(
        &self,
        stream_id: &str,
        range: StreamRange,
    ) -> Result<Option<Loaded<A>>, StoreError> {
        let Some(schema) = A::SNAPSHOT_SCHEMA_VERSION else {
            return Ok(None);
        };
        let row: Option<(i64, serde_json::Value)> = sqlx::query_as(
            "SELECT s.version, s.state FROM snapshots s
             WHERE s.stream_id = $1 AND s.state_schema_version = $2
               AND ($3::bigint IS NULL OR s.version <= $3)
               AND ($4::timestamptz IS NULL OR (
                   SELECT e.occurred_at FROM events e
                   WHERE e.stream_id = s.stream_id AND e.version = s.version) <= $4)
             ORDER BY s.version DESC LIMIT 1",
        )
        .bind(stream_id)
        .bind(schema)
        .bind(range.to_version)
        .bind(range.until)
        .fetch_optional(self.pool())
        .await?;
        let Some((version, state)) = row else {
            return Ok(None);
        };
        match A::from_snapshot(state) {
            Ok(aggregate) => Ok(Some(Loaded { aggregate, version })),
            Err(err) => {
                warn!(stream_id, version, cause = %err, "unreadable snapshot ignored; replaying events");
                Ok(None)
            }
        }
    }

    /// Applies the events of `range` after `loaded.version` onto `loaded`, streaming rows.
    #[instrument(skip_all, fields(stream_id = %stream_id, aggregate_type = A::TYPE))]
    async fn load_range<A: Aggregate>(
        &self,
        stream_id: &str,
        mut loaded: Loaded<A>,
        range: StreamRange,
    ) -> Result<Loaded<A>, StoreError> {
        let after = range.after_version.max(loaded.version);
        // The payload comes as text and is parsed once, straight into the event type
        // (after upcasting, when its stored schema version is an old one).
        let mut rows = sqlx::query_as::<_, (i64, String, i32, String)>(
            "SELECT version, event_type, schema_version, payload::text FROM events \
             WHERE stream_id = $1 AND version > $2 \
             AND ($3::bigint IS NULL OR version <= $3) \
             AND ($4::timestamptz IS NULL OR occurred_at <= $4) ORDER BY version",
        )
        .bind(stream_id)
        .bind(after)
        .bind(range.to_version)
        .bind(range.until)
        .fetch(self.pool());
        while let Some((version, event_type, schema_version, payload)) = rows.try_next().await? {
            let event = match upcast(&event_type, schema_version, &payload)? {
                None => A::Event::from_payload(&event_type, &payload)?,
                Some((_, current)) => A::Event::from_payload(&event_type, &current)?,
            };
            loaded.aggregate.apply(&event);
            loaded.version = version;
        }
        Ok(loaded)
    }
}
