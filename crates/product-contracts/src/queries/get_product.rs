use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ProductView;

/// One product by id, as the read model has it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetProduct {
    /// The product to fetch.
    pub product_id: String,
}

platform_contracts::query!(GetProduct => ProductView);
