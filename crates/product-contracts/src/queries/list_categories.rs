use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::CategoryView;

/// Categories, optionally the children of one parent, one page at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListCategories {
    /// Only the categories directly under this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 128))]
    pub parent_id: Option<String>,
    /// Categories per page (default 50, at most 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// `nextCursor` of the previous page (empty: the first page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(r"^([1-9][0-9]{0,17})?$"))]
    pub cursor: Option<String>,
}

/// One page of categories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CategoryList {
    /// The categories, most recently changed first.
    pub categories: Vec<CategoryView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

platform_contracts::query!(ListCategories => CategoryList);
