use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{OrderLine, OrderStatus};

/// An order as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderView {
    /// The order id.
    pub id: String,
    /// The customer it belongs to.
    pub customer_id: String,
    /// Draft, placed or cancelled.
    pub status: OrderStatus,
    /// Its lines, one per product, in the order products were first added.
    pub items: Vec<OrderLine>,
    /// Sum of quantity × price over the lines, exact.
    pub total: Decimal,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was placed, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed_at: Option<DateTime<Utc>>,
    /// When it was cancelled, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Number of events in the order's stream.
    pub version: i64,
}
