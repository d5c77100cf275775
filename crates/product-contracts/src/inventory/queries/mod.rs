//! The query of a product's stock and the view it returns.

mod get_stock;
mod stock_view;

pub use get_stock::GetStock;
pub use stock_view::{ReservationView, StockView};
