//! The product catalog as the order service knows it: names and list prices kept from
//! the product service's broadcast events; a platform module of its own (`catalog`).
//!
//! # Layout
//! - `product_prices`: the `product-prices` subscriber (`Product.ProductCreated`,
//!   `Product.ProductImported`, `Product.PriceSet`, `Product.ProductDiscontinued`).
//! - `get_product_price`: GetProductPrice, one product of the caller's tenant.
//! - `store`: the `product_prices` table (`migrations/`), every statement on it.

mod get_product_price;
mod product_prices;
mod store;

pub use get_product_price::GetProductPriceHandler;
pub use product_prices::ProductPrices;

use platform_service::Module;
use sqlx::migrate::Migrator;

/// The `product_prices` table, applied with the platform schema at start-up.
pub static MIGRATIONS: Migrator = sqlx::migrate!("./migrations");

platform_event_sourcing::register_migrations!(MIGRATIONS);

/// The `catalog` module: everything registered below `order_service::catalog`.
pub fn catalog_module() -> Module {
    platform_service::module!("catalog")
}
