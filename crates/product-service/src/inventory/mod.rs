//! Stock: the `Inventory` aggregate (stream `inventory:{sku}`), its commands, the
//! `rm_stock` read model and GetStock; a platform module of its own (`inventory`).
//!
//! # Layout
//! - `domain`: [`Inventory`](domain::Inventory), its commands and rules (no I/O).
//! - `commands`: ReceiveStock, AdjustStock, AllocateReservation (roles `inventory`,
//!   `admin`).
//! - `queries`: GetStock.
//! - `read_models`: `rm_stock`, declared with `#[derive(ReadModel)]`.
//! - `subscribers`: `order-stock`, reserving stock for placed orders and releasing it
//!   for cancelled ones, with its tables (`migrations/`).

pub mod commands;
pub mod domain;
pub mod queries;
pub mod read_models;
pub mod subscribers;

use platform_service::Module;
use sqlx::migrate::Migrator;

/// The tables of the `order-stock` subscriber, applied with the platform schema.
pub static MIGRATIONS: Migrator = sqlx::migrate!("./migrations");

platform_event_sourcing::register_migrations!(MIGRATIONS);

/// The `inventory` module: everything registered below `product_service::inventory`.
pub fn inventory_module() -> Module {
    platform_service::module!("inventory")
}
