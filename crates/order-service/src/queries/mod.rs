//! Query handlers, one file each; each registers itself with the platform.

mod by_key;
mod get_customer_orders;
mod get_order;
mod get_order_events;
mod get_product_demand;
mod list_orders;
mod order_as_of;

pub use get_customer_orders::GetCustomerOrdersHandler;
pub use get_order::GetOrderHandler;
pub use get_order_events::GetOrderEventsHandler;
pub use get_product_demand::GetProductDemandHandler;
pub use list_orders::ListOrdersHandler;

use by_key::view_by_key;
use order_as_of::order_as_of;
