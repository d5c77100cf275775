//! The command line of a platform service.

use clap::{Parser, Subcommand};

/// The command line shared by every platform service (`--help` shows the service's own about).
#[derive(Debug, Parser)]
#[command(version)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<CliCommand>,
}

/// Subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum CliCommand {
    /// Create the database if missing, migrate it, and serve HTTP until SIGINT/SIGTERM.
    Serve,
    /// Create the database if missing, apply the migrations, and exit.
    Migrate,
    /// Rebuild read models from the event log into a shadow table and swap it in,
    /// while the service keeps running; resumes an interrupted rebuild.
    Catchup(CatchupArgs),
    /// Publish a range of the event log on the message bus again (for a new
    /// subscriber that needs history); the relay's checkpoint is not touched.
    Republish(RepublishArgs),
    /// Print an aggregate's event stream (the audit trail), payloads upcast.
    Events(EventsArgs),
    /// Print the resolved configuration: service name, environment, database, HTTP
    /// address, exchange, and the files read.
    Config,
    /// Print a development bearer token signed with AUTH_JWT_SECRET (HS256), with
    /// AUTH_ISSUER / AUTH_AUDIENCE when set; refused when ENVIRONMENT=production.
    Token(TokenArgs),
}

/// Whom `token` makes a token for.
#[derive(Debug, Clone, clap::Args)]
pub struct TokenArgs {
    /// The user id (the `sub` claim, or AUTH_CLAIM_USER).
    #[arg(long, value_name = "USER")]
    pub sub: String,
    /// The user's roles, comma-separated.
    #[arg(long, value_name = "ROLE,...", value_delimiter = ',')]
    pub roles: Vec<String>,
    /// The user's tenant (default: none in the token, so the default tenant).
    #[arg(long, value_name = "TENANT")]
    pub tenant: Option<String>,
    /// Seconds until the token expires.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    pub ttl_secs: u64,
}

/// Which stream `events` prints.
#[derive(Debug, Clone, clap::Args)]
pub struct EventsArgs {
    /// The aggregate (stream) id.
    pub aggregate_id: String,
    /// Only events after this version.
    #[arg(long, value_name = "VERSION", default_value_t = 0)]
    pub after_version: i64,
    /// At most this many events.
    #[arg(long, value_name = "N")]
    pub limit: Option<i64>,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
    /// The tenant the stream belongs to.
    #[arg(long, value_name = "TENANT", default_value = platform_core::DEFAULT_TENANT)]
    pub tenant: String,
}

/// Which events `republish` publishes.
#[derive(Debug, Clone, clap::Args)]
pub struct RepublishArgs {
    /// First global position (inclusive; default: the start of the log).
    #[arg(long, value_name = "POSITION")]
    pub from: Option<i64>,
    /// Last global position (inclusive; default: the newest committed event).
    #[arg(long, value_name = "POSITION")]
    pub to: Option<i64>,
    /// Only this event type (repeatable; default: every broadcast type).
    #[arg(long = "event-type", value_name = "TYPE")]
    pub event_type: Vec<String>,
    /// Only events of this tenant's streams (default: every tenant's).
    #[arg(long, value_name = "TENANT")]
    pub tenant: Option<String>,
    /// Publish to this exchange instead of MESSAGE_BUS_EXCHANGE.
    #[arg(long, value_name = "NAME")]
    pub exchange: Option<String>,
    /// Events per confirmed batch (default: RELAY_BATCH_SIZE).
    #[arg(long, value_name = "N")]
    pub batch_size: Option<i64>,
}

/// Which read models `catchup` rebuilds.
#[derive(Debug, Clone, clap::Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["read_model", "all"])))]
pub struct CatchupArgs {
    /// A read model to rebuild, by struct or table name (repeatable).
    #[arg(long = "read-model", value_name = "NAME")]
    pub read_model: Vec<String>,
    /// Rebuild every read model.
    #[arg(long)]
    pub all: bool,
    /// Events per transaction (default: CATCHUP_BATCH_SIZE).
    #[arg(long, value_name = "N")]
    pub batch_size: Option<i64>,
}
