//! Contract traits shared by a service and its clients, with no platform machinery.
//!
//! A client crate depends on this and on its service's contract types only: serde,
//! schemars, chrono and rust_decimal, no proc macros, no link-time registries. `platform-core` re-exports
//! everything here, so services keep writing `platform_core::Command`.
//!
//! # Layout
//! - `contract`: [`Command`] and [`Query`], the request types shared with clients.
//! - `metadata`: [`Metadata`], the request context stored with every event and
//!   returned with it by event-history queries.
//! - `decimal`: exact decimals in requests (`#[serde(deserialize_with =
//!   "platform_contracts::decimal::read")]`), with the schema that says what is read.
//! - `rfc3339`: timestamps in requests, RFC 3339 exactly (what PostgreSQL can hold).

mod contract;
pub mod decimal;
mod metadata;
pub mod rfc3339;

pub use contract::{Command, Query};
pub use metadata::Metadata;
