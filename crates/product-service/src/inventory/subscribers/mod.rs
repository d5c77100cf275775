//! Handlers of other services' broadcast events, one file each, and the tables they
//! keep.

mod order_stock;
mod order_stock_store;

pub use order_stock::OrderStock;
