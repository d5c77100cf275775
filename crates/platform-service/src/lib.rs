//! The service host of the platform: everything between `main` and the domain.
//!
//! A service's `main` is one line: `order_service::service().run()`, where `service()` is
//! `Service::new(DEFAULT_CONFIG)` with the crate's built-in `config/default.toml`.
//! Command and query handlers are found through `inventory`
//! ([`register_command_handler!`], [`register_query_handler!`]); no router is
//! written by hand.
//!
//! # Layout
//! - `config`: [`Config`], read once from `config/*.toml`, `.env` and the environment.
//! - `cli`: the `serve` / `migrate` / `catchup` / `republish` / `events` / `token`
//!   command line.
//! - `events`: printing an aggregate's event stream.
//! - `catchup`: rebuilding read models from the command line, with progress.
//! - `messaging`: the outbox relay and subscribers started by `serve`, and `republish`.
//! - `read_models`: stale read models at start-up: pause, rebuild, resume.
//! - `database`: connecting, creating a missing database, migrating.
//! - `registry`: [`CommandHandler`] / [`QueryHandler`], their registration and who may
//!   call them ([`Access`]).
//! - `auth`: bearer JWTs verified (HS256 secret or RS256/ES256 JWKS) into the user of
//!   a request; development tokens.
//! - `context`: [`AppState`], [`CommandContext`] and [`QueryContext`] given to handlers.
//! - `error`: [`HandlerError`], answered as RFC 9457 problem+json.
//! - `http`: the axum router: authentication, dispatch (access enforced), health,
//!   metrics, correlation ids, body limits.
//! - `module`: [`Module`] (what a binary hosts, `MODULES`, providers) and
//!   [`Hosting`], the modules resolved at start-up.
//! - `hosted`: what the hosted modules serve (handlers, subscribers, broadcast types,
//!   required providers), and [`ModuleSummary`] for `/health`.
//! - `metrics`: request counts and latencies of this process.
//! - `telemetry`: logs, OTLP span export, W3C trace context.
//! - `tool`: [`Tool`], a service's own subcommand (an import, say).
//! - `host`: [`Service`], which ties it all together and runs until a signal.

mod auth;
mod catchup;
mod cli;
mod config;
mod context;
mod database;
mod error;
mod events;
mod host;
mod hosted;
mod http;
mod messaging;
mod metrics;
mod module;
mod read_models;
mod registry;
mod telemetry;
mod tool;

pub use auth::{IssueError, issue_development_token};
pub use cli::{CatchupArgs, Cli, CliCommand, EventsArgs, RepublishArgs, TokenArgs};
pub use config::{
    AuthConfig, AuthMode, ClaimNames, Config, ConfigError, DatabaseConfig, HttpConfig, JwtKeys,
    MessageBusConfig, ReadModelsConfig, Secret, ServiceSettings, Settings, SettingsRegistration,
    SettingsSource, TelemetryConfig,
};
pub use context::{AppState, Caller, CommandContext, QueryContext, SharedUnit};
pub use database::{
    DatabaseError, connect, connect_and_migrate, connect_service, log_immutability_gap, migrate,
    tenant_isolation_gap,
};
pub use error::{Challenge, HandlerError, InternalError};
pub use host::{Service, serve, shutdown_signal};
pub use hosted::ModuleSummary;
pub use http::router;
pub use module::{HostedModule, Hosting, Module, ModuleError, ProviderError};
pub use registry::{
    Access, CommandHandler, CommandRegistration, ErrorResponse, QueryHandler, QueryRegistration,
    command_names, owned_broadcast_types, query_names,
};
pub use telemetry::{Telemetry, continue_trace, traceparent_of};
pub use tool::Tool;

#[doc(hidden)]
pub mod __private {
    pub use inventory;
}
