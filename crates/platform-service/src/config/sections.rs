//! The typed sections of a [`Config`](super::Config): database, HTTP, commands, read
//! models, message bus and span export.

use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;

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
    /// `DB_MIGRATION_USERNAME`: the owner role migrations run as; `None` runs them
    /// as the service's own role (which then owns the tables).
    pub migration_username: Option<String>,
    /// `DB_MIGRATION_PASSWORD`.
    pub migration_password: Option<String>,
    /// `DB_MAX_CONNECTIONS`.
    pub max_connections: u32,
    /// `DB_CONNECT_TIMEOUT_SECS`.
    pub connect_timeout: Duration,
    /// `DB_STATEMENT_TIMEOUT_MS`: PostgreSQL's `statement_timeout` on the service's
    /// connections (`None`, from 0: no limit). Migrations and CLI maintenance run
    /// without it.
    pub statement_timeout: Option<Duration>,
    /// `DB_IDLE_IN_TRANSACTION_TIMEOUT_MS`: PostgreSQL's
    /// `idle_in_transaction_session_timeout` on every connection (`None`, from 0: no
    /// limit).
    pub idle_in_transaction_timeout: Option<Duration>,
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
    /// `REQUEST_TIMEOUT_MS`: a request still running after this is answered 503
    /// `timeout` (a command already started still commits or rolls back on its own).
    pub request_timeout: Duration,
    /// `HTTP_HEADER_READ_TIMEOUT_MS`: a connection that has not sent a request's whole
    /// head within this is closed (slow or idle clients cannot hold connections).
    pub header_read_timeout: Duration,
    /// `SHUTDOWN_TIMEOUT_S`: after SIGTERM/SIGINT, how long open requests may finish
    /// before they are dropped and the process exits.
    pub shutdown_timeout: Duration,
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
    /// `GROUP_COMMIT_WRITERS`: tasks appending commands on different streams that
    /// arrive together in one statement and one commit (0 = each command commits alone).
    pub group_commit_writers: usize,
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
    /// `PROJECTORS_ENABLED`: run the async projectors in `serve` (another instance
    /// may run them instead; their lease lets one at a time project).
    pub projectors_enabled: bool,
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

    /// Connection options of the owner role migrations run as: the service's own,
    /// or, with `DB_MIGRATION_USERNAME`, the same server and database as that user
    /// with `DB_MIGRATION_PASSWORD` (never the service's password).
    pub fn migration_connect_options(&self) -> PgConnectOptions {
        let runtime = self.connect_options();
        let Some(owner) = &self.migration_username else {
            return runtime;
        };
        let mut options = PgConnectOptions::new_without_pgpass()
            .host(runtime.get_host())
            .port(runtime.get_port())
            .ssl_mode(runtime.get_ssl_mode())
            .username(owner)
            .application_name("platform-service");
        if let Some(socket) = runtime.get_socket() {
            options = options.socket(socket);
        }
        if let Some(database) = runtime.get_database() {
            options = options.database(database);
        }
        match &self.migration_password {
            Some(p) => options.password(p),
            None => options,
        }
    }

    /// Whether migrations run as another role than the service's.
    pub fn splits_roles(&self) -> bool {
        let runtime = self.connect_options();
        let owner = self.migration_connect_options();
        runtime.get_username() != owner.get_username()
    }

    /// [`connect_options`](Self::connect_options) with the session limits of a serving
    /// process: `statement_timeout` and `idle_in_transaction_session_timeout`.
    pub fn service_options(&self) -> PgConnectOptions {
        let mut limits = Vec::new();
        if let Some(timeout) = self.statement_timeout {
            limits.push(("statement_timeout", timeout.as_millis()));
        }
        if let Some(timeout) = self.idle_in_transaction_timeout {
            limits.push(("idle_in_transaction_session_timeout", timeout.as_millis()));
        }
        if limits.is_empty() {
            return self.connect_options();
        }
        self.connect_options().options(limits)
    }

    /// [`connect_options`](Self::connect_options) of maintenance work (migrations,
    /// `catchup`, `events`, `republish`): no statement timeout, since a migration or a
    /// rebuild batch may rightly take long, but the idle-in-transaction limit still.
    pub fn maintenance_options(&self) -> PgConnectOptions {
        match self.idle_in_transaction_timeout {
            Some(timeout) => self
                .connect_options()
                .options([("idle_in_transaction_session_timeout", timeout.as_millis())]),
            None => self.connect_options(),
        }
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
