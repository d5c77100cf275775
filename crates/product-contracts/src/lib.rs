//! Request and result types of the product service's catalog (products and
//! categories), shared by the service and its clients.
//!
//! Every command and query implements [`platform_contracts::Command`] or
//! [`platform_contracts::Query`], which names its endpoint and its result type, so a
//! renamed field is a compile error on both sides. JSON is camelCase; money is an
//! exact decimal, written as a string (`"19.99"`) and read from a string or a number.
//!
//! # Layout
//! - `money`: [`Money`], an exact amount in an ISO 4217 currency (shared with the
//!   inventory).
//! - `discount`: [`Discount`], [`ProductDiscount`] and [`effective_price`], the rule
//!   of the price a discount leaves.
//! - `commands`: one file per command with its result.
//! - `queries`: one file per query, and the views they return.
//! - `events` (feature `events`): the catalog's domain events, as stored and as
//!   broadcast. They derive `DomainEvent`, so they pull in platform-core; the service
//!   and its subscribers enable the feature, clients do not.
//! - `inventory`: a product's stock (ReceiveStock, AdjustStock, AllocateReservation,
//!   GetStock) and, with `events`, the `Inventory.*` events.

mod commands;
mod discount;
#[cfg(feature = "events")]
pub mod events;
pub mod inventory;
mod money;
mod queries;

pub use commands::{
    ApplyDiscount, ApplyDiscountResult, CategoriseProduct, CategoryUpdated, ChangeProductDetails,
    CreateCategory, CreateCategoryResult, CreateProduct, CreateProductResult, DiscontinueProduct,
    MoveCategory, ProductUpdated, RemoveDiscount, RenameCategory, SetPrice,
};
pub use discount::{Discount, ProductDiscount, effective_price};
pub use money::Money;
pub use queries::{
    CategoryList, CategoryProduct, CategoryProducts, CategoryView, GetCategory, GetPriceHistory,
    GetProduct, ListCategories, ListCategoryProducts, ListProducts, PriceChange, PriceHistory,
    ProductList, ProductView, StockSummary,
};
pub use rust_decimal::Decimal;
