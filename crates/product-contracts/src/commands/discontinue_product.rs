use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ProductUpdated;

/// Discontinues a product: from then on every command on it is a 422
/// `product_discontinued`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DiscontinueProduct {
    /// The product.
    #[schemars(length(max = 64))]
    pub sku: String,
    /// Why, if the caller says (at most 1000 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1000))]
    pub reason: Option<String>,
}

platform_contracts::command!(DiscontinueProduct => ProductUpdated);
