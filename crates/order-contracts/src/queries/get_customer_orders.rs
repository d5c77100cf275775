use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::CustomerOrders;

/// A customer's order totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetCustomerOrders {
    /// The customer.
    pub customer_id: String,
}

platform_contracts::query!(GetCustomerOrders => CustomerOrders);
