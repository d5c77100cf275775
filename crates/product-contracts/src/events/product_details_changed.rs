use serde::{Deserialize, Serialize};

/// A product's name or description changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductDetailsChanged {
    /// The product.
    pub sku: String,
    /// Its name now.
    pub name: String,
    /// Its description now.
    pub description: String,
}
