//! Helpers of the product service's tests: a platform service served in this process on
//! a throwaway database, and tokens for it.

#![allow(dead_code)]

use std::time::Duration;

use platform_event_sourcing::testing::{TestDatabase, eventually};
use platform_service::{Config, Service};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The HS256 secret of services started with `AUTH_MODE=jwt`.
pub const JWT_SECRET: &str = "product-service-tests-hs256-secret-32+bytes";

/// The settings that turn on `AUTH_MODE=jwt` with [`JWT_SECRET`].
pub const JWT: [(&str, &str); 2] = [("AUTH_MODE", "jwt"), ("AUTH_JWT_SECRET", JWT_SECRET)];

/// A token for `sub` with `roles`, valid for an hour.
pub fn token(sub: &str, roles: &[&str]) -> String {
    let claims = serde_json::json!({
        "sub": sub,
        "roles": roles,
        "exp": jsonwebtoken::get_current_timestamp() + 3600,
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .expect("HS256 signs any claims")
}

/// A service served on a loopback port until stopped.
pub struct Running {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

impl Running {
    /// Serves `service` with its `defaults` on `db` (as its runtime role, migrated by
    /// the owner), with `settings` over them, and waits until `/health` answers.
    pub async fn start(
        service: Service,
        defaults: &str,
        db: &TestDatabase,
        settings: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        let role = db.runtime_role().await?;
        let mut overrides = vec![
            ("DATABASE_URL", role.url.as_str()),
            ("DB_MIGRATION_USERNAME", role.owner.as_str()),
            ("DB_MAX_CONNECTIONS", "8"),
            ("HTTP_HOST", "127.0.0.1"),
        ];
        overrides.extend_from_slice(settings);
        let config = Config::from_defaults_and(defaults, &overrides)?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let (tx, rx) = oneshot::channel::<()>();
        let stop = async move {
            let _ = rx.await;
        };
        let server = tokio::spawn(async move { service.serve(config, listener, stop).await });
        let running = Running {
            base_url,
            http: reqwest::Client::new(),
            shutdown: Some(tx),
            server: Some(server),
        };
        eventually(
            Duration::from_secs(30),
            "the service to answer /health",
            || async {
                let health = running.health().await;
                anyhow::Ok(health.is_ok().then_some(()))
            },
        )
        .await?;
        Ok(running)
    }

    /// GETs `/health` (its body, whatever the status).
    pub async fn health(&self) -> anyhow::Result<Value> {
        let response = self
            .http
            .get(format!("{}/health", self.base_url))
            .send()
            .await?;
        Ok(response.json().await?)
    }

    /// POSTs `body` to `/api/commands/{name}` with `token` (if any): status and body.
    pub async fn command(
        &self,
        name: &str,
        token: Option<&str>,
        body: Value,
    ) -> anyhow::Result<(u16, Value)> {
        self.post(&format!("/api/commands/{name}"), token, body)
            .await
    }

    /// POSTs `body` to `/api/queries/{name}` with `token` (if any): status and body.
    pub async fn query(
        &self,
        name: &str,
        token: Option<&str>,
        body: Value,
    ) -> anyhow::Result<(u16, Value)> {
        self.post(&format!("/api/queries/{name}"), token, body)
            .await
    }

    async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> anyhow::Result<(u16, Value)> {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base_url))
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body: Value = response.json().await?;
        if status >= 400 {
            anyhow::ensure!(
                content_type.starts_with("application/problem+json"),
                "a {status} is problem+json, not {content_type:?}: {body}"
            );
        }
        Ok((status, body))
    }

    /// Stops the server gracefully; fails if it ended with an error.
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

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(server) = &self.server {
            server.abort();
        }
    }
}

/// The order service and the product service, each on its own database, over `bus`'s
/// exchange, with names of their own whose subscriber queues `bus` deletes at the end.
pub async fn start_both(
    orders_db: &TestDatabase,
    products_db: &TestDatabase,
    bus: &mut platform_messaging::testing::TestBus,
) -> anyhow::Result<(Running, Running)> {
    let exchange = bus.exchange().to_owned();
    let url = bus.options.url.clone();
    let products_name = format!("product-service-{exchange}");
    let orders_name = format!("order-service-{exchange}");
    // Both services' queues (every subscriber linked in), deleted at the end.
    for subscriber in platform_messaging::subscribers() {
        bus.track_queue(&format!("{products_name}.{}", subscriber.name));
        bus.track_queue(&format!("{orders_name}.{}", subscriber.name));
    }
    let bus_settings = [
        ("MESSAGE_BUS_URL", url.as_str()),
        ("MESSAGE_BUS_EXCHANGE", exchange.as_str()),
        ("PROJECTOR_POLL_INTERVAL_MS", "200"),
    ];
    let mut settings = bus_settings.to_vec();
    settings.push(("SERVICE_NAME", products_name.as_str()));
    let products = Running::start(
        product_service::service(),
        product_service::DEFAULT_CONFIG,
        products_db,
        &settings,
    )
    .await?;
    let mut settings = bus_settings.to_vec();
    settings.push(("SERVICE_NAME", orders_name.as_str()));
    let orders = Running::start(
        order_service::service(),
        order_service::DEFAULT_CONFIG,
        orders_db,
        &settings,
    )
    .await?;
    Ok((orders, products))
}
