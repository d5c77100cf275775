use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::OrderUpdated;

/// Removes a product's line from a draft order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RemoveItem {
    /// The order to change.
    pub order_id: String,
    /// The product whose line is removed.
    pub product_id: String,
}

platform_contracts::command!(RemoveItem => OrderUpdated);
