use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::CategoryView;

/// One category by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetCategory {
    /// The category.
    #[schemars(length(max = 128))]
    pub category_id: String,
}

platform_contracts::query!(GetCategory => CategoryView);
