use serde::{Deserialize, Serialize};

/// A product was discontinued; it takes no changes any more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductDiscontinued {
    /// The product.
    pub sku: String,
    /// Why, if the caller said.
    #[serde(default)]
    pub reason: Option<String>,
}
