use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One line of an order: a product, how many units, at what unit price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderLine {
    /// The product.
    pub product_id: String,
    /// Units ordered.
    pub quantity: i64,
    /// Unit price, exact.
    pub price: Decimal,
}
