//! A product service on a throwaway database, served in the test's process over
//! real HTTP, with bearer tokens for its callers.

// Each test binary uses a part of these helpers.
#![allow(dead_code)]
use std::time::Duration;

use platform_event_sourcing::testing::{TestDatabase, eventually};
use platform_service::Config;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The HS256 secret the test services verify tokens with.
const SECRET: &str = "product-service-tests-hs256-secret-32+bytes";

/// A token for `sub` with `roles`, valid for an hour.
pub fn token(sub: &str, roles: &[&str]) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({
            "sub": sub,
            "roles": roles,
            "exp": jsonwebtoken::get_current_timestamp() + 3600,
        }),
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("HS256 signs any claims")
}

/// The product service on its own database (as the runtime role, migrated by the
/// owner), with `AUTH_MODE=jwt` and no message bus (broadcast is not under test).
pub struct Catalog {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    http: reqwest::Client,
    /// A user with the `catalog` role.
    pub editor: String,
    /// A signed-in user without it.
    pub reader: String,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
    runtime: sqlx::PgPool,
    _db: TestDatabase,
}

impl Catalog {
    /// Starts a service on a new database.
    pub async fn start() -> anyhow::Result<Self> {
        let db = TestDatabase::new().await?;
        let role = db.runtime_role().await?;
        let overrides = [
            ("DATABASE_URL", role.url.as_str()),
            ("DB_MIGRATION_USERNAME", role.owner.as_str()),
            ("DB_MAX_CONNECTIONS", "8"),
            ("MESSAGE_BUS_ENABLED", "false"),
            ("AUTH_MODE", "jwt"),
            ("AUTH_JWT_SECRET", SECRET),
            ("LOG_LEVEL", "warn"),
        ];
        let config = Config::from_defaults_and(product_service::DEFAULT_CONFIG, &overrides)?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let (tx, rx) = oneshot::channel::<()>();
        let stop = async move {
            let _ = rx.await;
        };
        let server = tokio::spawn(async move {
            product_service::service()
                .serve(config, listener, stop)
                .await
        });
        let catalog = Catalog {
            base_url,
            http: reqwest::Client::new(),
            editor: token("carla", &["catalog"]),
            reader: token("rob", &["customer"]),
            shutdown: Some(tx),
            server: Some(server),
            runtime: role.pool.clone(),
            _db: db,
        };
        let health = format!("{}/health", catalog.base_url);
        eventually(Duration::from_secs(20), "the service to answer", || async {
            let response = catalog.http.get(&health).send().await;
            anyhow::Ok(matches!(&response, Ok(r) if r.status().is_success()).then_some(()))
        })
        .await?;
        Ok(catalog)
    }

    /// The database as the service's runtime role (which owns the `rm_*` tables it
    /// built), for what the service's CLI would do, such as a catch-up rebuild.
    pub fn runtime_pool(&self) -> &sqlx::PgPool {
        &self.runtime
    }

    /// Sends a command as the catalog editor.
    pub async fn command(&self, name: &str, body: Value) -> anyhow::Result<(u16, Value)> {
        self.post(&format!("/api/commands/{name}"), &self.editor, body)
            .await
    }

    /// Asks a query as a reader (no catalog role).
    pub async fn query(&self, name: &str, body: Value) -> anyhow::Result<(u16, Value)> {
        self.post(&format!("/api/queries/{name}"), &self.reader, body)
            .await
    }

    /// POSTs `body` to `path` with a bearer `token`; status and JSON body.
    pub async fn post(&self, path: &str, token: &str, body: Value) -> anyhow::Result<(u16, Value)> {
        let response = self
            .http
            .post(format!("{}{path}", self.base_url))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await?;
        let status = response.status().as_u16();
        Ok((status, response.json().await.unwrap_or(Value::Null)))
    }

    /// Stops the server and reports how it ended.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await??;
        }
        Ok(())
    }
}
