//! Commands of the order service.

mod add_item;
mod cancel_order;
mod create_order;
mod place_order;
mod remove_item;

pub use add_item::AddItem;
pub use cancel_order::CancelOrder;
pub use create_order::{CreateOrder, CreateOrderResult};
pub use place_order::PlaceOrder;
pub use remove_item::RemoveItem;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The answer to a command that changes an existing order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderUpdated {
    /// The order that was changed.
    pub order_id: String,
    /// The order's version after the command (unchanged when it was a no-op).
    pub version: i64,
}
