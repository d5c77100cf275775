//! Read models, one file each: declarations the platform keeps current.

mod customer_orders;
mod order;
mod reducers;

pub use customer_orders::CustomerOrdersReadModel;
pub use order::OrderReadModel;
