//! The order service: an event-sourced service built on the platform.
//!
//! Only domain code lives here; the platform discovers the handlers and does the rest.
//!
//! # Layout
//! - `domain`: the [`Order`](domain::Order) aggregate, its lines, events and rules
//!   (no I/O).
//! - `commands`: one handler per command (CreateOrder, AddItem, RemoveItem,
//!   PlaceOrder, CancelOrder).
//! - `queries`: one handler per query (GetOrder, ListOrders, GetOrderEvents,
//!   GetCustomerOrders, GetProductDemand).
//! - `policy`: who sees and changes which orders (customers their own, `support` and
//!   `admin` all of their tenant's), applied by the handlers.
//! - `settings`: [`OrderSettings`](settings::OrderSettings), the service's own limits
//!   (`MAX_LINES_PER_ORDER`).
//! - `read_models`: `rm_orders`, `rm_customer_orders` (inline) and `rm_product_demand`
//!   (async), declared with `#[derive(ReadModel)]`.
//! - `catalog`: a platform module of its own (`catalog`): products' names and list
//!   prices kept from the product service's events (`product_prices`), and
//!   GetProductPrice.

pub mod catalog;
pub mod commands;
pub mod domain;
pub mod policy;
pub mod queries;
pub mod read_models;
pub mod settings;

use platform_service::{Module, Service};

/// The service's built-in configuration defaults (`config/default.toml`).
pub const DEFAULT_CONFIG: &str = include_str!("../config/default.toml");

/// The service's own config directory (read unless `CONFIG_DIR` names another).
pub const CONFIG_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/config");

/// The `orders` module: everything registered in this crate outside other modules (the
/// order commands, queries and read models).
pub fn orders_module() -> Module {
    platform_service::module!("orders")
}

/// The order service, ready to run.
pub fn service() -> Service {
    Service::new(DEFAULT_CONFIG)
        .config_dir(CONFIG_DIR)
        .module(orders_module())
        .module(catalog::catalog_module())
        .about("The order service: event-sourced orders over HTTP.")
}
