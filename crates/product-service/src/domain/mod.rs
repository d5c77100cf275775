//! The catalog domain: products and categories, their commands, events and rules.
//! No I/O here.

pub mod aggregates;

/// The catalog events live in `product-contracts`, shared with the services that
/// subscribe to their broadcast.
pub mod events {
    pub use product_contracts::events::*;
}

pub use aggregates::{
    Category, CategoryCommand, CategoryError, MAX_DESCRIPTION_LEN, MAX_NAME_LEN, Product,
    ProductCommand, ProductError, category_stream, is_valid_sku,
};
pub use events::{CategoryEvent, ProductEvent};
