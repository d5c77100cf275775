//! Read models, one file each: declarations the platform keeps current.

mod customer_orders;
mod order;
mod product_demand;
mod reducers;

pub use customer_orders::CustomerOrdersReadModel;
pub use order::OrderReadModel;
pub use product_demand::ProductDemandReadModel;
