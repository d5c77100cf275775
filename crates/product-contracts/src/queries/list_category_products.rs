use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The products in one category.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListCategoryProducts {
    /// The category.
    #[schemars(length(max = 128))]
    pub category_id: String,
}

/// A category's products, by SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CategoryProducts {
    /// The category.
    pub category_id: String,
    /// Its products that are not discontinued.
    pub products: Vec<CategoryProduct>,
}

/// One product of a category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CategoryProduct {
    /// Its SKU.
    pub sku: String,
    /// What it is called now.
    pub name: String,
}

platform_contracts::query!(ListCategoryProducts => CategoryProducts);
