//! Helpers of the end-to-end tests: a real order service on a throwaway database.

use std::time::Duration;

use anyhow::Context;
use platform_event_sourcing::testing::TestDatabase;
use platform_service::Config;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// An order service serving HTTP on a loopback port, on its own database.
pub struct TestService {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// HTTP client for the tests.
    pub http: reqwest::Client,
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
        let url = db.url();
        let mut overrides = vec![("DATABASE_URL", url.as_str()), ("DB_MAX_CONNECTIONS", "8")];
        overrides.extend_from_slice(settings);
        let config = Config::from_defaults_and(order_service::DEFAULT_CONFIG, &overrides)?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(platform_service::serve(config, listener, async move {
            let _ = rx.await;
        }));
        let service = TestService {
            base_url,
            http: reqwest::Client::new(),
            shutdown: Some(tx),
            server: Some(server),
        };
        service.wait_healthy().await?;
        Ok(service)
    }

    async fn wait_healthy(&self) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let response = self
                .http
                .get(format!("{}/health", self.base_url))
                .send()
                .await;
            if matches!(&response, Ok(r) if r.status().is_success()) {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                anyhow::bail!("service did not become healthy: {response:?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// POSTs a JSON body to `/api/commands/{name}`; returns status and JSON body.
    pub async fn command(&self, name: &str, body: Value) -> anyhow::Result<(u16, Value)> {
        self.post(&format!("/api/commands/{name}"), body).await
    }

    /// POSTs a JSON body to `/api/queries/{name}`; returns status and JSON body.
    pub async fn query(&self, name: &str, body: Value) -> anyhow::Result<(u16, Value)> {
        self.post(&format!("/api/queries/{name}"), body).await
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

    /// Stops the server gracefully and reports how it ended.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.server.take() {
            Some(server) => server.await?,
            None => Ok(()),
        }
    }
}

impl Drop for TestService {
    fn drop(&mut self) {
        if let Some(server) = &self.server {
            server.abort();
        }
    }
}
