use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::StockView;

/// A product's stock, as the read model has it (404 when it has none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetStock {
    /// The product.
    #[schemars(length(min = 1, max = 64))]
    pub sku: String,
}

platform_contracts::query!(GetStock => StockView);
