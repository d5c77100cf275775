use chrono::{DateTime, Utc};
use platform_contracts::Metadata;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An order's event stream, oldest first, a page at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetOrderEvents {
    /// The order.
    pub order_id: String,
    /// Only events after this version (default 0: from the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub after_version: Option<i64>,
    /// Events per page (default 100, at most 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
}

/// One stored event, its payload in the current schema (upcast when stored older).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventRecord {
    /// Unique id of the event.
    pub event_id: Uuid,
    /// Event type, e.g. `ItemAdded`.
    pub event_type: String,
    /// Position in the order's stream (1-based).
    pub version: i64,
    /// Position in the global log.
    pub global_position: i64,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Schema version of `payload`.
    pub schema_version: i32,
    /// The event's fields.
    pub payload: serde_json::Value,
    /// Correlation, causation, user and trace context.
    pub metadata: Metadata,
}

/// One page of an order's events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderEvents {
    /// The order.
    pub order_id: String,
    /// Its events, oldest first.
    pub events: Vec<EventRecord>,
    /// Pass as `afterVersion` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after_version: Option<i64>,
}

platform_contracts::query!(GetOrderEvents => OrderEvents);
