use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ProductUpdated;

/// Puts a product into a category (which must exist), or out of every category.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CategoriseProduct {
    /// The product.
    #[schemars(length(max = 64))]
    pub sku: String,
    /// Its category from now on; absent or null: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 128))]
    pub category_id: Option<String>,
}

platform_contracts::command!(CategoriseProduct => ProductUpdated);
