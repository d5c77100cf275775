use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ProductUpdated;

/// Changes a product's name and description; the same details again change nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangeProductDetails {
    /// The product.
    #[schemars(length(max = 64))]
    pub sku: String,
    /// Its new name; must not be blank (trimmed, at most 200 characters).
    #[schemars(length(max = 200))]
    pub name: String,
    /// Its new description (at most 2000 characters).
    #[serde(default)]
    #[schemars(length(max = 2000))]
    pub description: String,
}

platform_contracts::command!(ChangeProductDetails => ProductUpdated);
