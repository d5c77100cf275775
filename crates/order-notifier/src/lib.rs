//! The order notifier: a downstream service built on the platform.
//!
//! It knows orders only from the events the order service broadcasts. One event
//! handler subscribes to `Order.OrderPlaced` and `Order.OrderCancelled` (typed with the
//! shared `order_contracts::events`) and writes a notification per event into its own
//! database, in the same transaction as the inbox record that dedupes redeliveries.
//! One query, `GetNotifications`, serves them over HTTP.
//!
//! # Layout
//! - `contract`: `GetNotifications` and what it answers.
//! - `handler`: the event handler.
//! - `queries`: the `GetNotifications` handler.
//! - `store`: the `notifications` table (every SQL statement of the notifier).

mod contract;
mod handler;
mod queries;
mod store;

pub use contract::{GetNotifications, Notification, NotificationList};
pub use handler::OrderNotifications;

use platform_service::{Module, Service};
use sqlx::migrate::Migrator;

/// Built-in defaults (`config/default.toml` of this crate).
pub const DEFAULT_CONFIG: &str = include_str!("../config/default.toml");

/// The service's own config directory (read unless `CONFIG_DIR` names another).
pub const CONFIG_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/config");

/// The notifier's own table, applied with the platform schema at start-up.
pub static MIGRATIONS: Migrator = sqlx::migrate!("./migrations");

platform_event_sourcing::register_migrations!(MIGRATIONS);

/// The `notifications` module: the event handler, the query and the table.
pub fn notifications_module() -> Module {
    platform_service::module!("notifications")
}

/// The notifier as a platform service.
pub fn service() -> Service {
    Service::new(DEFAULT_CONFIG)
        .config_dir(CONFIG_DIR)
        .module(notifications_module())
        .about("Turns the order service's broadcast events into customer notifications.")
}
