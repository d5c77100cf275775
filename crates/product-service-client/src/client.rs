//! The typed client: one method per command and query of the product service.

use platform_client::{ClientBuilder, ClientError, Command, Query, ServiceClient};
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

/// Client of one product service; cheap to clone (one connection pool).
#[derive(Debug, Clone)]
pub struct ProductServiceClient {
    client: ServiceClient,
}

impl From<ServiceClient> for ProductServiceClient {
    fn from(client: ServiceClient) -> Self {
        ProductServiceClient { client }
    }
}

impl ProductServiceClient {
    /// A client of the service at `base_url` (e.g. `http://localhost:3002`) with the default
    /// options.
    pub fn new(base_url: impl Into<String>) -> Result<Self, ClientError> {
        Self::builder(base_url).build()
    }

    /// Options for a client of the service at `base_url` (timeouts, retries, a bearer
    /// token, headers, idempotency keys).
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder<Self> {
        ClientBuilder::new(base_url)
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
        self.client.execute(command).await
    }

    /// Sends a command with the caller's idempotency key: the service runs it once per
    /// key, and answers a repeat (this call's retries, or a later call with the same
    /// key and command) with the first response.
    pub async fn execute_with_key<C: Command>(
        &self,
        command: &C,
        key: &str,
    ) -> Result<C::Result, ClientError> {
        self.client.execute_with_key(command, key).await
    }

    /// Sends any query, retried on transient failures.
    pub async fn query<Q: Query>(&self, query: &Q) -> Result<Q::Result, ClientError> {
        self.client.query(query).await
    }
}
