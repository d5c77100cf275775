use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::CategoryUpdated;

/// Moves a category under another parent (which must exist), or to the top. Under
/// itself or one of its descendants is a 422 `category_cycle`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MoveCategory {
    /// The category.
    #[schemars(length(max = 128))]
    pub category_id: String,
    /// Its parent from now on; absent or null: the top level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 128))]
    pub parent_id: Option<String>,
}

platform_contracts::command!(MoveCategory => CategoryUpdated);
