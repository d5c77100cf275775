use serde::{Deserialize, Serialize};

/// A product was created in the catalog under its SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductCreated {
    /// Its SKU, which is also its stream id.
    pub sku: String,
    /// What it is called (trimmed).
    pub name: String,
    /// What it is (may be empty).
    pub description: String,
    /// The category it is in, if any.
    #[serde(default)]
    pub category_id: Option<String>,
}
