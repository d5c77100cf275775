//! The `Inventory` aggregate: a product's stock, its commands and rules. No I/O here.

mod inventory;
mod inventory_command;
mod inventory_error;
mod sku;

pub use inventory::Inventory;
pub use inventory_command::InventoryCommand;
pub use inventory_error::InventoryError;
pub use sku::{InvalidSku, Sku};

/// The stock events live in `product-contracts`, shared with subscribers.
pub mod events {
    pub use product_contracts::inventory::events::*;
}

#[cfg(test)]
mod inventory_tests;
