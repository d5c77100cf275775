use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Creates a category, at the top or under an existing parent; the service chooses
/// its id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateCategory {
    /// What it is called; must not be blank (trimmed, at most 200 characters).
    #[schemars(length(max = 200))]
    pub name: String,
    /// The category it goes under; it must exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 128))]
    pub parent_id: Option<String>,
}

/// The new category's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateCategoryResult {
    /// Its id.
    pub category_id: String,
}

platform_contracts::command!(CreateCategory => CreateCategoryResult);
