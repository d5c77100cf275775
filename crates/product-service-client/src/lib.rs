//! Typed Rust client of the product service's catalog.
//!
//! Requests and results are the `product-contracts` types the service itself uses, so
//! a renamed field is a compile error on both sides. Errors are one enum,
//! [`ClientError`], mirroring the service's problem codes.
//!
//! ```no_run
//! use product_service_client::{CreateProduct, GetProduct, Money, ProductServiceClient, SetPrice};
//!
//! # async fn run() -> Result<(), product_service_client::ClientError> {
//! let client = ProductServiceClient::builder("http://localhost:3002")
//!     .bearer_token("…")
//!     .build()?;
//! client
//!     .create_product(CreateProduct {
//!         sku: "KET-1".into(),
//!         name: "Kettle".into(),
//!         ..Default::default()
//!     })
//!     .await?;
//! client
//!     .set_price(SetPrice {
//!         sku: "KET-1".into(),
//!         price: Money::new("19.99".parse().expect("a decimal"), "EUR"),
//!     })
//!     .await?;
//! let product = client
//!     .get_product(GetProduct { sku: "KET-1".into(), ..Default::default() })
//!     .await?;
//! println!("{} costs {:?}", product.name, product.effective_price);
//! # Ok(())
//! # }
//! ```
//!
//! # Authentication
//!
//! Catalog changes need a user with the role `catalog` or `admin`
//! (`ProductServiceClient::builder(url).bearer_token(token).build()?`); queries any
//! signed-in user. No token or a refused one is [`ClientError::Unauthenticated`] (401),
//! a user without the role [`ClientError::Forbidden`] (403). Neither is retried.
//!
//! # Retries
//!
//! Queries are retried (with exponential backoff) on transport failures and 503s.
//! Commands are retried only when they carry an idempotency key — the service then
//! replays the first response to a retry and appends nothing — which the client adds
//! to every command unless told not to ([`ClientBuilder::idempotency_keys`]), or which
//! the caller gives with [`ProductServiceClient::execute_with_key`].
//!
//! # Any command or query
//!
//! [`ProductServiceClient::execute`] and [`ProductServiceClient::query`] take any type
//! implementing [`Command`] / [`Query`] (from `platform-contracts`, re-exported here): a
//! new contract type (the inventory's) needs no new client code.

mod client;

pub use client::ProductServiceClient;
pub use platform_client::{ClientBuilder, ClientError, ServiceClient};
pub use platform_client::{Command, Metadata, Query};
pub use product_contracts::*;
