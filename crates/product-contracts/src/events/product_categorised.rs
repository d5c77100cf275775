use serde::{Deserialize, Serialize};

/// A product moved into a category, or out of every category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductCategorised {
    /// The product.
    pub sku: String,
    /// The category it is in now (`None`: none).
    #[serde(default)]
    pub category_id: Option<String>,
    /// The category it was in before.
    #[serde(default)]
    pub previous_category_id: Option<String>,
}
