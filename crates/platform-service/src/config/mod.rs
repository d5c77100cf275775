//! Configuration: read once, validated, typed. Nothing else reads the environment.
//!
//! Sources, later ones winning: the service's built-in defaults (its
//! `config/default.toml`), `$CONFIG_DIR/default.toml`, `$CONFIG_DIR/$ENVIRONMENT.toml`
//! (`CONFIG_DIR` defaults to `config`), `.env` in the working directory, and the
//! process environment. TOML keys are the variable names in lower case.
//!
//! # Layout
//! - `sources`: reading those sources into raw settings, in order.
//! - `raw`: raw settings by name and the helpers that type them.
//! - `load`: [`Config`], built from raw settings and validated.
//! - `sections`: its typed sections, [`DatabaseConfig`] to [`TelemetryConfig`].
//! - `services`: [`ServiceSettings`], the settings each service declares for itself.
//! - `auth`: [`AuthConfig`], `AUTH_MODE` and how bearer tokens are verified.
//! - `error`: [`ConfigError`].

mod auth;
mod error;
mod load;
mod raw;
mod sections;
mod services;
mod sources;

pub use auth::{AuthConfig, AuthMode, ClaimNames, JwtKeys, Secret};
pub use error::ConfigError;
pub use load::Config;
pub use sections::{
    DatabaseConfig, HttpConfig, MessageBusConfig, ReadModelsConfig, TelemetryConfig,
};
pub use services::{ServiceSettings, Settings, SettingsRegistration, SettingsSource};
