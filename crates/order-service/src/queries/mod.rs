//! Query handlers, one file each; each registers itself with the platform.

mod get_order;

pub use get_order::{GetOrderHandler, order_view};
