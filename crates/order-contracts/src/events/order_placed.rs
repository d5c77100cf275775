use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The order was submitted with its final total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderPlaced {
    /// The order placed.
    pub order_id: String,
    /// The customer it belongs to.
    pub customer_id: String,
    /// Sum of quantity × price over the lines, exact.
    pub total: Decimal,
}
