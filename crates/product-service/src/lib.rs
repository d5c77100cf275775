//! The product service: an event-sourced service built on the platform.
//!
//! Only domain code lives here; the platform discovers the handlers and does the rest.
//!
//! # Layout
//! - `domain`: the [`Product`](domain::Product) aggregate, the commands it takes and
//!   the rules it enforces (no I/O).
//! - `commands`: one handler per command (CreateProduct, RenameProduct).
//! - `queries`: one handler per query (GetProduct).
//! - `read_models`: `rm_products`, declared with `#[derive(ReadModel)]`.
//! - `subscribers`: handlers of broadcast events (a stub for `ProductCreated`).
//! - `inventory`: stock (the `Inventory` aggregate, its commands, `rm_stock`,
//!   GetStock), a platform module of its own.

pub mod commands;
pub mod domain;
pub mod inventory;
pub mod queries;
pub mod read_models;
pub mod subscribers;

use platform_service::{Module, Service};

/// The service's built-in configuration defaults (`config/default.toml`).
pub const DEFAULT_CONFIG: &str = include_str!("../config/default.toml");

/// The service's own config directory (read unless `CONFIG_DIR` names another).
pub const CONFIG_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/config");

/// The `products` module: everything registered in this crate. Give it providers
/// (`.provide(|config| Ok(Mailer::from(config)))`) for its handlers to take by type, or
/// split the crate into several modules (`module!` in a Rust module owns what is
/// registered below it).
pub fn products_module() -> Module {
    platform_service::module!("products")
}

/// The product service, ready to run.
pub fn service() -> Service {
    Service::new(DEFAULT_CONFIG)
        .config_dir(CONFIG_DIR)
        .module(products_module())
        .module(inventory::inventory_module())
        .about("The product service: event-sourced products over HTTP.")
}
