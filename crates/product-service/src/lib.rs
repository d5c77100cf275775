//! The product service: the catalog (products and categories), event-sourced on the
//! platform.
//!
//! Only domain code lives here; the platform discovers the handlers and does the rest.
//!
//! # Layout
//! - `domain`: the [`Product`](domain::Product) aggregate (its stream id is its SKU)
//!   and the [`Category`](domain::Category) aggregate (`category:{id}`), the commands
//!   they take and the rules they enforce (no I/O).
//! - `commands`: one handler per command (CreateProduct, ChangeProductDetails,
//!   CategoriseProduct, SetPrice, ApplyDiscount, RemoveDiscount, DiscontinueProduct,
//!   CreateCategory, RenameCategory, MoveCategory).
//! - `queries`: one handler per query (GetProduct, ListProducts, GetPriceHistory,
//!   GetCategory, ListCategories, ListCategoryProducts).
//! - `policy`: who may change the catalog (roles `catalog` and `admin`).
//! - `read_models`: `rm_products`, `rm_price_history`, `rm_categories` and
//!   `rm_category_products`, declared with `#[derive(ReadModel)]`.
//! - `subscribers`: handlers of broadcast events (a log of `ProductCreated`).
//! - `inventory`: stock (the `Inventory` aggregate, its commands, `rm_stock`,
//!   GetStock, the `order-stock` subscriber), a platform module of its own.
//! - `import`: `product-service import`, existing products (a CSV file, a table of
//!   another database) turned into `ProductImported` events.

pub mod commands;
pub mod domain;
pub mod import;
pub mod inventory;
pub mod policy;
pub mod queries;
pub mod read_models;
pub mod subscribers;

use platform_service::{Module, Service};

/// The service's built-in configuration defaults (`config/default.toml`).
pub const DEFAULT_CONFIG: &str = include_str!("../config/default.toml");

/// The service's own config directory (read unless `CONFIG_DIR` names another).
pub const CONFIG_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/config");

/// The `catalog` module: products and categories, their commands, queries and read
/// models (everything registered in this crate outside other modules).
pub fn catalog_module() -> Module {
    platform_service::module!("catalog")
}

/// The product service, ready to run.
pub fn service() -> Service {
    Service::new(DEFAULT_CONFIG)
        .config_dir(CONFIG_DIR)
        .module(catalog_module())
        .module(inventory::inventory_module())
        .tool::<import::ImportProducts>()
        .about("The product service: an event-sourced catalog over HTTP.")
}
