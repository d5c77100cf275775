//! What every typed client of a platform service shares: [`ServiceClient`] (commands
//! and queries over HTTP, idempotency keys, retries where safe) with its
//! [`ClientBuilder`], and [`ClientError`], mirroring the services' problem codes.
//!
//! A service's client crate (`order-service-client`, `product-service-client`) wraps a
//! `ServiceClient` with one method per command and query of its contracts.

mod client;
mod error;

pub use client::{ClientBuilder, ServiceClient};
pub use error::ClientError;
pub use platform_contracts::{Command, Metadata, Query};
