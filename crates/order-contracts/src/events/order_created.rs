use serde::{Deserialize, Serialize};

/// A draft order was opened for a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderCreated {
    /// The new order's id.
    pub order_id: String,
    /// The customer it belongs to.
    pub customer_id: String,
}
