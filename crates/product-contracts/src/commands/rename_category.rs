use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::CategoryUpdated;

/// Renames a category; the name it already has changes nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RenameCategory {
    /// The category.
    #[schemars(length(max = 128))]
    pub category_id: String,
    /// Its new name; must not be blank (trimmed, at most 200 characters).
    #[schemars(length(max = 200))]
    pub name: String,
}

platform_contracts::command!(RenameCategory => CategoryUpdated);
