use serde::{Deserialize, Serialize};

/// A product'\''s stock on hand was corrected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StockAdjusted {
    /// The product.
    pub sku: String,
    /// Units added (positive) or taken away (negative).
    pub delta: i64,
    /// Why.
    pub reason: String,
}
