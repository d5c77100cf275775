//! Stock of a product (the `Inventory` aggregate, stream `inventory:{sku}`): its
//! commands, the query of its level and, with feature `events`, its broadcast events.
//!
//! A product is named by its SKU (`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`). Quantities are
//! whole units.

mod commands;
#[cfg(feature = "events")]
pub mod events;
mod queries;

pub use commands::{AdjustStock, AllocateReservation, ReceiveStock, StockLevel};
pub use queries::{GetStock, ReservationView, StockView};
