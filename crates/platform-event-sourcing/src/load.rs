use futures_util::TryStreamExt;
use platform_core::{Aggregate, DomainEvent, upcast, upcast_reads_metadata};
use sqlx::PgConnection;
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
        let mut conn = self.connection().await?;
        let loaded = self.load_at_on(conn.conn(), stream_id, range).await?;
        conn.finish().await?;
        Ok(loaded)
    }

    /// [`load_at`](Self::load_at) on a caller's connection (inside a unit of work, it
    /// sees the unit's own events).
    pub async fn load_at_on<A: Aggregate>(
        &self,
        conn: &mut PgConnection,
        stream_id: &str,
        range: StreamRange,
    ) -> Result<Loaded<A>, StoreError> {
        let start = if range.after_version == 0 {
            self.snapshot::<A>(conn, stream_id, range).await?
        } else {
            None
        };
        self.load_range(conn, stream_id, start.unwrap_or_default(), range)
            .await
    }

    /// Rebuilds an aggregate from every event of its stream, ignoring snapshots.
    pub async fn load_from_events<A: Aggregate>(
        &self,
        stream_id: &str,
        range: StreamRange,
    ) -> Result<Loaded<A>, StoreError> {
        let mut conn = self.connection().await?;
        let loaded = self
            .load_range(conn.conn(), stream_id, Loaded::default(), range)
            .await?;
        conn.finish().await?;
        Ok(loaded)
    }

    /// Brings an already loaded aggregate up to the head of its stream.
    pub async fn catch_up<A: Aggregate>(
        &self,
        stream_id: &str,
        loaded: Loaded<A>,
    ) -> Result<Loaded<A>, StoreError> {
        let mut conn = self.connection().await?;
        let loaded = self.catch_up_on(conn.conn(), stream_id, loaded).await?;
        conn.finish().await?;
        Ok(loaded)
    }

    /// Brings an already loaded aggregate up to the head of its stream, on `conn`.
    pub async fn catch_up_on<A: Aggregate>(
        &self,
        conn: &mut PgConnection,
        stream_id: &str,
        loaded: Loaded<A>,
    ) -> Result<Loaded<A>, StoreError> {
        self.load_range(conn, stream_id, loaded, StreamRange::all())
            .await
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
        self.write_snapshot(stream_id, A::TYPE, loaded.version, schema, state)
            .await
    }

    /// The newest snapshot in `range` in the code's state schema version, if any; one
    /// that cannot be read is logged and skipped (the events are replayed instead).
    async fn snapshot<A: Aggregate>(
        &self,
        conn: &mut PgConnection,
        stream_id: &str,
        range: StreamRange,
    ) -> Result<Option<Loaded<A>>, StoreError> {
        let Some(schema) = A::SNAPSHOT_SCHEMA_VERSION else {
            return Ok(None);
        };
        let Some(row) = self.read_snapshot(conn, stream_id, schema, range).await? else {
            return Ok(None);
        };
        let version = row.version;
        match A::from_snapshot(row.state) {
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
        conn: &mut PgConnection,
        stream_id: &str,
        mut loaded: Loaded<A>,
        range: StreamRange,
    ) -> Result<Loaded<A>, StoreError> {
        let after = range.after_version.max(loaded.version);
        let mut rows = self.stream_payloads(conn, stream_id, after, range);
        while let Some(row) = rows.try_next().await? {
            // The rare old row whose upcaster reads metadata fetches it on its own.
            let metadata = if upcast_reads_metadata(&row.event_type, row.schema_version) {
                Some(self.event_metadata(stream_id, row.version).await?)
            } else {
                None
            };
            // Parsed once, straight into the event type (after upcasting, when its
            // stored schema version is an old one).
            let upcast = upcast(
                &row.event_type,
                row.schema_version,
                &row.payload,
                metadata.as_ref(),
            )?;
            let event = match upcast {
                None => A::Event::from_payload(&row.event_type, &row.payload)?,
                Some((_, current)) => A::Event::from_payload(&row.event_type, &current)?,
            };
            loaded.aggregate.apply(&event);
            loaded.version = row.version;
        }
        Ok(loaded)
    }
}
