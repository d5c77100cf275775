//! What `GetNotifications` asks and answers: the notifier's contract with its clients.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Notifications of one customer or one order (at least one of the two), newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetNotifications {
    /// Only this customer's notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Only this order's notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// At most this many (default 50, at most 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// Its id, increasing.
    pub id: i64,
    /// The event it was made from.
    pub event_id: Uuid,
    /// The order.
    pub order_id: String,
    /// The customer told.
    pub customer_id: String,
    /// `order_placed` or `order_cancelled`.
    pub kind: String,
    /// The text sent.
    pub message: String,
    /// When the order event happened.
    pub occurred_at: DateTime<Utc>,
}

/// The notifications found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationList {
    /// Newest first.
    pub notifications: Vec<Notification>,
}

platform_core::query!(GetNotifications => NotificationList);
