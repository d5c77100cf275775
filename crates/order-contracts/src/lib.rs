//! Request and result types of the order service, shared by the service and its clients.
//!
//! Every command and query implements [`platform_contracts::Command`] or
//! [`platform_contracts::Query`], which names its endpoint and its result type, so a
//! renamed field is a compile error on both sides. JSON is camelCase; money is an
//! exact decimal, written as a string (`"109.97"`) and read from a string or a number.
//!
//! # Layout
//! - `commands`: one file per command with its result.
//! - `queries`: one file per query, and the order view they return with its lines and
//!   status.
//! - `events` (feature `events`): the order's domain events, as stored and as
//!   broadcast. They derive `DomainEvent` and register upcasters, so they pull in
//!   platform-core; the service and its subscribers enable the feature, clients do not.

mod commands;
#[cfg(feature = "events")]
pub mod events;
mod queries;

pub use commands::{
    AddItem, CancelOrder, CreateOrder, CreateOrderResult, OrderUpdated, PlaceOrder, RemoveItem,
};
pub use queries::{
    CustomerOrders, EventRecord, GetCustomerOrders, GetOrder, GetOrderEvents, GetProductDemand,
    GetProductPrice, ListOrders, OrderEvents, OrderLine, OrderList, OrderStatus, OrderView,
    ParseOrderStatusError, ProductDemand, ProductPrice,
};
pub use rust_decimal::Decimal;
