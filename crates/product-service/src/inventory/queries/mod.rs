//! Stock query handlers; each registers itself with the platform.

mod get_stock;

pub use get_stock::GetStockHandler;
