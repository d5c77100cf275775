use serde::{Deserialize, Serialize};

/// Units held for an order went back to available stock (the order was cancelled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryReleased {
    /// The product.
    pub sku: String,
    /// The order they were held for.
    pub order_id: String,
    /// Units released: exactly what was reserved.
    pub quantity: i64,
}
