//! Decoding `events` rows: the full row as a [`RecordedEvent`] (payload upcast to the
//! current schema), and the payload-only row aggregate loads fold.

use chrono::{DateTime, Utc};
use platform_core::{EventDecodeError, Metadata, upcast};
use serde_json::value::RawValue;
use sqlx::types::Json;
use uuid::Uuid;

use crate::position::LogPosition;
use crate::recorded::RecordedEvent;

/// One `events` row with every column, the transaction id cast to `tx_id`.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct EventRow {
    tx_id: i64,
    global_position: i64,
    event_id: Uuid,
    tenant_id: String,
    stream_id: String,
    aggregate_type: String,
    version: i64,
    event_type: String,
    schema_version: i32,
    payload: Json<Box<RawValue>>,
    metadata: Json<Metadata>,
    occurred_at: DateTime<Utc>,
}

/// What an aggregate load reads of each event: its version, type and payload text.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct PayloadRow {
    /// The event's version in its stream.
    pub version: i64,
    /// Stored event type name.
    pub event_type: String,
    /// Payload schema version as stored.
    pub schema_version: i32,
    /// The payload as JSON text.
    pub payload: String,
}

/// Rows as recorded events, their payloads upcast to the current schema versions.
pub(crate) fn into_recorded(rows: Vec<EventRow>) -> Result<Vec<RecordedEvent>, EventDecodeError> {
    rows.into_iter().map(EventRow::into_recorded).collect()
}

impl EventRow {
    fn into_recorded(self) -> Result<RecordedEvent, EventDecodeError> {
        let stored = self.schema_version;
        let (schema_version, payload) = match upcast(
            &self.event_type,
            stored,
            self.payload.0.get(),
            Some(&self.metadata.0),
        )? {
            None => (stored, self.payload.0),
            Some((version, text)) => {
                let raw = RawValue::from_string(text).map_err(|e| EventDecodeError::Upcast {
                    event_type: self.event_type.clone(),
                    from_version: stored,
                    reason: e.to_string(),
                })?;
                (version, raw)
            }
        };
        Ok(RecordedEvent {
            position: LogPosition {
                transaction_id: self.tx_id,
                global_position: self.global_position,
            },
            event_id: self.event_id,
            tenant_id: self.tenant_id,
            stream_id: self.stream_id,
            aggregate_type: self.aggregate_type,
            version: self.version,
            event_type: self.event_type,
            schema_version,
            payload,
            metadata: self.metadata.0,
            occurred_at: self.occurred_at,
        })
    }
}
