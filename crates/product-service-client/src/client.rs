//! The client and its builder.

use std::sync::Arc;
use std::time::Duration;

use platform_contracts::{Command, Query};
use product_contracts::inventory::{
    AdjustStock, AllocateReservation, GetStock, ReceiveStock, StockLevel, StockView,
};
use product_contracts::{
    ApplyDiscount, ApplyDiscountResult, CategoriseProduct, CategoryList, CategoryProducts,
    CategoryUpdated, CategoryView, ChangeProductDetails, CreateCategory, CreateCategoryResult,
    CreateProduct, CreateProductResult, DiscontinueProduct, GetCategory, GetPriceHistory,
    GetProduct, ListCategories, ListCategoryProducts, ListProducts, MoveCategory, PriceHistory,
    ProductList, ProductUpdated, ProductView, RemoveDiscount, RenameCategory, SetPrice,
};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ClientError;

/// The header that makes a command safe to retry.
const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Client of one product service; cheap to clone (one connection pool).
#[derive(Debug, Clone)]
pub struct ProductServiceClient {
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

/// Options of an [`ProductServiceClient`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    retries: u32,
    backoff: Duration,
    headers: Vec<(String, String)>,
    idempotency_keys: bool,
}

impl ClientBuilder {
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
    pub fn build(self) -> Result<ProductServiceClient, ClientError> {
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
        Ok(ProductServiceClient {
            inner: Arc::new(Inner {
                http,
                base_url,
                retries: self.retries,
                backoff: self.backoff,
                idempotency_keys: self.idempotency_keys,
            }),
        })
    }
}

impl ProductServiceClient {
    /// A client of the service at `base_url` (e.g. `http://localhost:3002`) with the
    /// default options.
    pub fn new(base_url: impl Into<String>) -> Result<Self, ClientError> {
        Self::builder(base_url).build()
    }

    /// Options for a client of the service at `base_url`.
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            retries: 3,
            backoff: Duration::from_millis(100),
            headers: Vec::new(),
            idempotency_keys: true,
        }
    }

    /// Creates a product under its SKU (a taken SKU is `RuleViolated { code: "sku_taken" }`).
    pub async fn create_product(
        &self,
        command: CreateProduct,
    ) -> Result<CreateProductResult, ClientError> {
        self.execute(&command).await
    }

    /// Changes a product's name and description.
    pub async fn change_product_details(
        &self,
        command: ChangeProductDetails,
    ) -> Result<ProductUpdated, ClientError> {
        self.execute(&command).await
    }

    /// Puts a product into a category, or out of every category.
    pub async fn categorise_product(
        &self,
        command: CategoriseProduct,
    ) -> Result<ProductUpdated, ClientError> {
        self.execute(&command).await
    }

    /// Sets a product's price.
    pub async fn set_price(&self, command: SetPrice) -> Result<ProductUpdated, ClientError> {
        self.execute(&command).await
    }

    /// Applies a discount to a product's price; answers the discount's id.
    pub async fn apply_discount(
        &self,
        command: ApplyDiscount,
    ) -> Result<ApplyDiscountResult, ClientError> {
        self.execute(&command).await
    }

    /// Takes a discount off a product.
    pub async fn remove_discount(
        &self,
        command: RemoveDiscount,
    ) -> Result<ProductUpdated, ClientError> {
        self.execute(&command).await
    }

    /// Discontinues a product.
    pub async fn discontinue_product(
        &self,
        command: DiscontinueProduct,
    ) -> Result<ProductUpdated, ClientError> {
        self.execute(&command).await
    }

    /// Creates a category, at the top or under a parent.
    pub async fn create_category(
        &self,
        command: CreateCategory,
    ) -> Result<CreateCategoryResult, ClientError> {
        self.execute(&command).await
    }

    /// Renames a category.
    pub async fn rename_category(
        &self,
        command: RenameCategory,
    ) -> Result<CategoryUpdated, ClientError> {
        self.execute(&command).await
    }

    /// Moves a category under another parent, or to the top.
    pub async fn move_category(
        &self,
        command: MoveCategory,
    ) -> Result<CategoryUpdated, ClientError> {
        self.execute(&command).await
    }

    /// One product: as it is now, or with `as_of` as it was then.
    pub async fn get_product(&self, query: GetProduct) -> Result<ProductView, ClientError> {
        self.query(&query).await
    }

    /// Products, most recently changed first, a page at a time.
    pub async fn list_products(&self, query: ListProducts) -> Result<ProductList, ClientError> {
        self.query(&query).await
    }

    /// A product's price changes, oldest first.
    pub async fn get_price_history(
        &self,
        query: GetPriceHistory,
    ) -> Result<PriceHistory, ClientError> {
        self.query(&query).await
    }

    /// `ReceiveStock`: units of a product arrived (role `inventory` or `admin`).
    pub async fn receive_stock(&self, command: ReceiveStock) -> Result<StockLevel, ClientError> {
        self.execute(&command).await
    }

    /// `AdjustStock`: on-hand stock corrected, with a reason.
    pub async fn adjust_stock(&self, command: AdjustStock) -> Result<StockLevel, ClientError> {
        self.execute(&command).await
    }

    /// `AllocateReservation`: an order's reserved units left the warehouse.
    pub async fn allocate_reservation(
        &self,
        command: AllocateReservation,
    ) -> Result<StockLevel, ClientError> {
        self.execute(&command).await
    }

    /// `GetStock`: a product's stock and open reservations.
    pub async fn get_stock(&self, query: GetStock) -> Result<StockView, ClientError> {
        self.query(&query).await
    }

    /// One category.
    pub async fn get_category(&self, query: GetCategory) -> Result<CategoryView, ClientError> {
        self.query(&query).await
    }

    /// Categories, optionally the children of one, a page at a time.
    pub async fn list_categories(
        &self,
        query: ListCategories,
    ) -> Result<CategoryList, ClientError> {
        self.query(&query).await
    }

    /// A category's products (SKU and name), by SKU.
    pub async fn list_category_products(
        &self,
        query: ListCategoryProducts,
    ) -> Result<CategoryProducts, ClientError> {
        self.query(&query).await
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
