use serde::{Deserialize, Serialize};

/// An order asked for more units of a product than were available; nothing was reserved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryReservationFailed {
    /// The product.
    pub sku: String,
    /// The order.
    pub order_id: String,
    /// Units it asked for.
    pub requested: i64,
    /// Units available then.
    pub available: i64,
    /// Why: `insufficient_stock`, or `unknown_sku` when the product had no stock at all.
    pub reason: String,
}
