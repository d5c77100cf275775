use futures_util::TryStreamExt;
use platform_core::{Aggregate, DomainEvent};
use tracing::instrument;

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
    /// Rebuilds an aggregate from its whole stream.
    pub async fn load<A: Aggregate>(&self, stream_id: &str) -> Result<Loaded<A>, StoreError> {
        self.load_range(stream_id, Loaded::default(), StreamRange::all())
            .await
    }

    /// Rebuilds an aggregate as it was at the end of `range` (a version or a time).
    pub async fn load_at<A: Aggregate>(
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

    /// Applies the events of `range` after `loaded.version` onto `loaded`, streaming rows.
    #[instrument(skip_all, fields(stream_id = %stream_id, aggregate_type = A::TYPE))]
    async fn load_range<A: Aggregate>(
        &self,
        stream_id: &str,
        mut loaded: Loaded<A>,
        range: StreamRange,
    ) -> Result<Loaded<A>, StoreError> {
        let after = range.after_version.max(loaded.version);
        // The payload comes as text and is parsed once, straight into the event type.
        let mut rows = sqlx::query_as::<_, (i64, String, String)>(
            "SELECT version, event_type, payload::text FROM events \
             WHERE stream_id = $1 AND version > $2 \
             AND ($3::bigint IS NULL OR version <= $3) \
             AND ($4::timestamptz IS NULL OR occurred_at <= $4) ORDER BY version",
        )
        .bind(stream_id)
        .bind(after)
        .bind(range.to_version)
        .bind(range.until)
        .fetch(self.pool());
        while let Some((version, event_type, payload)) = rows.try_next().await? {
            let event = A::Event::from_payload(&event_type, &payload)?;
            loaded.aggregate.apply(&event);
            loaded.version = version;
        }
        Ok(loaded)
    }
}
