//! Queries of the order service and the views they return.

mod get_order;
mod order_view;

pub use get_order::GetOrder;
pub use order_view::{OrderItem, OrderStatus, OrderView};
