//! The order domain: the aggregate, its commands, events and rules. No I/O here.

pub mod aggregates;
pub mod events;

pub use aggregates::order::{Order, OrderCommand, OrderError, OrderLine};
pub use events::{ItemAdded, ItemRemoved, OrderCancelled, OrderCreated, OrderEvent, OrderPlaced};
