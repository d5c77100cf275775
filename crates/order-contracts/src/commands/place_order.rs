use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::OrderUpdated;

/// Submits a draft order; placing a placed order again changes nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlaceOrder {
    /// The order to place.
    pub order_id: String,
}

platform_contracts::command!(PlaceOrder => OrderUpdated);
