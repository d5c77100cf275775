//! Queries of the order service and the views they return.

mod customer_orders;
mod get_customer_orders;
mod get_order;
mod get_order_events;
mod get_product_demand;
mod get_product_price;
mod list_orders;
mod order_line;
mod order_status;
mod order_view;

pub use customer_orders::CustomerOrders;
pub use get_customer_orders::GetCustomerOrders;
pub use get_order::GetOrder;
pub use get_order_events::{EventRecord, GetOrderEvents, OrderEvents};
pub use get_product_demand::{GetProductDemand, ProductDemand};
pub use get_product_price::{GetProductPrice, ProductPrice};
pub use list_orders::{ListOrders, OrderList};
pub use order_line::OrderLine;
pub use order_status::{OrderStatus, ParseOrderStatusError};
pub use order_view::OrderView;
