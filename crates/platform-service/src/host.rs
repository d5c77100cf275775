//! The service host: CLI, config, tracing, database, HTTP server, graceful shutdown.

use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{CommandFactory, FromArgMatches};
use platform_core::Providers;
use platform_read_models::{ProjectorOptions, ReadModelStatus, spawn_projectors};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::time::Instant;
use tracing::{info, warn};

use crate::auth::{Verifier, issue_development_token};
use crate::catchup;
use crate::cli::{Cli, CliCommand, TokenArgs};
use crate::config::{Config, JwtKeys};
use crate::context::AppState;
use crate::database::{
    connect_and_migrate, connect_service, log_immutability_gap, tenant_isolation_gap,
};
use crate::events;
use crate::http::idempotency;
use crate::http::router_with;
use crate::http::server::{self, Drained, ServerLimits};
use crate::messaging;
use crate::module::{Hosting, Module};
use crate::read_models;
use crate::registry;
use crate::telemetry::Telemetry;
use crate::tool::{Tool, ToolEntry};

/// A platform service: built in `main` from its default configuration and the
/// modules it hosts, then run.
#[derive(Debug, Clone)]
pub struct Service {
    defaults_toml: &'static str,
    config_dir: Option<&'static str>,
    about: &'static str,
    modules: Vec<Module>,
    overrides: Providers,
    tools: Vec<ToolEntry>,
}

impl Service {
    /// A service whose built-in defaults are this TOML (its `config/default.toml`).
    pub fn new(defaults_toml: &'static str) -> Self {
        Service {
            defaults_toml,
            config_dir: None,
            about: "An event-sourced service on the platform.",
            modules: Vec::new(),
            overrides: Providers::new(),
            tools: Vec::new(),
        }
    }

    /// Adds the service's own subcommand `T::NAME` (run with the service's state: its
    /// database migrated, its modules and providers resolved).
    pub fn tool<T: Tool>(mut self) -> Self {
        self.tools.push(ToolEntry::of::<T>());
        self
    }

    /// Hosts `module` (see [`module!`](crate::module)). A service hosting no module
    /// hosts one named after it, owning everything registered in the binary.
    pub fn module(mut self, module: Module) -> Self {
        self.modules.push(module);
        self
    }

    /// Uses `value` as the provider of its type, in place of the one a module builds
    /// (a test's fake: `service().provide(FakeMailer::default())`).
    pub fn provide<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.overrides.insert(value);
        self
    }

    /// The hosted modules resolved against `config` (`MODULES`), their providers
    /// built and what their handlers require checked.
    pub fn hosting(&self, config: &Config) -> Result<Hosting, crate::ModuleError> {
        Hosting::resolve(&self.modules, config, &self.overrides)
    }

    /// Serves the hosted modules on `listener` with `config` until `shutdown` (what
    /// `run` does for `serve`, for tests and embedding).
    pub async fn serve(
        &self,
        config: Config,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let hosting = self.hosting(&config)?;
        serve_hosting(config, hosting, listener, shutdown).await
    }

    /// The service's own config directory (its crate's `config/`, e.g.
    /// `concat!(env!("CARGO_MANIFEST_DIR"), "/config")`): read when it exists and
    /// `CONFIG_DIR` is not set, whatever the working directory.
    pub fn config_dir(self, dir: &'static str) -> Self {
        Service {
            config_dir: Some(dir),
            ..self
        }
    }

    /// The one-line description shown by `--help`.
    pub fn about(self, about: &'static str) -> Self {
        Service { about, ..self }
    }

    /// Parses the command line, runs the subcommand, and maps failure to a one-line
    /// error on stderr and a non-zero exit code.
    pub fn run(self) -> ExitCode {
        let mut command = Cli::command().about(self.about);
        for tool in &self.tools {
            command = command.subcommand((tool.command)());
        }
        let matches = command.get_matches();
        let tool = matches.subcommand().and_then(|(name, sub)| {
            self.tools
                .iter()
                .find(|t| t.name == name)
                .map(|t| (*t, sub.clone()))
        });
        if let Some((tool, sub)) = tool {
            return self.run_tool(tool, &sub);
        }
        let cli = match Cli::from_arg_matches(&matches) {
            Ok(cli) => cli,
            Err(err) => err.exit(),
        };
        let config = match self.load_config() {
            Ok(config) => config,
            Err(code) => return code,
        };
        if let Some(CliCommand::Token(args)) = &cli.command {
            return print_token(&config, args);
        }
        if let Some(CliCommand::Config) = &cli.command {
            return print_config(&config, &self.modules);
        }
        let command = cli.command.unwrap_or(CliCommand::Serve);
        self.block_on(config, |service, config| async move {
            service.execute(command, config).await
        })
    }

    /// The configuration, or exit code 2 with one line saying what is wrong.
    fn load_config(&self) -> Result<Config, ExitCode> {
        let own_dir = self.config_dir.map(std::path::Path::new);
        Config::load(self.defaults_toml, own_dir).map_err(|err| {
            eprintln!("error: configuration: {err}");
            ExitCode::from(2)
        })
    }

    /// Runs `tool` with the service's state.
    fn run_tool(&self, tool: ToolEntry, matches: &clap::ArgMatches) -> ExitCode {
        let config = match self.load_config() {
            Ok(config) => config,
            Err(code) => return code,
        };
        let matches = matches.clone();
        self.block_on(config, |service, config| async move {
            let hosting = service.hosting(&config)?;
            let (pool, _) = connect_and_migrate(&config.database).await?;
            let state = AppState::hosting(config, pool.clone(), false, hosting);
            let outcome = (tool.run)(state, &matches).await;
            pool.close().await;
            outcome
        })
    }

    /// Starts telemetry and the async runtime, runs `work`, and maps its outcome to an
    /// exit code (one line on stderr when it failed).
    fn block_on<F, Fut>(&self, config: Config, work: F) -> ExitCode
    where
        F: FnOnce(Service, Config) -> Fut,
        Fut: Future<Output = anyhow::Result<()>>,
    {
        let telemetry = Telemetry::init(&config);
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(err) => {
                eprintln!("error: cannot start the async runtime: {err}");
                return ExitCode::FAILURE;
            }
        };
        let outcome = runtime.block_on(work(self.clone(), config));
        // Tasks still running (a command whose client was answered or dropped) are not
        // waited for: their connections close and PostgreSQL rolls them back.
        runtime.shutdown_timeout(Duration::from_secs(1));
        telemetry.shutdown();
        match outcome {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {err:#}");
                ExitCode::FAILURE
            }
        }
    }
}

/// `config`: prints what the service resolved: its name, database, address, exchange,
/// modules and the files read.
fn print_config(config: &Config, modules: &[Module]) -> ExitCode {
    let files = if config.files.is_empty() {
        "none (built-in defaults and the environment)".to_owned()
    } else {
        config.files.join(", ")
    };
    let modules = if modules.is_empty() {
        format!("{} (everything in the binary)", config.service_name)
    } else {
        modules
            .iter()
            .map(|m| {
                let on = config
                    .modules
                    .as_ref()
                    .is_none_or(|wanted| wanted.iter().any(|w| w == m.name()));
                if on {
                    m.name().to_owned()
                } else {
                    format!("{} (off)", m.name())
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let text = format!(
        "service: {}\nenvironment: {}\ndatabase: {}\nhttp: {}:{}\nexchange: {}\nmodules: {modules}\nfiles: {files}\n",
        config.service_name,
        config.environment,
        config.database.describe(),
        config.http.host,
        config.http.port,
        config.message_bus.exchange,
    );
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

/// `token`: prints a development token, or one line saying why not (exit 2).
fn print_token(config: &Config, args: &TokenArgs) -> ExitCode {
    let ttl = Duration::from_secs(args.ttl_secs);
    match issue_development_token(config, &args.sub, &args.roles, args.tenant.as_deref(), ttl) {
        Ok(token) => match writeln!(std::io::stdout().lock(), "{token}") {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::FAILURE,
        },
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}

impl Service {
    async fn execute(&self, command: CliCommand, config: Config) -> anyhow::Result<()> {
        match command {
            CliCommand::Serve => {
                // Modules and providers first: a missing one stops start-up before the
                // port is taken.
                let hosting = self.hosting(&config)?;
                let addr = SocketAddr::new(config.http.host, config.http.port);
                let listener = TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen on {addr}"))?;
                serve_hosting(config, hosting, listener, shutdown_signal()).await
            }
            CliCommand::Republish(args) => {
                let hosting = self.hosting(&config)?;
                let (pool, _) = connect_and_migrate(&config.database).await?;
                messaging::republish(&pool, &config, &hosting, &args).await
            }
            other => execute(other, config).await,
        }
    }
}

async fn execute(command: CliCommand, config: Config) -> anyhow::Result<()> {
    match command {
        CliCommand::Migrate => {
            let (_, prepared) = connect_and_migrate(&config.database).await?;
            info!(database = %config.database.describe(), "migrations applied");
            for stale in prepared
                .iter()
                .filter(|p| p.status == ReadModelStatus::Stale)
            {
                warn!(
                    read_model = stale.model.name,
                    "stale: run `catchup --read-model {}`", stale.model.name
                );
            }
            Ok(())
        }
        CliCommand::Catchup(args) => {
            let models = catchup::select(&args)?;
            let (pool, _) = connect_and_migrate(&config.database).await?;
            catchup::run(&pool, &config, &models, args.batch_size).await
        }
        CliCommand::Events(args) => {
            let (pool, _) = connect_and_migrate(&config.database).await?;
            events::print(&pool, &args).await
        }
        // Handled by the service (its modules), or before the runtime starts.
        CliCommand::Serve
        | CliCommand::Republish(_)
        | CliCommand::Token(_)
        | CliCommand::Config => Ok(()),
    }
}

/// The verifier of `jwt` mode with its keys read, or `None` (with a warning) in `none`
/// mode. A JWKS file that cannot be read stops start-up; an issuer that cannot be
/// reached is retried when a token needs its keys.
async fn authentication(config: &Config) -> anyhow::Result<Option<Verifier>> {
    let Some(verifier) = Verifier::from_config(&config.auth) else {
        warn!(
            "AUTH_MODE=none: every request is anonymous and access rules are not enforced; use AUTH_MODE=jwt outside development"
        );
        return Ok(None);
    };
    match (verifier.preload().await, &config.auth.keys) {
        (Ok(keys), _) => info!(
            verification = verifier.describe(),
            keys, "bearer tokens are verified"
        ),
        (Err(cause), Some(JwtKeys::JwksFile(_))) => bail!("{cause}"),
        (Err(cause), _) => {
            warn!(%cause, "the issuer's keys are not loaded yet; retrying when a token needs them")
        }
    }
    Ok(Some(verifier))
}

/// Prepares the database and serves HTTP on `listener` until `shutdown` completes,
/// then lets open requests finish for up to `SHUTDOWN_TIMEOUT_S` (dropping those still
/// open then) while background tasks (relay, subscribers, projectors) stop. Serves
/// everything registered in the binary as one module; [`Service::serve`] serves a
/// service's modules.
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let hosting = Hosting::resolve(&[], &config, &Providers::new())?;
    serve_hosting(config, hosting, listener, shutdown).await
}

async fn serve_hosting(
    config: Config,
    hosting: Hosting,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    info!(
        service = %config.service_name,
        environment = %config.environment,
        database = %config.database.describe(),
        addr = %listener.local_addr()?,
        exchange = %config.message_bus.exchange,
        files = ?config.files,
        "configuration resolved"
    );
    let duplicates = registry::duplicate_names();
    if !duplicates.is_empty() {
        bail!(
            "handlers registered more than once: {}",
            duplicates.join(", ")
        );
    }
    let upcasters = platform_core::conflicting_upcasters();
    if !upcasters.is_empty() {
        bail!(
            "more than one upcaster registered for: {}",
            upcasters.join(", ")
        );
    }
    let verifier = authentication(&config).await?;
    // Migrations and read-model preparation run without a statement timeout; requests
    // and background work then run on connections that have one.
    let (maintenance, prepared) = connect_and_migrate(&config.database).await?;
    maintenance.close().await;
    let pool = connect_service(&config.database).await?;
    info!(database = %config.database.describe(), "event store ready");
    if let Some(reason) = log_immutability_gap(&pool).await? {
        warn!(
            %reason,
            "the event log's immutability rests on its triggers alone, which this role \
             can disable or bypass: run migrations as the owner role \
             (DB_MIGRATION_USERNAME) and the service as a role that may only read and \
             append the log (DB_USERNAME)"
        );
    }
    let gap = tenant_isolation_gap(&pool).await?;
    if let Some(reason) = &gap {
        warn!(
            %reason,
            "the database does not enforce tenant isolation for this connection \
             (row-level security binds only roles that are neither superuser, BYPASSRLS \
             nor table owner); the service still scopes every read and write to the \
             caller's tenant"
        );
    }
    for module in hosting.modules() {
        let summary = hosting
            .describe()
            .into_iter()
            .find(|s| s.name == module.name);
        if module.enabled {
            info!(
                module = module.name,
                commands = ?summary.as_ref().map(|s| &s.commands),
                queries = ?summary.as_ref().map(|s| &s.queries),
                subscribers = ?summary.as_ref().map(|s| &s.subscribers),
                read_models = ?summary.as_ref().map(|s| &s.read_models),
                "module hosted"
            );
        } else {
            info!(module = module.name, "module switched off by MODULES");
        }
    }
    let providers = hosting.providers().type_names();
    if !providers.is_empty() {
        info!(?providers, "providers built");
    }
    let state = AppState::hosting(config, pool.clone(), gap.is_none(), hosting);
    let (stop, stopped) = watch::channel(false);
    let mut tasks = vec![state.notifier().spawn(pool.clone(), stopped.clone())];
    for stale in prepared
        .iter()
        .filter(|p| p.status == ReadModelStatus::Stale)
    {
        // Paused before the first request: no command projects into a stale table.
        state.gate().pause(stale.model).await;
        tasks.push(tokio::spawn(read_models::handle_stale(
            state.clone(),
            stale.model,
            stopped.clone(),
        )));
    }
    let options = ProjectorOptions {
        poll_interval: state.config().read_models.projector_poll_interval,
        ..ProjectorOptions::default()
    };
    if state.config().read_models.projectors_enabled {
        tasks.extend(spawn_projectors(&pool, options, state.monitor(), &stopped));
    } else {
        info!("async projectors not run in this process (PROJECTORS_ENABLED=false)");
    }
    tasks.extend(messaging::spawn(&state, &pool, &stopped));
    tasks.push(idempotency::spawn_expiry(
        pool.clone(),
        state.config().commands.idempotency_key_ttl,
        Duration::from_secs(600),
        stopped.clone(),
    ));
    let addr = listener.local_addr()?;
    info!(
        %addr,
        commands = ?state.modules().commands().iter().map(|c| c.name).collect::<Vec<_>>(),
        queries = ?state.modules().queries().iter().map(|q| q.name).collect::<Vec<_>>(),
        "serving HTTP"
    );
    let limits = ServerLimits {
        header_read_timeout: state.config().http.header_read_timeout,
        shutdown_timeout: state.config().http.shutdown_timeout,
    };
    // Background work stops as soon as the signal comes, alongside the HTTP drain, so
    // that all of it fits in SHUTDOWN_TIMEOUT_S.
    let (signalled, signal) = oneshot::channel::<()>();
    let shutdown = async move {
        shutdown.await;
        let _ = signalled.send(());
    };
    let background = async move {
        if signal.await.is_err() {
            return Vec::new();
        }
        let deadline = Instant::now() + limits.shutdown_timeout;
        let _ = stop.send(true);
        let mut unfinished = Vec::new();
        for mut task in tasks {
            if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
                task.abort();
                unfinished.push(task);
            }
        }
        unfinished
    };
    let (drained, unfinished) = tokio::join!(
        server::serve(listener, router_with(state, verifier), limits, shutdown),
        background
    );
    if !unfinished.is_empty() {
        warn!(
            tasks = unfinished.len(),
            "background tasks did not stop within SHUTDOWN_TIMEOUT_S; stopped them"
        );
    }
    // Connections of commands still running (their clients already answered) are not
    // waited for: dropping them rolls their transactions back in PostgreSQL.
    if tokio::time::timeout(Duration::from_secs(1), pool.close())
        .await
        .is_err()
    {
        warn!("database connections still busy at exit; their transactions roll back");
    }
    match drained {
        Drained::Cleanly if unfinished.is_empty() => info!("shut down cleanly"),
        Drained::Cleanly => info!("shut down"),
        Drained::Dropped(connections) => warn!(
            connections,
            timeout_s = limits.shutdown_timeout.as_secs(),
            "shut down with requests still open after SHUTDOWN_TIMEOUT_S; they were dropped"
        ),
    }
    Ok(())
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => info!("SIGINT received, shutting down"),
        () = terminate => info!("SIGTERM received, shutting down"),
    }
}
