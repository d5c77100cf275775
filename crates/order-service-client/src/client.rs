//! The typed client: one method per command and query of the order service.

use order_contracts::{
    AddItem, CancelOrder, CreateOrder, CreateOrderResult, CustomerOrders, GetCustomerOrders,
    GetOrder, GetOrderEvents, GetProductDemand, GetProductPrice, ListOrders, OrderEvents,
    OrderList, OrderUpdated, OrderView, PlaceOrder, ProductDemand, ProductPrice, RemoveItem,
};
use platform_client::{ClientBuilder, ClientError, Command, Query, ServiceClient};

/// Client of one order service; cheap to clone (one connection pool).
#[derive(Debug, Clone)]
pub struct OrderServiceClient {
    client: ServiceClient,
}

impl From<ServiceClient> for OrderServiceClient {
    fn from(client: ServiceClient) -> Self {
        OrderServiceClient { client }
    }
}

impl OrderServiceClient {
    /// A client of the service at `base_url` (e.g. `http://localhost:3000`) with the default
    /// options.
    pub fn new(base_url: impl Into<String>) -> Result<Self, ClientError> {
        Self::builder(base_url).build()
    }

    /// Options for a client of the service at `base_url` (timeouts, retries, a bearer
    /// token, headers, idempotency keys).
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder<Self> {
        ClientBuilder::new(base_url)
    }

    /// Opens a draft order for a customer.
    pub async fn create_order(
        &self,
        command: CreateOrder,
    ) -> Result<CreateOrderResult, ClientError> {
        self.execute(&command).await
    }

    /// Adds units of a product to a draft order.
    pub async fn add_item(&self, command: AddItem) -> Result<OrderUpdated, ClientError> {
        self.execute(&command).await
    }

    /// Removes a product's line from a draft order.
    pub async fn remove_item(&self, command: RemoveItem) -> Result<OrderUpdated, ClientError> {
        self.execute(&command).await
    }

    /// Places a draft order.
    pub async fn place_order(&self, command: PlaceOrder) -> Result<OrderUpdated, ClientError> {
        self.execute(&command).await
    }

    /// Cancels an order, with an optional reason.
    pub async fn cancel_order(&self, command: CancelOrder) -> Result<OrderUpdated, ClientError> {
        self.execute(&command).await
    }

    /// One order: as it is now, or with `as_of` / `as_of_version` as it was then.
    pub async fn get_order(&self, query: GetOrder) -> Result<OrderView, ClientError> {
        self.query(&query).await
    }

    /// An order's event stream (its audit trail), a page at a time.
    pub async fn get_order_events(
        &self,
        query: GetOrderEvents,
    ) -> Result<OrderEvents, ClientError> {
        self.query(&query).await
    }

    /// Orders, newest first, a page at a time (`next_cursor` for the next page).
    pub async fn list_orders(&self, query: ListOrders) -> Result<OrderList, ClientError> {
        self.query(&query).await
    }

    /// A customer's order summary.
    pub async fn get_customer_orders(
        &self,
        query: GetCustomerOrders,
    ) -> Result<CustomerOrders, ClientError> {
        self.query(&query).await
    }

    /// Demand for one product across placed orders.
    pub async fn get_product_demand(
        &self,
        query: GetProductDemand,
    ) -> Result<ProductDemand, ClientError> {
        self.query(&query).await
    }

    /// A product's price as the order service knows it from the product service.
    pub async fn get_product_price(
        &self,
        query: GetProductPrice,
    ) -> Result<ProductPrice, ClientError> {
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
