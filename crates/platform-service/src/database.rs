//! Connecting to the event store database, creating it when missing, migrating it.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};
use tracing::{info, warn};

use platform_read_models::PreparedReadModel;

use crate::config::DatabaseConfig;

/// The database cannot be used at start-up.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// The server cannot be reached or refused the login.
    #[error("cannot connect to PostgreSQL at {target}: {reason}")]
    Unreachable {
        /// `host:port/database`.
        target: String,
        /// The cause, on one line.
        reason: String,
    },
    /// The database was missing and could not be created.
    #[error("cannot create database {name}: {reason}")]
    Create {
        /// The database.
        name: String,
        /// The cause.
        reason: String,
    },
    /// A migration failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The owner role could not grant the service's runtime role its privileges
    /// (the role does not exist, or the owner may not grant).
    #[error("cannot grant role {role} its privileges: {reason}")]
    Grant {
        /// The runtime role (`DB_USERNAME`).
        role: String,
        /// The cause.
        reason: String,
    },
    /// The log holds transaction ids the cluster has not reached (restored into another
    /// cluster, or ids moved back): nothing may follow or write the log until the ids
    /// are advanced (the message says how).
    #[error(transparent)]
    RestoredLog(#[from] platform_event_sourcing::RestoredLog),
    /// The event log could not be read at start-up.
    #[error("cannot read the event log: {0}")]
    Log(#[from] platform_event_sourcing::StoreError),
    /// A read model's table could not be prepared or rebuilt.
    #[error("read model preparation failed: {0}")]
    ReadModel(#[from] platform_read_models::ReadModelError),
}

/// Connects a pool as the service's own role (`DB_USERNAME`) for maintenance work
/// (migrations' follow-up, start-up preparation and the CLI: no statement timeout),
/// creating the database first when it does not exist.
pub async fn connect(config: &DatabaseConfig) -> Result<PgPool, DatabaseError> {
    connect_as(config, config.maintenance_options(), config.max_connections).await
}

/// Connects a pool with `options`, creating the database first when it does not exist.
async fn connect_as(
    config: &DatabaseConfig,
    options: PgConnectOptions,
    max_connections: u32,
) -> Result<PgPool, DatabaseError> {
    let unreachable = |reason: String| DatabaseError::Unreachable {
        target: config.describe(),
        reason,
    };
    // One direct attempt first: it reports the real cause (refused, unknown host, bad
    // login, missing database) where a pool would only report a timeout.
    let probe = tokio::time::timeout(config.connect_timeout, options.connect())
        .await
        .map_err(|_| unreachable(format!("no answer within {:?}", config.connect_timeout)))?;
    match probe {
        Ok(conn) => {
            let _ = conn.close().await;
        }
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("3D000") => {
            create_database(config, &options).await?;
        }
        Err(e) => return Err(unreachable(one_line(&e))),
    }
    pool(config, options, max_connections)
        .await
        .map_err(|e| unreachable(one_line(&e)))
}

/// Connects the pool a serving process answers requests with, as the service's own
/// role: every connection has the configured `statement_timeout` and
/// `idle_in_transaction_session_timeout`.
pub async fn connect_service(config: &DatabaseConfig) -> Result<PgPool, DatabaseError> {
    pool(config, config.service_options(), config.max_connections)
        .await
        .map_err(|e| DatabaseError::Unreachable {
            target: config.describe(),
            reason: one_line(&e),
        })
}

/// Applies the migrations as the owner role (see [`migrate`]), then connects as the
/// service's own role (a maintenance pool, without statement timeout), refuses a log
/// restored into a cluster whose transaction ids are behind it
/// ([`DatabaseError::RestoredLog`]), and prepares every read model (new ones are
/// built; changed ones are reported stale).
pub async fn connect_and_migrate(
    config: &DatabaseConfig,
) -> Result<(PgPool, Vec<PreparedReadModel>), DatabaseError> {
    migrate(config).await?;
    let pool = connect(config).await?;
    // Before anything follows the log (preparing a new read model reads it).
    if let Some(restored) = platform_event_sourcing::restored_log(&pool).await? {
        return Err(DatabaseError::RestoredLog(restored));
    }
    let prepared = platform_read_models::prepare_read_models(&pool).await?;
    Ok((pool, prepared))
}

/// Connects as the owner role (`DB_MIGRATION_USERNAME`, else the service's own),
/// creating the database when missing, applies the platform migrations and the
/// service's own ([`platform_event_sourcing::register_migrations!`]), and, when the
/// service runs as another role, grants that role what it may do
/// (`platform_grant_runtime`: read and append the log, nothing more on it).
pub async fn migrate(config: &DatabaseConfig) -> Result<(), DatabaseError> {
    let owner = connect_as(config, config.migration_connect_options(), 2).await?;
    let migrator = platform_event_sourcing::migrator()?;
    let applied_before = applied_migrations(&owner)
        .await
        .map_err(sqlx::migrate::MigrateError::from)?;
    migrator.run(&owner).await?;
    let known = migrator.iter().count() as i64;
    info!(
        applied = (known - applied_before).max(0),
        version = migrator.iter().map(|m| m.version).max().unwrap_or(0),
        "schema migrated"
    );
    if config.splits_roles() {
        let runtime = config.connect_options().get_username().to_owned();
        grant_runtime(&owner, &runtime).await?;
    }
    owner.close().await;
    Ok(())
}

/// Grants the service's runtime role its privileges, and hands it the tables it
/// rebuilds and recreates (`rm_*`, `platform_inbox`) that the owner still owns from
/// before the roles were split; where the owner may not, it says so.
async fn grant_runtime(owner: &PgPool, runtime: &str) -> Result<(), DatabaseError> {
    let refused = |e: sqlx::Error| DatabaseError::Grant {
        role: runtime.to_owned(),
        reason: one_line(&e),
    };
    // One grant at a time: instances starting together would otherwise update the
    // same catalog rows concurrently, and PostgreSQL fails one of them.
    let mut tx = owner.begin().await.map_err(refused)?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('platform.grant_runtime'))")
        .execute(&mut *tx)
        .await
        .map_err(refused)?;
    sqlx::query("SELECT platform_grant_runtime($1)")
        .bind(runtime)
        .execute(&mut *tx)
        .await
        .map_err(refused)?;
    tx.commit().await.map_err(refused)?;
    let owned: Vec<String> = sqlx::query_scalar(
        r#"
SELECT c.relname::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r'
  AND (c.relname LIKE 'rm\_%' OR c.relname = 'platform_inbox')
  AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
"#,
    )
    .fetch_all(owner)
    .await
    .map_err(refused)?;
    for table in owned {
        let sql = format!(
            "ALTER TABLE {} OWNER TO {}",
            quote_identifier(&table),
            quote_identifier(runtime)
        );
        match sqlx::query(&sql).execute(owner).await {
            Ok(_) => info!(%table, role = runtime, "table handed to the runtime role"),
            Err(e) => warn!(
                %table,
                role = runtime,
                cause = %one_line(&e),
                "the runtime role cannot rebuild this table until it owns it"
            ),
        }
    }
    Ok(())
}

/// `name` as a double-quoted SQL identifier.
fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// What the pool's role may do to `events`: the log's immutability and row-level
/// security depend on it.
#[derive(Debug, sqlx::FromRow)]
struct RoleStanding {
    role: String,
    superuser: bool,
    bypass: bool,
    owner: bool,
    forced: bool,
    may_change: bool,
}

impl RoleStanding {
    async fn of(pool: &PgPool) -> Result<Self, sqlx::Error> {
        sqlx::query_as(
            "SELECT r.rolname::text AS role, r.rolsuper AS superuser, \
                    r.rolbypassrls AS bypass, c.relowner = r.oid AS owner, \
                    c.relforcerowsecurity AS forced, \
                    has_table_privilege('events', 'UPDATE, DELETE, TRUNCATE, TRIGGER') \
                        AS may_change \
             FROM pg_roles r, pg_class c \
             WHERE r.rolname = current_user AND c.oid = 'events'::regclass",
        )
        .fetch_one(pool)
        .await
    }
}

/// Why the log's immutability rests on its triggers alone for this pool's role
/// (`None` when the role may only read and append the log): a superuser or the owner
/// of `events` can disable the triggers, and a role granted `UPDATE`, `DELETE` or
/// `TRUNCATE` on it is held back by nothing else.
pub async fn log_immutability_gap(pool: &PgPool) -> Result<Option<String>, sqlx::Error> {
    let standing = RoleStanding::of(pool).await?;
    let role = &standing.role;
    Ok(if standing.superuser {
        Some(format!("role {role} is a superuser"))
    } else if standing.owner {
        Some(format!("role {role} owns the events table"))
    } else if standing.may_change {
        Some(format!(
            "role {role} may UPDATE, DELETE, TRUNCATE or add triggers on events"
        ))
    } else {
        None
    })
}

/// Why the database does not enforce tenant isolation for this pool's connections
/// (`None` when it does): row-level security binds only roles that are neither
/// superuser nor `BYPASSRLS`, and table owners only under `FORCE ROW LEVEL SECURITY`.
pub async fn tenant_isolation_gap(pool: &PgPool) -> Result<Option<String>, sqlx::Error> {
    let standing = RoleStanding::of(pool).await?;
    let role = &standing.role;
    Ok(if standing.superuser {
        Some(format!("role {role} is a superuser"))
    } else if standing.bypass {
        Some(format!("role {role} has BYPASSRLS"))
    } else if standing.owner && !standing.forced {
        Some(format!("role {role} owns the tables"))
    } else {
        None
    })
}

/// How many migrations the database has applied (0 before the first).
async fn applied_migrations(pool: &PgPool) -> Result<i64, sqlx::Error> {
    let table: Option<String> = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations')::text")
        .fetch_one(pool)
        .await?;
    match table {
        None => Ok(0),
        Some(_) => {
            sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
                .fetch_one(pool)
                .await
        }
    }
}

/// How long a pooled connection may have been idle before it is pinged on acquire.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

async fn pool(
    config: &DatabaseConfig,
    options: PgConnectOptions,
    max_connections: u32,
) -> Result<PgPool, sqlx::Error> {
    // Notices ("… already exists, skipping") are not the user's business.
    let options = options.options([("client_min_messages", "warning")]);
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(config.connect_timeout)
        // A connection used within the last second is alive: pinging it on every
        // acquire would cost each statement a second round trip. One idle longer (the
        // server may have restarted meanwhile) is pinged, and replaced when it fails.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for < PING_WHEN_IDLE_FOR {
                    return Ok(true);
                }
                Ok(conn.ping().await.is_ok())
            })
        })
        .connect_with(options)
        .await
}

async fn create_database(
    config: &DatabaseConfig,
    options: &PgConnectOptions,
) -> Result<(), DatabaseError> {
    let name = options.get_database().unwrap_or_default().to_owned();
    let error = |reason: String| DatabaseError::Create {
        name: name.clone(),
        reason,
    };
    let mut admin = tokio::time::timeout(
        config.connect_timeout,
        options.clone().database("postgres").connect(),
    )
    .await
    .map_err(|_| error("timed out connecting to the postgres database".to_owned()))?
    .map_err(|e| error(one_line(&e)))?;
    let sql = format!(r#"CREATE DATABASE "{}""#, name.replace('"', "\"\""));
    match sqlx::query(&sql).execute(&mut admin).await {
        Ok(_) => info!(database = %name, "created database"),
        // Another instance created it first.
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
        Err(e) => return Err(error(one_line(&e))),
    }
    let _ = admin.close().await;
    Ok(())
}

fn one_line(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::PoolTimedOut => "timed out waiting for a connection".to_owned(),
        other => other.to_string().replace('\n', " "),
    }
}
