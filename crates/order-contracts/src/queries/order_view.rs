use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    /// Open for changes.
    #[default]
    Draft,
    /// Submitted; items can no longer change.
    Placed,
    /// Cancelled; nothing can change any more.
    Cancelled,
}

impl OrderStatus {
    /// The status as written in JSON and in read models.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Draft => "draft",
            OrderStatus::Placed => "placed",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// Parses the text written by [`as_str`](Self::as_str).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "draft" => Some(OrderStatus::Draft),
            "placed" => Some(OrderStatus::Placed),
            "cancelled" => Some(OrderStatus::Cancelled),
            _ => None,
        }
    }
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderItem {
    /// The product.
    pub product_id: String,
    /// Units ordered.
    pub quantity: i64,
    /// Unit price.
    pub price: Decimal,
}

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
    /// Its lines.
    pub items: Vec<OrderItem>,
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
