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
    #[serde(deserialize_with = "super::price::read")]
    #[schemars(schema_with = "super::price::schema")]
    pub price: Decimal,
}

platform_contracts::command!(AddItem => OrderUpdated);
