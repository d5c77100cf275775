use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::StockLevel;

/// Takes the units reserved for an order out of stock (the order ships): on hand and
/// reserved both drop by exactly what was reserved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AllocateReservation {
    /// The product; its stock must exist.
    #[schemars(
        length(min = 1, max = 64),
        pattern(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    )]
    pub sku: String,
    /// The order whose reservation leaves; it must have one on this product.
    #[schemars(length(max = 128))]
    pub order_id: String,
}

platform_contracts::command!(AllocateReservation => StockLevel);
