//! Connecting to the event store database, creating it when missing, migrating it.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};
use tracing::info;

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
    /// A read model's table could not be prepared or rebuilt.
    #[error("read model preparation failed: {0}")]
    ReadModel(#[from] platform_read_models::ReadModelError),
}

/// Connects a pool for maintenance work (migrations and the CLI: no statement
/// timeout), creating the database first when it does not exist.
pub async fn connect(config: &DatabaseConfig) -> Result<PgPool, DatabaseError> {
    let options = config.maintenance_options();
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
    pool(config, options)
        .await
        .map_err(|e| unreachable(one_line(&e)))
}

/// Connects the pool a serving process answers requests with: every connection has
/// the configured `statement_timeout` and `idle_in_transaction_session_timeout`.
pub async fn connect_service(config: &DatabaseConfig) -> Result<PgPool, DatabaseError> {
    pool(config, config.service_options())
        .await
        .map_err(|e| DatabaseError::Unreachable {
            target: config.describe(),
            reason: one_line(&e),
        })
}

/// Connects (creating the database when missing), applies the platform migrations and
/// the service's own ([`platform_event_sourcing::register_migrations!`]), and
/// prepares every read model (new ones are built; changed ones are reported stale).
pub async fn connect_and_migrate(
    config: &DatabaseConfig,
) -> Result<(PgPool, Vec<PreparedReadModel>), DatabaseError> {
    let pool = connect(config).await?;
    let migrator = platform_event_sourcing::migrator()?;
    let applied_before = applied_migrations(&pool)
        .await
        .map_err(sqlx::migrate::MigrateError::from)?;
    migrator.run(&pool).await?;
    let known = migrator.iter().count() as i64;
    info!(
        applied = (known - applied_before).max(0),
        version = migrator.iter().map(|m| m.version).max().unwrap_or(0),
        "schema migrated"
    );
    let prepared = platform_read_models::prepare_read_models(&pool).await?;
    Ok((pool, prepared))
}

/// The role's standing towards row-level security on `events`.
#[derive(Debug, sqlx::FromRow)]
struct RoleStanding {
    role: String,
    superuser: bool,
    bypass: bool,
    owner: bool,
    forced: bool,
}

/// Why the database does not enforce tenant isolation for this pool's connections
/// (`None` when it does): row-level security binds only roles that are neither
/// superuser nor `BYPASSRLS`, and table owners only under `FORCE ROW LEVEL SECURITY`.
pub async fn tenant_isolation_gap(pool: &PgPool) -> Result<Option<String>, sqlx::Error> {
    let standing: RoleStanding = sqlx::query_as(
        "SELECT r.rolname::text AS role, r.rolsuper AS superuser, r.rolbypassrls AS bypass, \
                c.relowner = r.oid AS owner, c.relforcerowsecurity AS forced \
         FROM pg_roles r, pg_class c \
         WHERE r.rolname = current_user AND c.oid = 'events'::regclass",
    )
    .fetch_one(pool)
    .await?;
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

async fn pool(config: &DatabaseConfig, options: PgConnectOptions) -> Result<PgPool, sqlx::Error> {
    // Notices ("… already exists, skipping") are not the user's business.
    let options = options.options([("client_min_messages", "warning")]);
    PgPoolOptions::new()
        .max_connections(config.max_connections)
        .acquire_timeout(config.connect_timeout)
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
