//! Helpers of the end-to-end tests: a real order service on a throwaway database.

use std::time::Duration;

use anyhow::Context;
use platform_event_sourcing::testing::{TestDatabase, eventually};
use platform_messaging::testing::TestBus;
use platform_service::Config;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long a test service may take to answer and to connect its relay.
const STARTUP: Duration = Duration::from_secs(20);

/// The HS256 secret of services started with [`TestService::start_jwt`].
pub const TEST_JWT_SECRET: &str = "workspace-tests-hs256-secret-of-32+bytes";

/// A token for `sub` with `roles` (in the default tenant), valid for an hour, signed
/// with [`TEST_JWT_SECRET`].
pub fn token(sub: &str, roles: &[&str]) -> String {
    sign_hs256(
        &serde_json::json!({
            "sub": sub,
            "roles": roles,
            "exp": jsonwebtoken::get_current_timestamp() + 3600,
        }),
        TEST_JWT_SECRET.as_bytes(),
    )
}

/// `claims` signed with HS256 and `secret`.
pub fn sign_hs256(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .expect("HS256 signs any claims")
}

/// What the service answered: status, headers and JSON body (`Null` when not JSON).
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body.
    pub body: Value,
}

impl Answer {
    /// The problem `code` (`""` when the body is no problem).
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }

    /// The `WWW-Authenticate` challenge (`""` when there is none).
    pub fn challenge(&self) -> &str {
        self.headers
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// An order service serving HTTP on a loopback port, on its own database (as the
/// database's runtime role, migrated by its owner), broadcasting on its own exchange.
pub struct TestService {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// HTTP client for the tests.
    pub http: reqwest::Client,
    /// Its `SERVICE_NAME`: `order-service-{exchange}` unless a setting names another,
    /// so its subscribers' durable queues are its own.
    service_name: String,
    /// The test's exchange (deleted when the service is stopped or dropped), which
    /// also deletes the service's subscriber queues.
    bus: Option<TestBus>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestService {
    /// Starts a service on a new database.
    pub async fn start(db: &TestDatabase) -> anyhow::Result<Self> {
        Self::start_with(db, &[]).await
    }

    /// Starts a service on `db` with extra settings (e.g. a small body limit).
    pub async fn start_with(db: &TestDatabase, settings: &[(&str, &str)]) -> anyhow::Result<Self> {
        let bus = TestBus::new().await?;
        Self::start_on(db, bus, settings).await
    }

    /// Starts a service on `db` in `AUTH_MODE=jwt`, verifying HS256 tokens signed with
    /// [`TEST_JWT_SECRET`] (see [`token`]), with extra settings.
    pub async fn start_jwt(db: &TestDatabase, settings: &[(&str, &str)]) -> anyhow::Result<Self> {
        let mut all = vec![("AUTH_MODE", "jwt"), ("AUTH_JWT_SECRET", TEST_JWT_SECRET)];
        all.extend_from_slice(settings);
        Self::start_with(db, &all).await
    }

    /// Starts a service on `db` broadcasting on `bus` (whose URL a setting may override).
    pub async fn start_on(
        db: &TestDatabase,
        bus: TestBus,
        settings: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        Self::start_hosting(None, db, bus, settings).await
    }

    /// Starts `service` (its modules and providers; `None`: everything linked in as one
    /// module) on `db` broadcasting on `bus`, with the order service's defaults and
    /// extra settings.
    ///
    /// The service is named `order-service-{exchange}` unless `settings` name it
    /// (`SERVICE_NAME`): every subscriber it may run (those of the order service, and a
    /// test's own) declares a durable queue `{SERVICE_NAME}.{subscriber}`, which must be
    /// the test's alone and is deleted with the exchange.
    pub async fn start_hosting(
        service: Option<platform_service::Service>,
        db: &TestDatabase,
        mut bus: TestBus,
        settings: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        if let Ok(filter) = std::env::var("RUST_LOG") {
            // Logs of the service under test, when asked for.
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
        // As in production: migrations run as the owner, the service as a role that
        // may only read and append the log.
        let role = db.runtime_role().await?;
        let exchange = bus.exchange().to_owned();
        let service_name = settings
            .iter()
            .find(|(key, _)| *key == "SERVICE_NAME")
            .map_or_else(
                || format!("order-service-{exchange}"),
                |(_, v)| (*v).to_owned(),
            );
        for subscriber in platform_messaging::subscribers() {
            bus.track_queue(&format!("{service_name}.{}", subscriber.name));
        }
        let mut overrides = vec![
            ("SERVICE_NAME", service_name.as_str()),
            ("DATABASE_URL", role.url.as_str()),
            ("DB_MIGRATION_USERNAME", role.owner.as_str()),
            ("DB_MAX_CONNECTIONS", "8"),
            ("MESSAGE_BUS_URL", bus.options.url.as_str()),
            ("MESSAGE_BUS_EXCHANGE", exchange.as_str()),
            ("PROJECTOR_POLL_INTERVAL_MS", "200"),
        ];
        overrides.extend_from_slice(settings);
        let config = Config::from_defaults_and(order_service::DEFAULT_CONFIG, &overrides)?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let (tx, rx) = oneshot::channel::<()>();
        let stop = async move {
            let _ = rx.await;
        };
        let server = match service {
            Some(service) => {
                tokio::spawn(async move { service.serve(config, listener, stop).await })
            }
            None => tokio::spawn(platform_service::serve(config, listener, stop)),
        };
        let service = TestService {
            service_name,
            base_url,
            http: reqwest::Client::new(),
            bus: Some(bus),
            shutdown: Some(tx),
            server: Some(server),
        };
        service.wait_healthy().await?;
        if !settings.iter().any(|(key, _)| *key == "MESSAGE_BUS_URL") {
            service.wait_for_bus().await?;
        }
        Ok(service)
    }

    /// Waits until the outbox relay is connected (health `ok`, not `degraded`) and every
    /// subscriber it runs consumes (its queue bound: nothing broadcast from then on is
    /// missed).
    async fn wait_for_bus(&self) -> anyhow::Result<()> {
        eventually(STARTUP, "the outbox relay to connect", || async {
            let health = self.health().await?;
            let consuming = health["subscribers"]
                .as_object()
                .is_none_or(|subscribers| subscribers.values().all(|s| s["consuming"] == true));
            anyhow::Ok((health["checks"]["messageBus"] == "up" && consuming).then_some(()))
        })
        .await
    }

    async fn wait_healthy(&self) -> anyhow::Result<()> {
        let health = format!("{}/health", self.base_url);
        eventually(STARTUP, "the service to answer /health", || async {
            let response = self.http.get(&health).send().await;
            anyhow::Ok(matches!(&response, Ok(r) if r.status().is_success()).then_some(()))
        })
        .await
    }

    /// POSTs a JSON body to `/api/commands/{name}`; returns status and JSON body.
    pub async fn command(&self, name: &str, body: Value) -> anyhow::Result<(u16, Value)> {
        self.post(&format!("/api/commands/{name}"), body).await
    }

    /// POSTs a JSON body to `/api/queries/{name}`; returns status and JSON body.
    pub async fn query(&self, name: &str, body: Value) -> anyhow::Result<(u16, Value)> {
        self.post(&format!("/api/queries/{name}"), body).await
    }

    /// POSTs `body` to `path` with `Authorization: {authorization}` (when given) and
    /// extra headers; returns the whole answer.
    pub async fn send(
        &self,
        path: &str,
        authorization: Option<&str>,
        headers: &[(&str, &str)],
        body: Value,
    ) -> anyhow::Result<Answer> {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base_url))
            .json(&body);
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.json().await.unwrap_or(Value::Null);
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    async fn post(&self, path: &str, body: Value) -> anyhow::Result<(u16, Value)> {
        let response = self
            .http
            .post(format!("{}{path}", self.base_url))
            .json(&body)
            .send()
            .await?;
        let status = response.status().as_u16();
        let body = response.json().await.context("response body is not JSON")?;
        Ok((status, body))
    }

    /// The typed client of this service.
    pub fn client(&self) -> order_service_client::OrderServiceClient {
        order_service_client::OrderServiceClient::new(&self.base_url)
            .expect("the test service's URL is valid")
    }

    /// GETs `/health` and returns its JSON body.
    pub async fn health(&self) -> anyhow::Result<Value> {
        let response = self
            .http
            .get(format!("{}/health", self.base_url))
            .send()
            .await?;
        Ok(response.json().await?)
    }

    /// Stops the server gracefully, deletes the test's exchange, and reports how the
    /// server ended.
    pub async fn stop(self) -> anyhow::Result<()> {
        let bus = self.stop_keeping_bus().await?;
        bus.cleanup().await?;
        Ok(())
    }

    /// Stops the server gracefully and hands back its exchange, e.g. for a second
    /// service on the same database and exchange.
    pub async fn stop_keeping_bus(mut self) -> anyhow::Result<TestBus> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await??;
        }
        self.bus.take().context("the bus was already handed back")
    }

    /// Its `SERVICE_NAME` (the app id of what it broadcasts, the OpenAPI title).
    pub fn service_name(&self) -> &str {
        &self.service_name
    }

    /// The test's exchange.
    pub fn bus(&self) -> &TestBus {
        self.bus
            .as_ref()
            .expect("the bus is kept until the service stops")
    }
}

impl Drop for TestService {
    fn drop(&mut self) {
        if let Some(server) = &self.server {
            server.abort();
        }
    }
}
