//! Configuration: read once, validated, typed. Nothing else reads the environment.
//!
//! Sources, later ones winning: the service's built-in defaults (its
//! `config/default.toml`), `$CONFIG_DIR/default.toml`, `$CONFIG_DIR/$ENVIRONMENT.toml`
//! (`CONFIG_DIR` defaults to `config`), `.env` in the working directory, and the
//! process environment. TOML keys are the variable names in lower case.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;

/// Raw settings by variable name (upper case).
type Raw = BTreeMap<String, String>;

/// A setting is missing or malformed, or a config file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value does not parse.
    #[error("invalid {key}={value:?}: {reason}")]
    Invalid {
        /// The variable.
        key: &'static str,
        /// Its value.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// A required value is missing.
    #[error("missing setting {0}")]
    Missing(&'static str),
    /// A TOML file is malformed.
    #[error("cannot read {path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
}

/// Where the event store lives.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// `DATABASE_URL`, which wins over the `DB_*` parts when set.
    pub url: Option<String>,
    /// `DB_HOST`.
    pub host: String,
    /// `DB_PORT`.
    pub port: u16,
    /// `DB_NAME`.
    pub name: String,
    /// `DB_USERNAME`.
    pub username: String,
    /// `DB_PASSWORD`.
    pub password: Option<String>,
    /// `DB_MAX_CONNECTIONS`.
    pub max_connections: u32,
    /// `DB_CONNECT_TIMEOUT_SECS`.
    pub connect_timeout: Duration,
}

/// The HTTP listener.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// `HTTP_HOST`.
    pub host: IpAddr,
    /// `HTTP_PORT`.
    pub port: u16,
    /// `HTTP_BODY_LIMIT_BYTES`: larger bodies get 413.
    pub body_limit: usize,
}

/// Command execution.
#[derive(Debug, Clone)]
pub struct CommandsConfig {
    /// `COMMAND_MAX_ATTEMPTS`: decide/append attempts before a conflict becomes a 409.
    pub max_attempts: u32,
    /// `AGGREGATE_CACHE_SIZE`: aggregates kept in memory between commands (0 = off).
    pub aggregate_cache_size: usize,
    /// `IDEMPOTENCY_KEY_TTL_HOURS`: how long an `Idempotency-Key`'s response is replayed.
    pub idempotency_key_ttl: Duration,
    /// `SNAPSHOT_EVERY`: snapshot an aggregate each time its stream passes a multiple of
    /// this many events (0 = never).
    pub snapshot_every: u32,
}

/// Read models: rebuilds and async projection.
#[derive(Debug, Clone)]
pub struct ReadModelsConfig {
    /// `READ_MODELS_AUTO_REBUILD`: rebuild stale read models in the background at start-up.
    pub auto_rebuild: bool,
    /// `CATCHUP_BATCH_SIZE`: events per transaction when rebuilding.
    pub catchup_batch_size: i64,
    /// `PROJECTOR_POLL_INTERVAL_MS`: longest wait of an async projector without a notification.
    pub projector_poll_interval: Duration,
}

/// The message bus: broadcast of domain events, and subscribers.
#[derive(Debug, Clone)]
pub struct MessageBusConfig {
    /// `MESSAGE_BUS_ENABLED`: run the outbox relay (and subscribers) in `serve`.
    pub enabled: bool,
    /// `MESSAGE_BUS_URL`, e.g. `amqp://guest:guest@127.0.0.1:5672/%2f`.
    pub url: String,
    /// `MESSAGE_BUS_EXCHANGE`: the durable topic exchange events are broadcast on.
    pub exchange: String,
    /// `RELAY_BATCH_SIZE`: events per confirmed batch.
    pub relay_batch_size: i64,
    /// `SUBSCRIBER_PREFETCH`: unacknowledged messages a subscriber takes ahead.
    pub subscriber_prefetch: u16,
    /// `SUBSCRIBER_MAX_ATTEMPTS`: handler attempts before a message is dead-lettered.
    pub subscriber_max_attempts: u32,
    /// `SUBSCRIBER_RETRY_BASE_MS`: wait before the first retry (doubling after).
    pub subscriber_retry_base: Duration,
}

/// Span export.
#[derive(Debug, Clone, Default)]
pub struct TelemetryConfig {
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` (or `JAEGER_ENDPOINT`): base URL of an OTLP/HTTP
    /// collector, e.g. `http://localhost:4318`; spans are not exported when unset.
    pub otlp_endpoint: Option<String>,
}

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
    /// `LOG_LEVEL`, a tracing filter (`RUST_LOG` wins when set).
    pub log_level: String,
}

impl Config {
    /// Reads every source (see the module docs) over the given TOML defaults.
    pub fn load(defaults_toml: &str) -> Result<Self, ConfigError> {
        let env: Raw = std::env::vars().collect();
        let dot_env = read_dot_env(Path::new(".env"))?;
        let mut raw = parse_toml(defaults_toml, "built-in defaults")?;
        let dir = PathBuf::from(
            env.get("CONFIG_DIR")
                .or_else(|| dot_env.get("CONFIG_DIR"))
                .map_or("config", String::as_str),
        );
        raw.extend(read_toml_file(&dir.join("default.toml"))?);
        let environment = env
            .get("ENVIRONMENT")
            .or_else(|| dot_env.get("ENVIRONMENT"))
            .or_else(|| raw.get("ENVIRONMENT"))
            .cloned()
            .unwrap_or_else(|| "development".to_owned());
        if !environment.is_empty() && environment != "default" {
            raw.extend(read_toml_file(&dir.join(format!("{environment}.toml")))?);
        }
        raw.extend(dot_env);
        raw.extend(env);
        Self::from_raw(&raw)
    }

    /// Builds the configuration from TOML defaults and explicit overrides only.
    pub fn from_defaults_and(
        defaults_toml: &str,
        overrides: &[(&str, &str)],
    ) -> Result<Self, ConfigError> {
        let mut raw = parse_toml(defaults_toml, "built-in defaults")?;
        raw.extend(
            overrides
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        Self::from_raw(&raw)
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
        let config = Config {
            service_name: string(raw, "SERVICE_NAME", None)?,
            service_version: string(raw, "SERVICE_VERSION", Some(env!("CARGO_PKG_VERSION")))?,
            environment: string(raw, "ENVIRONMENT", Some("development"))?,
            database: DatabaseConfig {
                url: raw.get("DATABASE_URL").filter(|u| !u.is_empty()).cloned(),
                host: string(raw, "DB_HOST", Some("127.0.0.1"))?,
                port: parse(raw, "DB_PORT", Some(5432))?,
                name: string(raw, "DB_NAME", None)?,
                username: string(raw, "DB_USERNAME", Some("postgres"))?,
                password: raw.get("DB_PASSWORD").filter(|p| !p.is_empty()).cloned(),
                max_connections: positive(raw, "DB_MAX_CONNECTIONS", 16)?,
                connect_timeout: Duration::from_secs(u64::from(positive(
                    raw,
                    "DB_CONNECT_TIMEOUT_SECS",
                    5,
                )?)),
            },
            http: HttpConfig {
                host: parse(raw, "HTTP_HOST", Some(IpAddr::from([0, 0, 0, 0])))?,
                port: parse(raw, "HTTP_PORT", Some(3000))?,
                body_limit: parse(raw, "HTTP_BODY_LIMIT_BYTES", Some(1024 * 1024))?,
            },
            commands: CommandsConfig {
                max_attempts: positive(raw, "COMMAND_MAX_ATTEMPTS", 10)?,
                aggregate_cache_size: parse(raw, "AGGREGATE_CACHE_SIZE", Some(10_000))?,
                snapshot_every: parse(raw, "SNAPSHOT_EVERY", Some(100))?,
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
                subscriber_prefetch: parse(raw, "SUBSCRIBER_PREFETCH", Some(32))?,
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
            log_level: match string(raw, "RUST_LOG", None) {
                Ok(filter) => filter,
                Err(_) => string(raw, "LOG_LEVEL", Some("info"))?,
            },
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

impl MessageBusConfig {
    /// Broker options for a service named `app_id`.
    pub fn bus_options(&self, app_id: &str) -> platform_messaging::BusOptions {
        platform_messaging::BusOptions::new(&self.url, &self.exchange, app_id)
    }

    /// Subscriber options, queues prefixed with the service's name.
    pub fn subscriber_options(&self, service_name: &str) -> platform_messaging::SubscriberOptions {
        let mut options = platform_messaging::SubscriberOptions::new(
            self.bus_options(service_name),
            service_name,
        );
        options.prefetch = self.subscriber_prefetch.max(1);
        options.max_attempts = self.subscriber_max_attempts;
        options.retry_base = self.subscriber_retry_base;
        options.continue_trace = Some(crate::telemetry::continue_trace);
        options
    }
}

impl DatabaseConfig {
    /// Connection options for the service's database.
    pub fn connect_options(&self) -> PgConnectOptions {
        let options = match self.url.as_deref().map(PgConnectOptions::from_str) {
            // Validated in `Config::from_raw`.
            Some(Ok(options)) => options,
            _ => {
                let options = PgConnectOptions::new_without_pgpass()
                    .host(&self.host)
                    .port(self.port)
                    .username(&self.username)
                    .database(&self.name);
                match &self.password {
                    Some(p) => options.password(p),
                    None => options,
                }
            }
        };
        options.application_name("platform-service")
    }

    /// `host:port/database`, for messages (no credentials).
    pub fn describe(&self) -> String {
        let options = self.connect_options();
        format!(
            "{}:{}/{}",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or_default()
        )
    }
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***{}", &url[..scheme], &url[at..])
        }
        _ => url.to_owned(),
    }
}

fn read_dot_env(path: &Path) -> Result<Raw, ConfigError> {
    if !path.exists() {
        return Ok(Raw::new());
    }
    let file_error = |reason: String| ConfigError::File {
        path: path.display().to_string(),
        reason,
    };
    dotenvy::from_path_iter(path)
        .map_err(|e| file_error(e.to_string()))?
        .map(|item| item.map_err(|e| file_error(e.to_string())))
        .collect()
}

fn read_toml_file(path: &Path) -> Result<Raw, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_toml(&text, &path.display().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Raw::new()),
        Err(e) => Err(ConfigError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        }),
    }
}

fn parse_toml(text: &str, origin: &str) -> Result<Raw, ConfigError> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::File {
            path: origin.to_owned(),
            reason: e.to_string(),
        })?;
    table
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                other => {
                    return Err(ConfigError::File {
                        path: origin.to_owned(),
                        reason: format!("{key} must be a plain value, not {}", other.type_str()),
                    });
                }
            };
            Ok((key.to_uppercase(), value))
        })
        .collect()
}

fn string(raw: &Raw, key: &'static str, default: Option<&str>) -> Result<String, ConfigError> {
    match raw.get(key).filter(|v| !v.trim().is_empty()) {
        Some(v) => Ok(v.trim().to_owned()),
        None => default.map(str::to_owned).ok_or(ConfigError::Missing(key)),
    }
}

fn parse<T>(raw: &Raw, key: &'static str, default: Option<T>) -> Result<T, ConfigError>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    match raw.get(key).filter(|v| !v.trim().is_empty()) {
        Some(v) => v.trim().parse().map_err(|e: T::Err| ConfigError::Invalid {
            key,
            value: v.clone(),
            reason: e.to_string(),
        }),
        None => default.ok_or(ConfigError::Missing(key)),
    }
}

fn positive(raw: &Raw, key: &'static str, default: u32) -> Result<u32, ConfigError> {
    let value: u32 = parse(raw, key, Some(default))?;
    if value == 0 {
        return Err(ConfigError::Invalid {
            key,
            value: "0".to_owned(),
            reason: "must be at least 1".to_owned(),
        });
    }
    Ok(value)
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

    #[test]
    fn dot_env_files_are_read() {
        let dir = std::env::temp_dir().join(format!("cfg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".env");
        std::fs::write(&path, "HTTP_PORT=4000\n# comment\nDB_NAME=x\n").unwrap();
        let raw = read_dot_env(&path).unwrap();
        assert_eq!(raw.get("HTTP_PORT").map(String::as_str), Some("4000"));
        assert_eq!(raw.get("DB_NAME").map(String::as_str), Some("x"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
