//! Commands on a product's stock.

mod adjust_stock;
mod allocate_reservation;
mod receive_stock;
mod stock_level;

pub use adjust_stock::AdjustStock;
pub use allocate_reservation::AllocateReservation;
pub use receive_stock::ReceiveStock;
pub use stock_level::StockLevel;
