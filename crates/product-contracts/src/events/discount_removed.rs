use serde::{Deserialize, Serialize};

/// A discount was taken off a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscountRemoved {
    /// The product.
    pub sku: String,
    /// The discount removed.
    pub discount_id: String,
}
