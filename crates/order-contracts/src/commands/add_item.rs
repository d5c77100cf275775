use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::OrderUpdated;

/// Adds a quantity of a product at a unit price to a draft order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddItem {
    /// The order to change.
    pub order_id: String,
    /// The product added.
    #[schemars(length(max = 128))]
    pub product_id: String,
    /// How many units; must be positive.
    pub quantity: i64,
    /// Unit price, exact; must not be negative. A decimal string (at most 15 integer
    /// and 10 fraction digits) or a number below 10^15 in magnitude.
    #[serde(deserialize_with = "price")]
    #[schemars(schema_with = "platform_contracts::decimal::schema")]
    pub price: Decimal,
}

platform_contracts::command!(AddItem => OrderUpdated);

/// Reads a price, naming it in what it refuses.
fn price<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    platform_contracts::decimal::read_named(deserializer, "price")
}
