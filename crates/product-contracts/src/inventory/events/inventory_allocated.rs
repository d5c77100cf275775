use serde::{Deserialize, Serialize};

/// Units held for an order left the warehouse (e.g. shipped): on hand and reserved both drop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryAllocated {
    /// The product.
    pub sku: String,
    /// The order they were held for.
    pub order_id: String,
    /// Units allocated: exactly what was reserved.
    pub quantity: i64,
}
