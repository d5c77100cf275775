use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One line of a placed order: what a downstream service (stock, invoicing) needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlacedLine {
    /// The product (its SKU in the product service).
    pub product_id: String,
    /// Units ordered (positive).
    pub quantity: i64,
    /// Unit price, exact.
    pub price: Decimal,
}
