use chrono::{DateTime, Utc};
use platform_core::{DomainEvent, EventDecodeError, EventEnvelope, Metadata};
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::position::LogPosition;

/// One stored event, as read from the `events` table.
#[derive(Debug, Clone)]
pub struct RecordedEvent {
    /// Where the event is in the global log.
    pub position: LogPosition,
    /// Unique id of the event.
    pub event_id: Uuid,
    /// The tenant its stream belongs to.
    pub tenant_id: String,
    /// The stream (aggregate) id.
    pub stream_id: String,
    /// Aggregate type of the stream.
    pub aggregate_type: String,
    /// 1-based position in the stream.
    pub version: i64,
    /// Stored event type name.
    pub event_type: String,
    /// Payload schema version as stored.
    pub schema_version: i32,
    /// The payload, undecoded.
    pub payload: Box<RawValue>,
    /// Request context.
    pub metadata: Metadata,
    /// When the event happened.
    pub occurred_at: DateTime<Utc>,
}

impl RecordedEvent {
    /// Decodes the payload as a domain event and wraps it in an envelope.
    pub fn decode<E: DomainEvent>(&self) -> Result<EventEnvelope<E>, EventDecodeError> {
        Ok(EventEnvelope {
            event_id: self.event_id,
            tenant_id: self.tenant_id.clone(),
            aggregate_type: self.aggregate_type.clone(),
            aggregate_id: self.stream_id.clone(),
            version: self.version,
            global_position: self.position.global_position,
            schema_version: self.schema_version,
            occurred_at: self.occurred_at,
            metadata: self.metadata.clone(),
            event: E::from_payload(&self.event_type, self.payload.get())?,
        })
    }
}

/// Which part of a stream to read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamRange {
    /// Only events with a version above this one (0 = from the start).
    pub after_version: i64,
    /// Only events up to and including this version.
    pub to_version: Option<i64>,
    /// Only events that occurred at or before this time.
    pub until: Option<DateTime<Utc>>,
}

impl StreamRange {
    /// The whole stream.
    pub fn all() -> Self {
        Self::default()
    }

    /// The stream up to and including a version.
    pub fn to_version(version: i64) -> Self {
        StreamRange {
            to_version: Some(version),
            ..Self::default()
        }
    }

    /// The stream as it was at a point in time.
    pub fn until(time: DateTime<Utc>) -> Self {
        StreamRange {
            until: Some(time),
            ..Self::default()
        }
    }
}
