//! Command handlers, one file each; each registers itself with the platform.

mod add_item;
mod cancel_order;
mod create_order;
mod ids;
mod place_order;
mod remove_item;
mod update;

pub use add_item::AddItemHandler;
pub use cancel_order::CancelOrderHandler;
pub use create_order::CreateOrderHandler;
pub use place_order::PlaceOrderHandler;
pub use remove_item::RemoveItemHandler;

use ids::check_id;
use update::update_order;
