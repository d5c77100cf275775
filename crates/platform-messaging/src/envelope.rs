//! The JSON envelope of a broadcast event and its AMQP properties.

use chrono::{DateTime, Utc};
use lapin::BasicProperties;
use lapin::types::{AMQPValue, FieldTable};
use platform_core::{DomainEvent, EventDecodeError, EventEnvelope, Metadata};
use platform_event_sourcing::RecordedEvent;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use uuid::Uuid;

/// The header carrying W3C trace context.
pub const TRACEPARENT_HEADER: &str = "traceparent";

/// The header carrying the tenant of the event's stream.
pub const TENANT_HEADER: &str = "tenant-id";

/// The body of every broadcast message: the stored event with its place in the log.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BroadcastEnvelope {
    /// Unique id of the event; subscribers dedupe by it.
    pub event_id: Uuid,
    /// The tenant of the event's stream (`default` from publishers without tenancy).
    #[serde(default = "default_tenant")]
    pub tenant_id: String,
    /// Event type, e.g. `OrderPlaced`.
    pub event_type: String,
    /// Aggregate type, e.g. `Order`.
    pub aggregate_type: String,
    /// The aggregate (stream) id.
    pub aggregate_id: String,
    /// 1-based position of the event in its stream.
    pub version: i64,
    /// Position in the global log.
    pub global_position: i64,
    /// When the event happened.
    pub occurred_at: DateTime<Utc>,
    /// Payload schema version.
    pub schema_version: i32,
    /// The event's payload, as stored.
    pub payload: Box<RawValue>,
    /// Correlation, causation, user and trace context.
    pub metadata: Metadata,
}

impl BroadcastEnvelope {
    /// The routing key: `{aggregateType}.{eventType}`.
    pub fn routing_key(&self) -> String {
        routing_key(&self.aggregate_type, &self.event_type)
    }

    /// Decodes the payload as a typed event, upcast first when it is of an older
    /// schema version than the registered upcasters lead to (a message published by an
    /// older producer, or waiting in a queue since before an upgrade).
    pub fn decode<E: DomainEvent>(&self) -> Result<EventEnvelope<E>, EventDecodeError> {
        let upcast = platform_core::upcast(
            &self.event_type,
            self.schema_version,
            self.payload.get(),
            Some(&self.metadata),
        )?;
        let (schema_version, payload) = match &upcast {
            Some((version, payload)) => (*version, payload.as_str()),
            None => (self.schema_version, self.payload.get()),
        };
        Ok(EventEnvelope {
            event_id: self.event_id,
            tenant_id: self.tenant_id.clone(),
            aggregate_type: self.aggregate_type.clone(),
            aggregate_id: self.aggregate_id.clone(),
            version: self.version,
            global_position: self.global_position,
            schema_version,
            occurred_at: self.occurred_at,
            metadata: self.metadata.clone(),
            event: E::from_payload(&self.event_type, payload)?,
        })
    }

    /// The AMQP properties of the message: id, type, JSON, persistent, sender, trace.
    pub fn properties(&self, app_id: &str) -> BasicProperties {
        let mut headers = FieldTable::default();
        headers.insert(
            TENANT_HEADER.into(),
            AMQPValue::LongString(self.tenant_id.as_str().into()),
        );
        if let Some(traceparent) = &self.metadata.traceparent {
            headers.insert(
                TRACEPARENT_HEADER.into(),
                AMQPValue::LongString(traceparent.as_str().into()),
            );
        }
        let mut properties = BasicProperties::default()
            .with_message_id(self.event_id.to_string().into())
            .with_type(self.event_type.as_str().into())
            .with_content_type("application/json".into())
            .with_delivery_mode(2)
            .with_app_id(app_id.into())
            .with_timestamp(u64::try_from(self.occurred_at.timestamp()).unwrap_or(0))
            .with_headers(headers);
        if let Some(correlation_id) = &self.metadata.correlation_id {
            properties = properties.with_correlation_id(correlation_id.as_str().into());
        }
        properties
    }
}

impl From<&RecordedEvent> for BroadcastEnvelope {
    fn from(event: &RecordedEvent) -> Self {
        BroadcastEnvelope {
            event_id: event.event_id,
            tenant_id: event.tenant_id.clone(),
            event_type: event.event_type.clone(),
            aggregate_type: event.aggregate_type.clone(),
            aggregate_id: event.stream_id.clone(),
            version: event.version,
            global_position: event.position.global_position,
            occurred_at: event.occurred_at,
            schema_version: event.schema_version,
            payload: event.payload.clone(),
            metadata: event.metadata.clone(),
        }
    }
}

fn default_tenant() -> String {
    platform_core::DEFAULT_TENANT.to_owned()
}

/// `{aggregateType}.{eventType}`.
pub fn routing_key(aggregate_type: &str, event_type: &str) -> String {
    format!("{aggregate_type}.{event_type}")
}

#[cfg(test)]
mod tests {
    use platform_core::DomainEvent;
    use serde::{Deserialize, Serialize};
    use serde_json::{Value, json};

    use super::*;

    /// A test event whose schema 2 added `note`.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    struct EnvelopeTestNoted {
        id: String,
        note: String,
    }

    #[derive(Debug, Clone, PartialEq, Eq, DomainEvent)]
    enum EnvelopeTestEvent {
        #[domain_event(version = 2)]
        EnvelopeTestNoted(EnvelopeTestNoted),
    }

    fn noted_v1_to_v2(mut payload: Value) -> Result<Value, String> {
        let fields = payload.as_object_mut().ok_or("not an object")?;
        fields.insert("note".into(), Value::String("none".into()));
        Ok(payload)
    }

    platform_core::register_upcaster!("EnvelopeTestNoted", 1, noted_v1_to_v2);

    fn envelope(schema_version: i32, payload: Value) -> BroadcastEnvelope {
        serde_json::from_value(json!({
            "eventId": uuid::Uuid::nil(),
            "eventType": "EnvelopeTestNoted",
            "aggregateType": "Test",
            "aggregateId": "t-1",
            "version": 1,
            "globalPosition": 1,
            "occurredAt": "2026-01-01T00:00:00Z",
            "schemaVersion": schema_version,
            "payload": payload,
            "metadata": {},
        }))
        .expect("an envelope")
    }

    #[test]
    fn an_older_schema_on_the_wire_is_upcast_before_decoding() {
        let old = envelope(1, json!({ "id": "t-1" }));
        let decoded = old
            .decode::<EnvelopeTestEvent>()
            .expect("upcast and decoded");
        assert_eq!(decoded.schema_version, 2);
        assert_eq!(
            decoded.event,
            EnvelopeTestEvent::EnvelopeTestNoted(EnvelopeTestNoted {
                id: "t-1".into(),
                note: "none".into(),
            })
        );
        let current = envelope(2, json!({ "id": "t-1", "note": "hi" }));
        let decoded = current
            .decode::<EnvelopeTestEvent>()
            .expect("decoded as is");
        assert_eq!(decoded.schema_version, 2);
        assert_eq!(EnvelopeTestEvent::EVENT_TYPES, ["EnvelopeTestNoted"]);
    }
}
