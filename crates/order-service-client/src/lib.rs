//! Typed Rust client of the order service.
//!
//! Requests and results are the `order-contracts` types the service itself uses, so a
//! renamed field is a compile error on both sides. Errors are one enum,
//! [`ClientError`], mirroring the service's problem codes.
//!
//! ```no_run
//! use order_service_client::{AddItem, CreateOrder, GetOrder, ListOrders, OrderServiceClient};
//!
//! # async fn run() -> Result<(), order_service_client::ClientError> {
//! let client = OrderServiceClient::new("http://localhost:3000")?;
//! let created = client
//!     .create_order(CreateOrder { customer_id: "customer-123".into() })
//!     .await?;
//! client
//!     .add_item(AddItem {
//!         order_id: created.order_id.clone(),
//!         product_id: "product-456".into(),
//!         quantity: 2,
//!         price: "29.99".parse().expect("a decimal"),
//!     })
//!     .await?;
//! let order = client.get_order(GetOrder { order_id: created.order_id.clone(), ..Default::default() }).await?;
//! println!("{} is {:?}, total {}", order.id, order.status, order.total);
//! let page = client
//!     .list_orders(ListOrders { customer_id: Some("customer-123".into()), ..Default::default() })
//!     .await?;
//! println!("{} orders", page.orders.len());
//! # Ok(())
//! # }
//! ```
//!
//! # Authentication
//!
//! A service in `AUTH_MODE=jwt` needs a bearer token:
//! `OrderServiceClient::builder(url).bearer_token(token).build()?`. No token or a refused
//! one is [`ClientError::Unauthenticated`] (401); a user without a role the command
//! needs, or a customer asking for another customer's orders, is
//! [`ClientError::Forbidden`] (403). Neither is retried.
//!
//! # Retries
//!
//! Queries are retried (with exponential backoff) on transport failures and 503s.
//! Commands are retried only when they carry an idempotency key — the service then
//! replays the first response to a retry and appends nothing — which the client adds
//! to every command unless told not to ([`ClientBuilder::idempotency_keys`]), or which
//! the caller gives with [`OrderServiceClient::execute_with_key`].
//!
//! # Any command or query
//!
//! [`OrderServiceClient::execute`] and [`OrderServiceClient::query`] take any type
//! implementing [`Command`] / [`Query`] (from `platform-contracts`, re-exported here): a
//! new contract type needs no new client code.

mod client;

pub use client::OrderServiceClient;
pub use order_contracts::*;
pub use platform_client::{ClientBuilder, ClientError, ServiceClient};
pub use platform_client::{Command, Metadata, Query};
