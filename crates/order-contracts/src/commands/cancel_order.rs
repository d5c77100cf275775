use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::OrderUpdated;

/// Cancels a draft or placed order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CancelOrder {
    /// The order to cancel.
    pub order_id: String,
    /// Why it was cancelled, if the caller says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

platform_contracts::command!(CancelOrder => OrderUpdated);
