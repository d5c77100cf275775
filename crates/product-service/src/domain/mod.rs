//! The product domain: the aggregate, its commands, events and rules. No I/O here.

pub mod aggregates;

/// The product events live in `product-contracts`, shared with the services that
/// subscribe to their broadcast.
pub mod events {
    pub use product_contracts::events::*;
}

pub use aggregates::{Product, ProductCommand, ProductError};
pub use events::{ProductCreated, ProductEvent, ProductRenamed};
