//! The order domain: the aggregate, its commands, events and rules. No I/O here.

pub mod aggregates;

/// The order events live in `order-contracts`, shared with the services that subscribe
/// to their broadcast.
pub mod events {
    pub use order_contracts::events::*;
}

pub use aggregates::{DEFAULT_MAX_LINES, Order, OrderCommand, OrderError, OrderLines, line_amount};
pub use events::{
    ItemAdded, ItemRemoved, OrderCancelled, OrderCreated, OrderEvent, OrderPlaced, PlacedLine,
};
