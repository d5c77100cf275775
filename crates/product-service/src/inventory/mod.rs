//! Stock: the `Inventory` aggregate (stream `inventory:{sku}`), its commands, the
//! `rm_stock` read model and GetStock; a platform module of its own (`inventory`).
//!
//! # Layout
//! - `domain`: [`Inventory`](domain::Inventory), its commands and rules (no I/O).
//! - `commands`: ReceiveStock, AdjustStock, AllocateReservation (roles `inventory`,
//!   `admin`).
//! - `queries`: GetStock.
//! - `read_models`: `rm_stock`, declared with `#[derive(ReadModel)]`.

pub mod commands;
pub mod domain;
pub mod queries;
pub mod read_models;

use platform_service::Module;

/// The `inventory` module: everything registered below `product_service::inventory`.
pub fn inventory_module() -> Module {
    platform_service::module!("inventory")
}
