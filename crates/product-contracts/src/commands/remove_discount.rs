use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ProductUpdated;

/// Takes a discount off a product; an unknown discount is a 422 `discount_not_found`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RemoveDiscount {
    /// The product.
    #[schemars(length(max = 64))]
    pub sku: String,
    /// The discount, as ApplyDiscount answered.
    #[schemars(length(max = 128))]
    pub discount_id: String,
}

platform_contracts::command!(RemoveDiscount => ProductUpdated);
