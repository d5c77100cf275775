//! Stock command handlers, one file each; each registers itself with the platform.
//! Who may send them: users with the role `inventory` or `admin`.

mod adjust_stock;
mod allocate_reservation;
mod receive_stock;
mod stock;

pub use adjust_stock::AdjustStockHandler;
pub use allocate_reservation::AllocateReservationHandler;
pub use receive_stock::ReceiveStockHandler;

use stock::{STOCK_ROLES, parse_sku, stock_level, update_stock};
