//! Request and result types of the product service, shared by the service and its
//! clients.
//!
//! Every command and query implements [`platform_contracts::Command`] or
//! [`platform_contracts::Query`], which names its endpoint and its result type, so a
//! renamed field is a compile error on both sides. JSON is camelCase.
//!
//! # Layout
//! - `commands`: one file per command with its result.
//! - `queries`: one file per query, and the view they return.
//! - `events` (feature `events`): the product domain events, as stored and as
//!   broadcast. They derive `DomainEvent`, so they pull in platform-core; the service
//!   and its subscribers enable the feature, clients do not.
//! - `inventory`: a product's stock (ReceiveStock, AdjustStock, AllocateReservation,
//!   GetStock) and, with `events`, the `Inventory.*` events.

mod commands;
#[cfg(feature = "events")]
pub mod events;
pub mod inventory;
mod queries;

pub use commands::{CreateProduct, CreateProductResult, ProductUpdated, RenameProduct};
pub use queries::{GetProduct, ProductView};
