//! The client and its builder.

use std::marker::PhantomData;

use std::sync::Arc;
use std::time::Duration;

use platform_contracts::{Command, Query};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ClientError;

/// The header that makes a command safe to retry.
const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Client of one platform service; cheap to clone (one connection pool). A service's
/// typed client wraps it with one method per command and query.
#[derive(Debug, Clone)]
pub struct ServiceClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base_url: String,
    retries: u32,
    backoff: Duration,
    idempotency_keys: bool,
}

/// Options of a client: a [`ServiceClient`] or a typed client built from one (`C`).
#[derive(Debug, Clone)]
pub struct ClientBuilder<C = ServiceClient> {
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    retries: u32,
    backoff: Duration,
    headers: Vec<(String, String)>,
    idempotency_keys: bool,
    client: PhantomData<fn() -> C>,
}

impl<C: From<ServiceClient>> ClientBuilder<C> {
    /// Options for a client of the service at `base_url` (e.g. `http://localhost:3000`):
    /// 30 s per request, 5 s to connect, 3 retries from 100 ms, idempotency keys on.
    pub fn new(base_url: impl Into<String>) -> Self {
        ClientBuilder {
            base_url: base_url.into(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            retries: 3,
            backoff: Duration::from_millis(100),
            headers: Vec::new(),
            idempotency_keys: true,
            client: PhantomData,
        }
    }

    /// Total time a request may take (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time to establish a connection (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Retries after the first attempt, where safe (default 3).
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// Wait before the first retry, doubled for each next one (default 100 ms).
    pub fn backoff(mut self, backoff: Duration) -> Self {
        self.backoff = backoff;
        self
    }

    /// A header sent with every request, e.g. `X-Correlation-Id`.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// `Authorization: Bearer {token}` on every request: the user the service records
    /// and checks roles of (a 401 or 403 is [`ClientError::Unauthenticated`] /
    /// [`ClientError::Forbidden`], never retried).
    pub fn bearer_token(self, token: impl AsRef<str>) -> Self {
        let value = format!("Bearer {}", token.as_ref());
        self.header(AUTHORIZATION.as_str(), value)
    }

    /// Whether every command gets a fresh idempotency key, making it safe to retry
    /// (default true). Without keys, commands are sent once.
    pub fn idempotency_keys(mut self, enabled: bool) -> Self {
        self.idempotency_keys = enabled;
        self
    }

    /// Builds the client; fails on a base URL that is not http(s) or a bad header.
    pub fn build(self) -> Result<C, ClientError> {
        let base_url = self.base_url.trim_end_matches('/').to_owned();
        let url = reqwest::Url::parse(&base_url)
            .map_err(|e| ClientError::Config(format!("base URL {base_url:?}: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ClientError::Config(format!(
                "base URL {base_url:?}: expected http:// or https://"
            )));
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| ClientError::Config(format!("header name {name:?}: {e}")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|e| ClientError::Config(format!("header {name}: {e}")))?;
            headers.insert(name, value);
        }
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .default_headers(headers)
            .build()
            .map_err(|e| ClientError::Config(e.to_string()))?;
        Ok(C::from(ServiceClient {
            inner: Arc::new(Inner {
                http,
                base_url,
                retries: self.retries,
                backoff: self.backoff,
                idempotency_keys: self.idempotency_keys,
            }),
        }))
    }
}

impl ServiceClient {
    /// A client of the service at `base_url` with the default options.
    pub fn new(base_url: impl Into<String>) -> Result<Self, ClientError> {
        ClientBuilder::new(base_url).build()
    }

    /// Sends any command; with idempotency keys on (the default) it carries a fresh key
    /// and is retried on transient failures, else it is sent once.
    pub async fn execute<C: Command>(&self, command: &C) -> Result<C::Result, ClientError> {
        if self.inner.idempotency_keys {
            let key = uuid::Uuid::new_v4().to_string();
            self.execute_with_key(command, &key).await
        } else {
            let path = format!("/api/commands/{}", C::NAME);
            self.send(&path, command, None, 0).await
        }
    }

    /// Sends a command with the caller's idempotency key: the service runs it once per
    /// key, and answers a repeat (this call's retries, or a later call with the same
    /// key and command) with the first response.
    pub async fn execute_with_key<C: Command>(
        &self,
        command: &C,
        key: &str,
    ) -> Result<C::Result, ClientError> {
        let path = format!("/api/commands/{}", C::NAME);
        self.send(&path, command, Some(key), self.inner.retries)
            .await
    }

    /// Sends any query, retried on transient failures.
    pub async fn query<Q: Query>(&self, query: &Q) -> Result<Q::Result, ClientError> {
        let path = format!("/api/queries/{}", Q::NAME);
        self.send(&path, query, None, self.inner.retries).await
    }

    async fn send<B: Serialize, R: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        key: Option<&str>,
        retries: u32,
    ) -> Result<R, ClientError> {
        let mut delay = self.inner.backoff;
        let mut attempt = 0;
        loop {
            match self.send_once(path, body, key).await {
                Err(err) if attempt < retries && retryable(&err) => {
                    attempt += 1;
                    tokio::time::sleep(delay).await;
                    delay = delay.saturating_mul(2);
                }
                outcome => return outcome,
            }
        }
    }

    async fn send_once<B: Serialize, R: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        key: Option<&str>,
    ) -> Result<R, ClientError> {
        let mut request = self
            .inner
            .http
            .post(format!("{}{path}", self.inner.base_url))
            .json(body);
        if let Some(key) = key {
            request = request.header(IDEMPOTENCY_KEY, key);
        }
        let response = request.send().await.map_err(ClientError::Transport)?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(ClientError::Transport)?;
        if !(200..300).contains(&status) {
            return Err(ClientError::from_response(status, text));
        }
        serde_json::from_str(&text).map_err(|_| ClientError::Unexpected { status, body: text })
    }
}

/// Worth another attempt of a request that is safe to repeat.
fn retryable(err: &ClientError) -> bool {
    match err {
        ClientError::Transport(e) => e.is_connect() || e.is_timeout() || e.is_request(),
        ClientError::Unavailable { .. } => true,
        ClientError::Conflict { .. } => true,
        _ => false,
    }
}
