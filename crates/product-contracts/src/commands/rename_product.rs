use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ProductUpdated;

/// Gives an existing product a new title; the title it already has changes nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RenameProduct {
    /// The product to rename.
    #[schemars(length(max = 128))]
    pub product_id: String,
    /// Its new title; must not be blank.
    #[schemars(length(max = 200))]
    pub title: String,
}

platform_contracts::command!(RenameProduct => ProductUpdated);
