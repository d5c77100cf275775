use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ProductView;

/// Products, most recently changed first, optionally of one category and with names
/// starting with a prefix, one page at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListProducts {
    /// Only the products of this category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 128))]
    pub category_id: Option<String>,
    /// Only products whose name starts with this (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 200))]
    pub name_prefix: Option<String>,
    /// Products per page (default 50, at most 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// `nextCursor` of the previous page (empty: the first page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(r"^([1-9][0-9]{0,17})?$"))]
    pub cursor: Option<String>,
}

/// One page of products.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProductList {
    /// The products, most recently changed first. With `namePrefix` a page may hold
    /// fewer than `limit` even when `nextCursor` is present.
    pub products: Vec<ProductView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

platform_contracts::query!(ListProducts => ProductList);
