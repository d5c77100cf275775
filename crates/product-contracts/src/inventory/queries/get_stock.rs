use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::StockView;

/// A product's stock, as the read model has it (404 when it has none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetStock {
    /// The product.
    #[schemars(
        length(min = 1, max = 64),
        pattern(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    )]
    pub sku: String,
}

platform_contracts::query!(GetStock => StockView);
