use chrono::{DateTime, Utc};
use platform_contracts::Metadata;
use uuid::Uuid;

/// A domain event: a fact, named in the past tense, that an aggregate emitted.
///
/// Usually derived with `#[derive(DomainEvent)]` on an enum whose variants each wrap
/// one payload struct; the variant name is the event type stored in the log.
pub trait DomainEvent: Clone + std::fmt::Debug + Send + Sync + 'static {
    /// Every event type name this enum can hold.
    const EVENT_TYPES: &'static [&'static str];

    /// The event types broadcast on the message bus (`#[domain_event(broadcast)]`).
    const BROADCAST_TYPES: &'static [&'static str] = &[];

    /// The stored name of this event, e.g. `OrderPlaced`.
    fn event_type(&self) -> &'static str;

    /// The schema version of this event's payload as written by the current code.
    fn schema_version(&self) -> i32;

    /// The payload as JSON (the variant's struct, camelCase).
    fn to_payload(&self) -> Result<serde_json::Value, serde_json::Error>;

    /// Rebuilds an event from its stored type name and JSON payload.
    fn from_payload(event_type: &str, payload: &str) -> Result<Self, EventDecodeError>;
}

/// Event types declared `#[domain_event(broadcast)]`, registered at link time by the
/// derive so the outbox relay knows what to publish without naming any domain.
#[derive(Debug)]
pub struct BroadcastRegistration {
    /// The broadcast event type names of one event enum.
    pub event_types: &'static [&'static str],
}

inventory::collect!(BroadcastRegistration);

/// Every broadcast event type linked into this program, sorted and deduplicated
/// (collected once).
pub fn broadcast_event_types() -> &'static [&'static str] {
    static TYPES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    TYPES.get_or_init(|| {
        let mut types: Vec<&'static str> = inventory::iter::<BroadcastRegistration>
            .into_iter()
            .flat_map(|r| r.event_types.iter().copied())
            .collect();
        types.sort_unstable();
        types.dedup();
        types
    })
}

/// A stored event could not be turned back into a domain event.
#[derive(Debug, thiserror::Error)]
pub enum EventDecodeError {
    /// The log holds an event type this code does not know.
    #[error("unknown event type {0:?}")]
    UnknownType(String),
    /// An upcaster refused a stored payload.
    #[error("event {event_type} v{from_version} cannot be upcast: {reason}")]
    Upcast {
        /// The stored event type.
        event_type: String,
        /// The schema version the failing step reads.
        from_version: i32,
        /// What the upcaster reported.
        reason: String,
    },
    /// The payload does not match the event's schema.
    #[error("event {event_type} has an invalid payload: {source}")]
    InvalidPayload {
        /// The stored event type.
        event_type: String,
        /// What serde reported.
        #[source]
        source: serde_json::Error,
    },
}

/// An event ready to be appended: serialized, identified and stamped.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// Unique id of the event (UUIDv7, time-ordered).
    pub event_id: Uuid,
    /// Stored event type name.
    pub event_type: &'static str,
    /// Payload schema version.
    pub schema_version: i32,
    /// JSON payload.
    pub payload: serde_json::Value,
    /// Request context.
    pub metadata: Metadata,
    /// When the event happened.
    pub occurred_at: DateTime<Utc>,
}

impl NewEvent {
    /// Serializes a domain event with fresh id and timestamp.
    pub fn from_event<E: DomainEvent>(
        event: &E,
        metadata: Metadata,
    ) -> Result<Self, serde_json::Error> {
        Ok(NewEvent {
            event_id: Uuid::now_v7(),
            event_type: event.event_type(),
            schema_version: event.schema_version(),
            payload: event.to_payload()?,
            metadata,
            occurred_at: Utc::now(),
        })
    }
}

/// A stored event with everything the log knows about it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventEnvelope<E> {
    /// Unique id of the event.
    pub event_id: Uuid,
    /// The tenant the event's stream belongs to.
    pub tenant_id: String,
    /// Aggregate type of the stream, e.g. `Order`.
    pub aggregate_type: String,
    /// The stream (aggregate) id.
    pub aggregate_id: String,
    /// 1-based position of the event in its stream.
    pub version: i64,
    /// Position of the event in the global log.
    pub global_position: i64,
    /// Payload schema version as stored.
    pub schema_version: i32,
    /// When the event happened.
    pub occurred_at: DateTime<Utc>,
    /// Request context.
    pub metadata: Metadata,
    /// The event itself.
    pub event: E,
}
