//! [`Config`]: the whole configuration, built from raw settings and validated.

use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;

use super::auth::AuthConfig;
use super::error::ConfigError;
use super::raw::{Raw, millis, parse, positive, redact, string};
use super::sections::{
    CommandsConfig, DatabaseConfig, HttpConfig, MessageBusConfig, ReadModelsConfig, TelemetryConfig,
};
use super::services::ServiceSettings;
use super::sources;

/// The whole, validated configuration of a service.
#[derive(Debug, Clone)]
pub struct Config {
    /// `SERVICE_NAME`.
    pub service_name: String,
    /// `SERVICE_VERSION`.
    pub service_version: String,
    /// `ENVIRONMENT`, e.g. development or production.
    pub environment: String,
    /// Database settings.
    pub database: DatabaseConfig,
    /// HTTP settings.
    pub http: HttpConfig,
    /// Command execution settings.
    pub commands: CommandsConfig,
    /// Read-model settings.
    pub read_models: ReadModelsConfig,
    /// Message-bus settings.
    pub message_bus: MessageBusConfig,
    /// Span export settings.
    pub telemetry: TelemetryConfig,
    /// Authentication: `AUTH_MODE`, keys and claims.
    pub auth: AuthConfig,
    /// The settings each service declares for itself ([`register_settings!`](crate::register_settings)).
    pub services: ServiceSettings,
    /// `MODULES`: the hosted modules to run, comma-separated (none: all of them).
    pub modules: Option<Vec<String>>,
    /// `LOG_LEVEL`, a tracing filter (`RUST_LOG` wins when set).
    pub log_level: String,
    /// The files the settings were read from, in order (none: built-in defaults and
    /// the environment only).
    pub files: Vec<String>,
}

impl Config {
    /// Reads every source (see the module docs) over the given TOML defaults.
    /// `own_dir` is the service's own config directory (see the module docs).
    pub fn load(
        defaults_toml: &str,
        own_dir: Option<&std::path::Path>,
    ) -> Result<Self, ConfigError> {
        let (raw, files) = sources::layered(defaults_toml, own_dir)?;
        Ok(Config {
            files,
            ..Self::from_raw(&raw)?
        })
    }

    /// Builds the configuration from TOML defaults and explicit overrides only.
    pub fn from_defaults_and(
        defaults_toml: &str,
        overrides: &[(&str, &str)],
    ) -> Result<Self, ConfigError> {
        Self::from_raw(&sources::with_overrides(defaults_toml, overrides)?)
    }

    fn from_raw(raw: &Raw) -> Result<Self, ConfigError> {
        let event_sourcing: bool = parse(raw, "EVENT_SOURCING_ENABLED", Some(true))?;
        if !event_sourcing {
            return Err(ConfigError::Invalid {
                key: "EVENT_SOURCING_ENABLED",
                value: "false".to_owned(),
                reason: "this service is event-sourced and cannot run without its event store"
                    .to_owned(),
            });
        }
        let environment = string(raw, "ENVIRONMENT", Some("development"))?;
        let config = Config {
            service_name: string(raw, "SERVICE_NAME", None)?,
            service_version: string(raw, "SERVICE_VERSION", Some(env!("CARGO_PKG_VERSION")))?,
            auth: AuthConfig::from_raw(raw, &environment)?,
            environment,
            database: DatabaseConfig {
                url: raw.get("DATABASE_URL").filter(|u| !u.is_empty()).cloned(),
                host: string(raw, "DB_HOST", Some("127.0.0.1"))?,
                port: parse(raw, "DB_PORT", Some(5432))?,
                name: string(raw, "DB_NAME", None)?,
                username: string(raw, "DB_USERNAME", Some("postgres"))?,
                password: raw.get("DB_PASSWORD").filter(|p| !p.is_empty()).cloned(),
                migration_username: raw
                    .get("DB_MIGRATION_USERNAME")
                    .filter(|u| !u.is_empty())
                    .cloned(),
                migration_password: raw
                    .get("DB_MIGRATION_PASSWORD")
                    .filter(|p| !p.is_empty())
                    .cloned(),
                max_connections: positive(raw, "DB_MAX_CONNECTIONS", 16)?,
                connect_timeout: Duration::from_secs(u64::from(positive(
                    raw,
                    "DB_CONNECT_TIMEOUT_SECS",
                    5,
                )?)),
                statement_timeout: millis(raw, "DB_STATEMENT_TIMEOUT_MS", 30_000)?,
                idle_in_transaction_timeout: millis(
                    raw,
                    "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS",
                    60_000,
                )?,
            },
            http: HttpConfig {
                host: parse(raw, "HTTP_HOST", Some(IpAddr::from([0, 0, 0, 0])))?,
                port: parse(raw, "HTTP_PORT", Some(3000))?,
                body_limit: parse(raw, "HTTP_BODY_LIMIT_BYTES", Some(1024 * 1024))?,
                request_timeout: Duration::from_millis(u64::from(positive(
                    raw,
                    "REQUEST_TIMEOUT_MS",
                    10_000,
                )?)),
                header_read_timeout: Duration::from_millis(u64::from(positive(
                    raw,
                    "HTTP_HEADER_READ_TIMEOUT_MS",
                    10_000,
                )?)),
                shutdown_timeout: Duration::from_secs(u64::from(positive(
                    raw,
                    "SHUTDOWN_TIMEOUT_S",
                    30,
                )?)),
            },
            commands: CommandsConfig {
                max_attempts: positive(raw, "COMMAND_MAX_ATTEMPTS", 10)?,
                aggregate_cache_size: parse(raw, "AGGREGATE_CACHE_SIZE", Some(10_000))?,
                snapshot_every: parse(raw, "SNAPSHOT_EVERY", Some(100))?,
                group_commit_writers: parse(raw, "GROUP_COMMIT_WRITERS", Some(0))?,
                idempotency_key_ttl: Duration::from_secs(
                    3600 * u64::from(positive(raw, "IDEMPOTENCY_KEY_TTL_HOURS", 24)?),
                ),
            },
            read_models: ReadModelsConfig {
                auto_rebuild: parse(raw, "READ_MODELS_AUTO_REBUILD", Some(false))?,
                catchup_batch_size: i64::from(positive(raw, "CATCHUP_BATCH_SIZE", 10_000)?),
                projector_poll_interval: Duration::from_millis(u64::from(positive(
                    raw,
                    "PROJECTOR_POLL_INTERVAL_MS",
                    1_000,
                )?)),
                projectors_enabled: parse(raw, "PROJECTORS_ENABLED", Some(true))?,
            },
            message_bus: MessageBusConfig {
                enabled: parse(raw, "MESSAGE_BUS_ENABLED", Some(true))?,
                url: string(
                    raw,
                    "MESSAGE_BUS_URL",
                    Some("amqp://guest:guest@127.0.0.1:5672/%2f"),
                )?,
                exchange: string(raw, "MESSAGE_BUS_EXCHANGE", Some("platform"))?,
                relay_batch_size: i64::from(positive(raw, "RELAY_BATCH_SIZE", 500)?),
                subscriber_prefetch: parse(raw, "SUBSCRIBER_PREFETCH", Some(128))?,
                subscriber_max_attempts: positive(raw, "SUBSCRIBER_MAX_ATTEMPTS", 5)?,
                subscriber_retry_base: Duration::from_millis(u64::from(positive(
                    raw,
                    "SUBSCRIBER_RETRY_BASE_MS",
                    200,
                )?)),
            },
            telemetry: TelemetryConfig {
                otlp_endpoint: ["OTEL_EXPORTER_OTLP_ENDPOINT", "JAEGER_ENDPOINT"]
                    .iter()
                    .find_map(|key| raw.get(*key).filter(|v| !v.trim().is_empty()))
                    .map(|v| v.trim().to_owned()),
            },
            services: ServiceSettings::from_raw(raw)?,
            modules: raw.get("MODULES").and_then(|list| {
                let names: Vec<String> = list
                    .split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned)
                    .collect();
                (!names.is_empty()).then_some(names)
            }),
            log_level: match string(raw, "RUST_LOG", None) {
                Ok(filter) => filter,
                Err(_) => string(raw, "LOG_LEVEL", Some("info"))?,
            },
            files: Vec::new(),
        };
        if let Some(endpoint) = &config.telemetry.otlp_endpoint
            && !(endpoint.starts_with("http://") || endpoint.starts_with("https://"))
        {
            return Err(ConfigError::Invalid {
                key: "OTEL_EXPORTER_OTLP_ENDPOINT",
                value: endpoint.clone(),
                reason: "expected the collector's OTLP/HTTP base URL, e.g. http://localhost:4318"
                    .to_owned(),
            });
        }
        let bus_url = &config.message_bus.url;
        if !(bus_url.starts_with("amqp://") || bus_url.starts_with("amqps://")) {
            return Err(ConfigError::Invalid {
                key: "MESSAGE_BUS_URL",
                value: redact(bus_url),
                reason: "expected amqp://user:password@host:port/vhost".to_owned(),
            });
        }
        if config.message_bus.exchange.is_empty() || config.message_bus.exchange.len() > 200 {
            return Err(ConfigError::Invalid {
                key: "MESSAGE_BUS_EXCHANGE",
                value: config.message_bus.exchange.clone(),
                reason: "an exchange name is 1 to 200 characters".to_owned(),
            });
        }
        if let Some(url) = &config.database.url {
            let invalid = |reason: String| ConfigError::Invalid {
                key: "DATABASE_URL",
                value: redact(url),
                reason,
            };
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                return Err(invalid(
                    "expected postgres://user@host:port/database".to_owned(),
                ));
            }
            PgConnectOptions::from_str(url).map_err(|e| invalid(e.to_string()))?;
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULTS: &str = "service_name = \"svc\"\ndb_name = \"svc_db\"\nhttp_port = 3000\n";

    #[test]
    fn defaults_then_overrides() {
        let config = Config::from_defaults_and(DEFAULTS, &[("HTTP_PORT", "8080")]).unwrap();
        assert_eq!(config.service_name, "svc");
        assert_eq!(config.http.port, 8080);
        assert_eq!(config.database.name, "svc_db");
        assert_eq!(config.database.describe(), "127.0.0.1:5432/svc_db");
        assert_eq!(config.commands.max_attempts, 10);
        assert_eq!(config.http.request_timeout, Duration::from_secs(10));
        assert_eq!(config.http.header_read_timeout, Duration::from_secs(10));
        assert_eq!(config.http.shutdown_timeout, Duration::from_secs(30));
        assert_eq!(
            config.database.statement_timeout,
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            config.database.idle_in_transaction_timeout,
            Some(Duration::from_secs(60))
        );
    }

    #[test]
    fn timeouts_can_be_changed_and_database_ones_turned_off() {
        let config = Config::from_defaults_and(
            DEFAULTS,
            &[
                ("REQUEST_TIMEOUT_MS", "250"),
                ("SHUTDOWN_TIMEOUT_S", "3"),
                ("DB_STATEMENT_TIMEOUT_MS", "0"),
                ("DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", "1500"),
            ],
        )
        .unwrap();
        assert_eq!(config.http.request_timeout, Duration::from_millis(250));
        assert_eq!(config.http.shutdown_timeout, Duration::from_secs(3));
        assert_eq!(config.database.statement_timeout, None);
        assert_eq!(
            config.database.idle_in_transaction_timeout,
            Some(Duration::from_millis(1500))
        );
        let err = Config::from_defaults_and(DEFAULTS, &[("REQUEST_TIMEOUT_MS", "0")]).unwrap_err();
        assert!(err.to_string().contains("REQUEST_TIMEOUT_MS"), "{err}");
    }

    #[test]
    fn migrations_run_as_the_owner_role_when_one_is_named() {
        let same = Config::from_defaults_and(DEFAULTS, &[("DB_USERNAME", "svc")]).unwrap();
        assert!(!same.database.splits_roles());
        assert_eq!(
            same.database.migration_connect_options().get_username(),
            "svc"
        );
        let split = Config::from_defaults_and(
            DEFAULTS,
            &[
                ("DATABASE_URL", "postgres://svc:pw@db:5432/orders"),
                ("DB_MIGRATION_USERNAME", "owner"),
                ("DB_MIGRATION_PASSWORD", "secret"),
            ],
        )
        .unwrap();
        assert!(split.database.splits_roles());
        let owner = split.database.migration_connect_options();
        assert_eq!(owner.get_username(), "owner");
        assert_eq!(owner.get_database(), Some("orders"));
        assert_eq!(split.database.connect_options().get_username(), "svc");
        // The service's password is never sent for the owner.
        let no_password = Config::from_defaults_and(
            DEFAULTS,
            &[
                (
                    "DATABASE_URL",
                    "postgres://svc:pw@db:5433/orders?sslmode=require",
                ),
                ("DB_MIGRATION_USERNAME", "owner"),
            ],
        )
        .unwrap();
        let owner = no_password.database.migration_connect_options();
        assert_eq!(owner.get_host(), "db");
        assert_eq!(owner.get_port(), 5433);
        assert_eq!(owner.get_database(), Some("orders"));
        assert!(matches!(
            owner.get_ssl_mode(),
            sqlx::postgres::PgSslMode::Require
        ));
        assert!(
            !sqlx::ConnectOptions::to_url_lossy(&owner)
                .as_str()
                .contains("pw")
        );
    }

    #[test]
    fn message_bus_and_telemetry_settings() {
        let config = Config::from_defaults_and(DEFAULTS, &[]).unwrap();
        assert!(config.message_bus.enabled);
        assert_eq!(config.message_bus.exchange, "platform");
        assert_eq!(config.commands.snapshot_every, 100);
        assert_eq!(config.telemetry.otlp_endpoint, None);
        let config = Config::from_defaults_and(
            DEFAULTS,
            &[
                ("MESSAGE_BUS_EXCHANGE", "orders"),
                ("JAEGER_ENDPOINT", "http://jaeger:4318"),
                ("SNAPSHOT_EVERY", "0"),
            ],
        )
        .unwrap();
        assert_eq!(config.message_bus.exchange, "orders");
        assert_eq!(
            config.telemetry.otlp_endpoint.as_deref(),
            Some("http://jaeger:4318")
        );
        assert_eq!(config.commands.snapshot_every, 0);
        let options = config.message_bus.subscriber_options("svc");
        assert_eq!(options.queue("notifications"), "svc.notifications");
        assert_eq!(options.dead_letter_exchange(), "orders.dlx");

        let err = Config::from_defaults_and(
            DEFAULTS,
            &[("MESSAGE_BUS_URL", "http://guest:secret@rabbit:5672")],
        )
        .unwrap_err();
        assert!(err.to_string().contains("MESSAGE_BUS_URL"), "{err}");
        assert!(!err.to_string().contains("secret"), "{err}");
        let err =
            Config::from_defaults_and(DEFAULTS, &[("OTEL_EXPORTER_OTLP_ENDPOINT", "jaeger:4318")])
                .unwrap_err();
        assert!(
            err.to_string().contains("OTEL_EXPORTER_OTLP_ENDPOINT"),
            "{err}"
        );
    }

    #[test]
    fn database_url_wins_over_parts() {
        let url = "postgres://app:secret@db.internal:6543/orders";
        let config = Config::from_defaults_and(DEFAULTS, &[("DATABASE_URL", url)]).unwrap();
        assert_eq!(config.database.describe(), "db.internal:6543/orders");
    }

    #[test]
    fn bad_values_are_named() {
        let err = Config::from_defaults_and(DEFAULTS, &[("HTTP_PORT", "http")]).unwrap_err();
        assert!(
            err.to_string().starts_with("invalid HTTP_PORT=\"http\""),
            "{err}"
        );
        let err = Config::from_defaults_and(DEFAULTS, &[("DB_MAX_CONNECTIONS", "0")]).unwrap_err();
        assert!(err.to_string().contains("DB_MAX_CONNECTIONS"), "{err}");
        let err = Config::from_defaults_and(DEFAULTS, &[("EVENT_SOURCING_ENABLED", "false")])
            .unwrap_err();
        assert!(err.to_string().contains("EVENT_SOURCING_ENABLED"), "{err}");
        let err = Config::from_defaults_and(DEFAULTS, &[("DATABASE_URL", "mysql://x:pw@h/d")])
            .unwrap_err();
        assert!(
            !err.to_string().contains("pw"),
            "credentials must not leak: {err}"
        );
    }
}
