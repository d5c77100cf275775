use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The order was cancelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderCancelled {
    /// The order cancelled.
    pub order_id: String,
    /// The customer it belongs to.
    pub customer_id: String,
    /// Why, if the caller said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The total of the order if it had been placed (a placed order was withdrawn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed_total: Option<Decimal>,
}
