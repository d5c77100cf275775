use serde::{Deserialize, Serialize};

/// Units of a product were set aside for an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryReserved {
    /// The product.
    pub sku: String,
    /// The order they are held for.
    pub order_id: String,
    /// Units held (positive).
    pub quantity: i64,
}
