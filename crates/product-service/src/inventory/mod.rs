//! Stock: the `Inventory` aggregate (stream `inventory:{sku}`), a platform module of
//! its own (`inventory`).
//!
//! # Layout
//! - `domain`: [`Inventory`](domain::Inventory), its commands and rules (no I/O).

pub mod domain;

use platform_service::Module;

/// The `inventory` module: everything registered below `product_service::inventory`.
pub fn inventory_module() -> Module {
    platform_service::module!("inventory")
}
