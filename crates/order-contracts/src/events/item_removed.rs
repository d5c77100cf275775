use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// A product's line was removed from a draft order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemRemoved {
    /// The order changed.
    pub order_id: String,
    /// The product removed.
    pub product_id: String,
    /// Units the removed line had.
    pub quantity: i64,
    /// Unit price the removed line had.
    pub price: Decimal,
}
