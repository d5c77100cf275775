use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Units of a product were added to a draft order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemAdded {
    /// The order changed.
    pub order_id: String,
    /// The product added.
    pub product_id: String,
    /// Units added (positive).
    pub quantity: i64,
    /// Unit price, exact.
    pub price: Decimal,
}
