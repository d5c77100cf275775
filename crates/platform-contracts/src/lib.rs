//! Contract traits shared by a service and its clients, with no platform machinery.
//!
//! A client crate depends on this and on its service's contract types only: serde and
//! schemars, no proc macros, no link-time registries. `platform-core` re-exports
//! everything here, so services keep writing `platform_core::Command`.
//!
//! # Layout
//! - `contract`: [`Command`] and [`Query`], the request types shared with clients.
//! - `metadata`: [`Metadata`], the request context stored with every event and
//!   returned with it by event-history queries.

mod contract;
mod metadata;

pub use contract::{Command, Query};
pub use metadata::Metadata;
