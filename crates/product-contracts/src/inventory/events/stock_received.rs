use serde::{Deserialize, Serialize};

/// Units of a product arrived in the warehouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StockReceived {
    /// The product.
    pub sku: String,
    /// Units received (positive).
    pub quantity: i64,
}
