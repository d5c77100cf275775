//! Test helpers: a throwaway PostgreSQL database per test, dropped when the test ends
//! (pass or fail), [`eventually`], which waits for an effect by polling it, and
//! [`CutProxy`], which loses an append's reply on purpose.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};
use std::str::FromStr;
use std::time::Duration;

use crate::migrator;

mod proxy;
pub use proxy::{Cut, CutProxy};

/// The server tests use: `TEST_DATABASE_URL`, else `DATABASE_URL`, else the local default.
pub fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A freshly created, migrated database with a unique name.
#[derive(Debug)]
pub struct TestDatabase {
    /// Pool connected to the database.
    pub pool: PgPool,
    /// The database's name.
    pub name: String,
    server: PgConnectOptions,
}

impl TestDatabase {
    /// Creates and migrates a new database on the test server.
    pub async fn new() -> Result<Self, sqlx::Error> {
        let db = Self::empty().await?;
        migrator()?.run(&db.pool).await?;
        Ok(db)
    }

    /// Creates a new database on the test server without migrating it.
    pub async fn empty() -> Result<Self, sqlx::Error> {
        let server = PgConnectOptions::from_str(&server_url())?;
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = server.connect().await?;
        sqlx::query(&format!(r#"CREATE DATABASE "{name}""#))
            .execute(&mut admin)
            .await?;
        admin.close().await?;
        let pool = PgPoolOptions::new()
            .max_connections(20)
            .connect_with(server.clone().database(&name))
            .await?;
        Ok(TestDatabase { pool, name, server })
    }

    /// A unique database name, not created yet (for code under test that creates it);
    /// dropped like any other when the handle is dropped.
    pub fn reserve() -> Result<Self, sqlx::Error> {
        let server = PgConnectOptions::from_str(&server_url())?;
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let pool = PgPoolOptions::new().connect_lazy_with(server.clone().database(&name));
        Ok(TestDatabase { pool, name, server })
    }

    /// A connection URL of this database.
    pub fn url(&self) -> String {
        self.options().to_url_lossy().to_string()
    }

    /// Connection options of this database.
    pub fn options(&self) -> PgConnectOptions {
        self.server.clone().database(&self.name)
    }
}

/// An event row as another program, or an older version of this code, stored it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    tenant_id: String,
    aggregate_type: String,
    stream_id: String,
    version: i64,
    event_type: String,
    schema_version: i32,
    payload: serde_json::Value,
    metadata: serde_json::Value,
}

impl StoredEvent {
    /// Event `version` of a stream, in schema version 1 with empty metadata.
    pub fn new(
        aggregate_type: &str,
        stream_id: &str,
        version: i64,
        event_type: &str,
        payload: serde_json::Value,
    ) -> Self {
        StoredEvent {
            tenant_id: platform_core::DEFAULT_TENANT.to_owned(),
            aggregate_type: aggregate_type.to_owned(),
            stream_id: stream_id.to_owned(),
            version,
            event_type: event_type.to_owned(),
            schema_version: 1,
            payload,
            metadata: serde_json::json!({}),
        }
    }

    /// The same event with this metadata.
    pub fn metadata(self, metadata: serde_json::Value) -> Self {
        StoredEvent { metadata, ..self }
    }

    /// The same event in another tenant's stream.
    pub fn tenant(self, tenant: &str) -> Self {
        StoredEvent {
            tenant_id: tenant.to_owned(),
            ..self
        }
    }
}

impl TestDatabase {
    /// Writes event rows straight into the log, in order, in one transaction,
    /// bypassing the store (no version check, no projection).
    pub async fn insert_events(&self, events: &[StoredEvent]) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        for event in events {
            sqlx::query(
                "INSERT INTO events (event_id, tenant_id, stream_id, aggregate_type, version, \
                 event_type, schema_version, payload, metadata) \
                 VALUES (gen_random_uuid(), $8, $1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&event.stream_id)
            .bind(&event.aggregate_type)
            .bind(event.version)
            .bind(&event.event_type)
            .bind(event.schema_version)
            .bind(&event.payload)
            .bind(&event.metadata)
            .bind(&event.tenant_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await
    }
}

/// A login role of its own on the test server, neither superuser nor `BYPASSRLS` nor
/// owner of anything, allowed to read and write every table of one test database:
/// row-level security binds it. Dropped with its privileges when the handle is dropped.
#[derive(Debug)]
pub struct TestRole {
    /// Pool connected to the database as the role.
    pub pool: PgPool,
    /// The role's name.
    pub name: String,
    database: PgConnectOptions,
}

impl TestDatabase {
    /// A role subject to row-level security on this database (see [`TestRole`]).
    pub async fn restricted_role(&self) -> Result<TestRole, sqlx::Error> {
        let name = format!("role_{}", uuid::Uuid::new_v4().simple());
        for statement in [
            format!(r#"CREATE ROLE "{name}" LOGIN NOSUPERUSER NOBYPASSRLS"#),
            format!(r#"GRANT USAGE ON SCHEMA public TO "{name}""#),
            format!(
                r#"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{name}""#
            ),
        ] {
            sqlx::query(&statement).execute(&self.pool).await?;
        }
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .connect_with(self.options().username(&name))
            .await?;
        Ok(TestRole {
            pool,
            name,
            database: self.options(),
        })
    }
}

/// The login role a service runs as on one test database, beside the database's owner
/// (see [`TestDatabase::runtime_role`]). Dropped with the database.
#[derive(Debug)]
pub struct RuntimeRole {
    /// Pool connected to the database as the role (lazily: the database may not
    /// exist yet).
    pub pool: PgPool,
    /// The role's name, `<database>_runtime`.
    pub name: String,
    /// A connection URL of the database as the role.
    pub url: String,
    /// The owner role migrations run as (the test server's user).
    pub owner: String,
}

impl TestDatabase {
    /// The role a service runs as on this database (`<database>_runtime`), created
    /// on first use: neither superuser nor owner of anything the owner created, granted
    /// what `platform_grant_runtime` grants (read and append `events`, nothing more on
    /// it) once the database is migrated. Row-level security binds it (no
    /// `BYPASSRLS`): the service names the tenant of every statement. It has
    /// `pg_read_all_stats`, so that `/health` can tell the age of other roles'
    /// transactions. Roles belong to the whole server, so the role is dropped when this
    /// database is.
    pub async fn runtime_role(&self) -> Result<RuntimeRole, sqlx::Error> {
        let name = runtime_role_name(&self.name);
        let mut admin = self.server.connect().await?;
        let create = sqlx::query(&format!(
            r#"CREATE ROLE "{name}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"#
        ))
        .execute(&mut admin)
        .await;
        match create {
            // Created by an earlier call.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42710") => {}
            other => {
                other?;
            }
        }
        // So that /health can tell the age of other roles' open transactions.
        sqlx::query(&format!(r#"GRANT pg_read_all_stats TO "{name}""#))
            .execute(&mut admin)
            .await?;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(&self.name)
                .fetch_one(&mut admin)
                .await?;
        admin.close().await?;
        if exists
            && sqlx::query_scalar::<_, Option<String>>(
                "SELECT to_regproc('platform_grant_runtime')::text",
            )
            .fetch_one(&self.pool)
            .await?
            .is_some()
        {
            sqlx::query("SELECT platform_grant_runtime($1)")
                .bind(&name)
                .execute(&self.pool)
                .await?;
        }
        let options = self.options().username(&name);
        Ok(RuntimeRole {
            pool: PgPoolOptions::new()
                .max_connections(4)
                .connect_lazy_with(options.clone()),
            url: options.to_url_lossy().to_string(),
            owner: self.server.get_username().to_owned(),
            name,
        })
    }
}

/// The runtime role of a test database.
/// Runs `cleanup` to its end on a thread of its own, for a `Drop` inside an async test
/// (which cannot await); cleanup is best effort, so failures are ignored.
fn clean_up(cleanup: impl Future<Output = ()> + Send + 'static) {
    let thread = std::thread::spawn(move || {
        if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            runtime.block_on(cleanup);
        }
    });
    let _ = thread.join();
}

fn runtime_role_name(database: &str) -> String {
    format!("{database}_runtime")
}

impl Drop for TestRole {
    fn drop(&mut self) {
        let (name, database) = (self.name.clone(), self.database.clone());
        clean_up(async move {
            let Ok(mut admin) = database.connect().await else {
                return;
            };
            for statement in [
                format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE usename = '{name}'"
                ),
                format!(r#"DROP OWNED BY "{name}""#),
                format!(r#"DROP ROLE IF EXISTS "{name}""#),
            ] {
                let _ = sqlx::query(&statement).execute(&mut admin).await;
            }
            let _ = admin.close().await;
        });
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        let server = self.server.clone();
        clean_up(async move {
            if let Ok(mut admin) = server.connect().await {
                let role = runtime_role_name(&name);
                // The role's objects and privileges go with the database.
                for statement in [
                    format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#),
                    format!(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                         WHERE usename = '{role}'"
                    ),
                    format!(r#"DROP ROLE IF EXISTS "{role}""#),
                ] {
                    let _ = sqlx::query(&statement).execute(&mut admin).await;
                }
                let _ = admin.close().await;
            }
        });
    }
}

/// How often [`eventually`] probes.
pub const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// An awaited effect did not show up before the deadline.
#[derive(Debug, thiserror::Error)]
#[error("timed out after {deadline:?} waiting for {what}")]
pub struct Timeout {
    /// What was waited for, as the caller named it.
    pub what: String,
    /// How long it was waited for.
    pub deadline: Duration,
}

/// Polls `probe` every [`POLL_INTERVAL`] until it returns `Some`, and returns that value.
///
/// Fails with the probe's own error as soon as it returns one, or with a [`Timeout`]
/// naming `what` once `deadline` has passed (the probe runs once more at the deadline).
/// Uses tokio's clock, so it also works under `tokio::time::pause()`.
///
/// ```
/// use std::time::Duration;
/// use platform_event_sourcing::testing::{Timeout, eventually};
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let mut polls = 0;
/// let third = eventually(Duration::from_secs(1), "the third poll", || {
///     polls += 1;
///     let n = polls;
///     async move { Ok::<_, Timeout>((n == 3).then_some(n)) }
/// })
/// .await?;
/// assert_eq!(third, 3);
///
/// let never = eventually(Duration::from_millis(50), "a miracle", || async {
///     Ok::<Option<()>, Timeout>(None)
/// })
/// .await;
/// assert_eq!(
///     never.unwrap_err().to_string(),
///     "timed out after 50ms waiting for a miracle"
/// );
/// # Ok::<(), Timeout>(())
/// # }).unwrap();
/// ```
pub async fn eventually<T, E, F, Fut>(deadline: Duration, what: &str, mut probe: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, E>>,
    E: From<Timeout>,
{
    let until = tokio::time::Instant::now() + deadline;
    loop {
        if let Some(value) = probe().await? {
            return Ok(value);
        }
        if tokio::time::Instant::now() >= until {
            return Err(Timeout {
                what: what.to_owned(),
                deadline,
            }
            .into());
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}
