use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Per customer: the orders currently placed and what they add up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomerOrders {
    /// The customer.
    pub customer_id: String,
    /// Orders placed and not cancelled since.
    pub orders_placed: i64,
    /// Sum of those orders' totals, exact.
    pub total_spent: Decimal,
    /// Orders cancelled (draft or placed).
    pub orders_cancelled: i64,
    /// When the customer last placed an order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_order_at: Option<DateTime<Utc>>,
}
