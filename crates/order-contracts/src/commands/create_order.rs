use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Opens a new draft order for a customer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateOrder {
    /// The customer the order belongs to. A customer may leave it out (or empty): the
    /// order is then theirs. Anyone else must name one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schemars(length(max = 128))]
    pub customer_id: String,
}

/// The new order's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateOrderResult {
    /// Id of the created order.
    pub order_id: String,
    /// The customer the order belongs to.
    pub customer_id: String,
}

platform_contracts::command!(CreateOrder => CreateOrderResult);
